import Foundation

/// What the store's health panel knows of one pipeline: its last `GET /status` answer, a bounded
/// history of figures derived from successive answers, and restart markers.
///
/// Pure state: the monitor feeds it polls (`record`) and failures (`recordFailure`) with their
/// time, so tests drive it without a network or a clock.
public struct PipelineHealthHistory: Sendable {
    /// The subset of `PipelineStatusReport` the panel uses, read back from JSON.
    public struct Status: Codable, Sendable, Equatable {
        public struct Partition: Codable, Sendable, Equatable {
            public var topic: String
            public var partition: Int32
            public var committedOffset: Int64?
            public var endOffset: Int64?
            public var lag: Int64?
        }
        public struct Batch: Codable, Sendable, Equatable {
            public var inputRecords: Int
            public var processingTimeMs: Double
            public var delayMs: Int64?
            public var completedAt: String
        }
        public struct Totals: Codable, Sendable, Equatable {
            public var batches: Int
            public var abortedBatches: Int
            public var inputRecords: Int
            public var deadLetters: Int
        }
        public var pipeline: String
        public var instance: String
        public var state: String
        public var startedAt: String
        /// The binary's identity; absent from older pipelines.
        public var build: String?
        public var partitions: [Partition]
        public var lastBatch: Batch?
        public var totals: Totals
    }

    /// Figures at one poll.
    public struct Sample: Codable, Sendable, Equatable {
        /// Poll time, ms since the epoch.
        public var t: Int64
        /// Input events per second since the previous poll; nil across a restart or a gap.
        public var inputRate: Double?
        public var processingTimeMs: Double?
        public var delayMs: Int64?
        /// Lag per partition, keyed `topic-partition`.
        public var lag: [String: Int64]
        public var deadLetters: Int
    }

    /// A pipeline restart seen between two polls: `startedAt` or `instance` changed.
    public struct Marker: Codable, Sendable, Equatable {
        public var t: Int64
        public var kind: String
        public var url: String
        public var pipeline: String
        public var detail: String
    }

    public let url: String
    /// Samples kept; older ones are dropped. Default: 900 (15 minutes at one poll a second).
    public let maxSamples: Int
    /// Markers kept. Default: 100.
    public let maxMarkers: Int

    public private(set) var status: Status?
    public private(set) var samples: [Sample] = []
    public private(set) var markers: [Marker] = []
    /// Why the last poll failed; nil when it succeeded.
    public private(set) var error: String?
    public private(set) var lastPolledAt: Int64?
    private var previousPollAt: Int64?

    public init(url: String, maxSamples: Int = 900, maxMarkers: Int = 100) {
        self.url = url
        self.maxSamples = maxSamples
        self.maxMarkers = maxMarkers
    }

    public var isReachable: Bool { error == nil && status != nil }

    /// A successful poll at `now` (ms since the epoch).
    public mutating func record(_ new: Status, at now: Int64) {
        var rate: Double?
        if let old = status {
            let restarted = old.startedAt != new.startedAt || old.instance != new.instance
            if restarted {
                let deployed = old.build != nil && new.build != nil && old.build != new.build
                append(Marker(
                    t: now, kind: deployed ? "deploy" : "restart", url: url, pipeline: new.pipeline,
                    detail: "instance \(new.instance) started at \(new.startedAt) (was \(old.instance), started at \(old.startedAt))"
                        + (deployed ? "; new binary \(new.build ?? "") (was \(old.build ?? ""))" : "")))
            } else if error == nil, let before = previousPollAt, now > before,
                      new.totals.inputRecords >= old.totals.inputRecords {
                rate = Double(new.totals.inputRecords - old.totals.inputRecords) * 1000 / Double(now - before)
            }
        }
        var lag: [String: Int64] = [:]
        for p in new.partitions { if let l = p.lag { lag["\(p.topic)-\(p.partition)"] = l } }
        samples.append(Sample(
            t: now, inputRate: rate, processingTimeMs: new.lastBatch?.processingTimeMs,
            delayMs: new.lastBatch?.delayMs, lag: lag, deadLetters: new.totals.deadLetters))
        if samples.count > maxSamples { samples.removeFirst(samples.count - maxSamples) }
        status = new
        error = nil
        lastPolledAt = now
        previousPollAt = now
    }

    /// A failed poll at `now`: the panel shows the pipeline as unreachable with `reason`; the
    /// last status is kept so a restart is still recognised when it answers again.
    public mutating func recordFailure(_ reason: String, at now: Int64) {
        error = reason
        lastPolledAt = now
    }

    private mutating func append(_ marker: Marker) {
        markers.append(marker)
        if markers.count > maxMarkers { markers.removeFirst(markers.count - maxMarkers) }
    }
}
