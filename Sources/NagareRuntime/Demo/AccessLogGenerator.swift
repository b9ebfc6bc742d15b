import Foundation
public import Logging
import NagareCore
public import NagareKafka
import Synchronization

/// The demo's source of traffic: access-log events at the rate of a compressed daily curve,
/// keyed by `site_id` and produced with the idempotent producer, with duplicates (the same record
/// again a few seconds later), late events and a few malformed records. It counts what the store
/// must end up showing (`GeneratorCounts`) and rewrites the counts file every second.
public final class AccessLogGenerator: Sendable {
    public struct Options: Sendable {
        public var topic = "events.raw"
        public var curve: TrafficCurve
        /// Share of events sent twice. Default: 0.03.
        public var duplicateShare = 0.03
        /// Share of events 20–45 s behind the others. Default: 0.01.
        public var lateShare = 0.01
        /// Share of records that are malformed. Default: 0.002.
        public var malformedShare = 0.002
        /// Where the counts are written every second.
        public var countsFile: String
        /// Event ids start with this, so that runs over the same data never share one.
        public var runID: String
        public var seed: UInt64

        public init(curve: TrafficCurve, countsFile: String, runID: String, seed: UInt64) {
            self.curve = curve
            self.countsFile = countsFile
            self.runID = runID
            self.seed = seed
        }
    }

    public let options: Options
    let tables: DemoExampleTables
    let logger: Logger
    private let state: Mutex<GeneratorCounts>

    /// How often the generator wakes to produce what the curve asks for.
    static let tick = Duration.milliseconds(50)

    public init(options: Options, tables: DemoExampleTables, startingFrom counts: GeneratorCounts, logger: Logger) {
        self.options = options
        self.tables = tables
        self.logger = logger
        self.state = Mutex(counts)
    }

    public var counts: GeneratorCounts { state.withLock { $0 } }

    /// Produces until the task is cancelled, then waits for every record to be acknowledged and
    /// writes the final counts. A delivery failure (the broker gone) throws.
    public func run(producer: Producer) async throws {
        let start = ContinuousClock.now
        var factory = AccessLogEventFactory(tables: tables, runID: options.runID, seed: options.seed)
        var pending: [(due: Int64, record: OutgoingRecord)] = []
        var owed = 0.0
        var last = start
        var lastWrite = start
        state.withLock { $0.running = true }
        try writeCounts()
        while !Task.isCancelled {
            try? await Task.sleep(for: Self.tick)
            let now = ContinuousClock.now
            let wall = Int64(Date().timeIntervalSince1970 * 1000)
            owed += options.curve.rate(after: now - start) * ((now - last) / .seconds(1))
            last = now
            var batch: [OutgoingRecord] = []
            var counted = state.withLock { $0 }
            while owed >= 1 {
                owed -= 1
                if factory.random.chance(options.malformedShare) {
                    let bad = factory.malformed(timeMilliseconds: wall)
                    batch.append(OutgoingRecord(topic: options.topic, key: bad.key, value: bad.value))
                    counted.malformed += 1
                    counted.records += 1
                    continue
                }
                let isLate = factory.random.chance(options.lateShare)
                // Ordinary events are up to 2 s old when sent (a little disorder, well within
                // the pipeline's maxDelay); late ones 20–45 s.
                let age = isLate ? Int64(20_000 + factory.random.below(25_000)) : Int64(factory.random.below(2_000))
                let event = factory.event(timeMilliseconds: wall - age)
                let record = OutgoingRecord(topic: options.topic, key: event.key, value: event.value)
                batch.append(record)
                counted.addEvent(timeMilliseconds: wall - age, late: isLate)
                if factory.random.chance(options.duplicateShare) {
                    pending.append((wall + Int64(500 + factory.random.below(4_500)), record))
                }
            }
            let due = pending.filter { $0.due <= wall }
            if !due.isEmpty {
                pending.removeAll { $0.due <= wall }
                batch += due.map(\.record)
                counted.duplicates += due.count
                counted.records += due.count
            }
            // Counted before producing: when `produce` throws the demo stops with an error, and
            // a record it did take is delivered (idempotently) or the final flush fails.
            state.withLock { $0 = counted }
            for record in batch { try await producer.produce(record) }
            if now - lastWrite >= .seconds(1) {
                lastWrite = now
                try writeCounts()
            }
        }
        // Duplicates still waiting are dropped: they were never sent, so nothing counted them.
        try await producer.flush(timeout: .seconds(60))
        state.withLock { $0.running = false }
        try writeCounts()
    }

    func writeCounts() throws {
        try counts.write(path: options.countsFile)
    }
}
