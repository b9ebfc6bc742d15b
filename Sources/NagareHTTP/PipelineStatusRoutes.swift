import Foundation
public import Hummingbird

/// What `GET /status` of `nagare run --status` shows. The runtime fills it; this module only
/// serves it, so it knows nothing of the engine or of Kafka clients.
public struct PipelineStatusReport: Encodable, Sendable {
    /// One assigned input partition. Offsets are unknown (null) until first read.
    public struct Partition: Encodable, Sendable {
        public var topic: String
        public var partition: Int32
        /// The group's committed offset: the next offset the pipeline reads.
        public var committedOffset: Int64?
        /// The partition's high watermark, refreshed at most once a second.
        public var endOffset: Int64?

        public init(topic: String, partition: Int32, committedOffset: Int64?, endOffset: Int64?) {
            self.topic = topic
            self.partition = partition
            self.committedOffset = committedOffset
            self.endOffset = endOffset
        }

        /// Events written but not yet committed by the pipeline.
        public var lag: Int64? {
            guard let committedOffset, let endOffset else { return nil }
            return max(0, endOffset - committedOffset)
        }

        enum CodingKeys: String, CodingKey { case topic, partition, committedOffset, endOffset, lag }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(topic, forKey: .topic)
            try c.encode(partition, forKey: .partition)
            try c.encode(committedOffset, forKey: .committedOffset)
            try c.encode(endOffset, forKey: .endOffset)
            try c.encode(lag, forKey: .lag)
        }
    }

    /// The last committed batch.
    public struct Batch: Encodable, Sendable {
        public var inputRecords: Int
        public var outputRecords: Int
        /// From the poll to the transaction's commit.
        public var processingTimeMs: Double
        /// When the batch committed minus the Kafka timestamp of its newest event.
        public var delayMs: Int64?
        /// When the batch committed (RFC 3339).
        public var completedAt: String

        public init(inputRecords: Int, outputRecords: Int, processingTimeMs: Double, delayMs: Int64?, completedAt: String) {
            self.inputRecords = inputRecords
            self.outputRecords = outputRecords
            self.processingTimeMs = processingTimeMs
            self.delayMs = delayMs
            self.completedAt = completedAt
        }

        enum CodingKeys: String, CodingKey { case inputRecords, outputRecords, processingTimeMs, delayMs, completedAt }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(inputRecords, forKey: .inputRecords)
            try c.encode(outputRecords, forKey: .outputRecords)
            try c.encode(processingTimeMs, forKey: .processingTimeMs)
            try c.encode(delayMs, forKey: .delayMs)
            try c.encode(completedAt, forKey: .completedAt)
        }
    }

    /// Counts since this process started, over committed batches (aborted ones counted apart).
    public struct Totals: Encodable, Sendable {
        public var batches = 0
        public var abortedBatches = 0
        public var inputRecords = 0
        public var outputRecords = 0
        public var duplicates = 0
        public var filtered = 0
        public var deadLetters = 0
        public var lateEvents = 0
        public var windowResults = 0
        public init() {}
    }

    public var pipeline: String
    public var instance: String
    public var group: String
    /// `starting`, `running` or `stopping`.
    public var state: String
    /// When this process started (RFC 3339): a dashboard sees a restart as a new value.
    public var startedAt: String
    public var uptimeSeconds: Double
    public var partitions: [Partition]
    public var lastBatch: Batch?
    public var totals: Totals
    /// Identifies the running binary (its size and modification time): a restart with a
    /// different value is a deploy.
    public var build: String = ""

    public init(
        pipeline: String, instance: String, group: String, state: String, startedAt: String,
        uptimeSeconds: Double, partitions: [Partition], lastBatch: Batch?, totals: Totals
    ) {
        self.pipeline = pipeline
        self.instance = instance
        self.group = group
        self.state = state
        self.startedAt = startedAt
        self.uptimeSeconds = uptimeSeconds
        self.partitions = partitions
        self.lastBatch = lastBatch
        self.totals = totals
    }

    enum CodingKeys: String, CodingKey {
        case pipeline, instance, group, state, startedAt, uptimeSeconds, partitions, lastBatch, totals, build
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(pipeline, forKey: .pipeline)
        try c.encode(instance, forKey: .instance)
        try c.encode(group, forKey: .group)
        try c.encode(state, forKey: .state)
        try c.encode(startedAt, forKey: .startedAt)
        try c.encode(uptimeSeconds, forKey: .uptimeSeconds)
        try c.encode(partitions, forKey: .partitions)
        try c.encode(lastBatch, forKey: .lastBatch)
        try c.encode(totals, forKey: .totals)
        try c.encode(build, forKey: .build)
    }
}

/// A running pipeline as the status routes see it.
public protocol PipelineStatusProviding: Sendable {
    func statusReport() -> PipelineStatusReport
    /// Asks the pipeline to stop after its current batch; returns at once.
    func requestStop()
}

/// `GET /status` → the pipeline's `PipelineStatusReport` as JSON; `POST /stop` → asks it to stop
/// after the current batch (as SIGTERM does) and answers 202 at once.
public struct PipelineStatusRoutes: RouteGroup {
    let pipeline: any PipelineStatusProviding

    public init(pipeline: any PipelineStatusProviding) { self.pipeline = pipeline }

    public func register(on router: Router<NagareRequestContext>) {
        let pipeline = self.pipeline
        router.get("/status") { _, _ in
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            return JSONResponse.make(bytes: Array(try encoder.encode(pipeline.statusReport())))
        }
        router.post("/stop") { _, _ in
            pipeline.requestStop()
            return JSONResponse.make(
                status: .accepted,
                bytes: Array(#"{"stopping":true,"message":"stopping after the current batch"}"#.utf8))
        }
    }
}
