public import NagareCore
public import NagareWire
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// What `PartitionLog.append` did.
public struct LogAppendResult: Hashable, Sendable {
    /// The offset given to the first record appended.
    public var baseOffset: Offset
    /// The offset of the last record appended.
    public var lastOffset: Offset
    /// How many batches the appended bytes held.
    public var batchCount: Int
    /// The broker time stamped on the batches for a LogAppendTime topic, nil otherwise.
    public var logAppendTimeMilliseconds: Int64?
    /// The log start offset after the append (Produce responses report it).
    public var logStartOffset: Offset
}

/// The durable log of one partition: a directory `<topic>-<partition>` of segments, to which
/// record batches are appended with broker-assigned offsets and from which whole batches are
/// read back.
///
/// ```
/// events.raw-3/
///   00000000000000000000.log        batches, exactly as produced, offsets rewritten
///   00000000000000000000.index      sparse: relative offset → byte position
///   00000000000000000000.timeindex  sparse: max timestamp so far → relative offset
///   00000000000000052113.log        the active segment: the only one appended to
///   …
///   recovery-point                  base offset of the active segment at its creation
///   .clean-shutdown                 present only between a clean close and the next open
/// ```
///
/// Durability is explicit: `append` writes to the page cache, `flush` fsyncs. The broker
/// batches many appends per `flush` (group commit) and acknowledges producers after it.
/// A rolled segment is fsynced when it is closed, so after a crash only segments from the
/// recovery point on can have a torn tail, and only they are scanned on open.
///
/// Thread safety: every method may be called from any thread. State is guarded by a mutex,
/// and `flush` runs its fsync outside it so appends are not held up by the disk.
public final class PartitionLog: Sendable {
    public let topicPartition: TopicPartition
    /// The partition's directory, `<data directory>/<topic>-<partition>`.
    public let directory: String
    /// What opening the log found and repaired; the caller logs `recoveryReport.messages`.
    public let recoveryReport: LogRecoveryReport
    let currentTimeMilliseconds: @Sendable () -> Int64
    let state: Mutex<PartitionLogState>

    static let cleanShutdownFileName = ".clean-shutdown"
    static let recoveryPointFileName = "recovery-point"

    /// `events.raw-3`: the directory name, also used to prefix messages.
    public var name: String { "\(topicPartition.topic)-\(topicPartition.partition)" }

    /// Opens (creating if needed) the log of `topicPartition` under `dataDirectory`, recovering
    /// it if it was not closed cleanly. See `recoveryReport` for what recovery did.
    ///
    /// - Parameter currentTimeMilliseconds: the wall clock (milliseconds since the epoch) used
    ///   for time-based rolling, retention and tombstone expiry; tests pass a manual clock.
    public init(
        topicPartition: TopicPartition, dataDirectory: String,
        configuration: LogConfiguration = LogConfiguration(),
        currentTimeMilliseconds: @escaping @Sendable () -> Int64 = PartitionLog.systemTimeMilliseconds
    ) throws(LogError) {
        try configuration.validate()
        try Self.validateTopicName(topicPartition)
        self.topicPartition = topicPartition
        self.currentTimeMilliseconds = currentTimeMilliseconds
        let directory = dataDirectory + "/" + "\(topicPartition.topic)-\(topicPartition.partition)"
        self.directory = directory
        let (state, report) = try Self.load(
            topicPartition: topicPartition, directory: directory, configuration: configuration,
            now: currentTimeMilliseconds())
        self.recoveryReport = report
        self.state = Mutex(state)
    }

    /// Milliseconds since the Unix epoch from the system's real-time clock.
    @Sendable public static func systemTimeMilliseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
    }

    /// Kafka's topic-name rule (letters, digits, `.`, `_`, `-`; at most 249), which also keeps a
    /// name from escaping the data directory.
    static func validateTopicName(_ tp: TopicPartition) throws(LogError) {
        let topic = tp.topic
        let allowed = topic.utf8.allSatisfy { c in
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x2E || c == 0x5F || c == 0x2D
        }
        guard !topic.isEmpty, topic.utf8.count <= 249, allowed, topic != ".", topic != ".." else {
            throw LogError(.invalidConfiguration,
                "invalid topic name '\(topic)': use 1-249 characters from a-z, A-Z, 0-9, '.', '_', '-'")
        }
        guard tp.partition >= 0 else {
            throw LogError(.invalidConfiguration, "invalid partition \(tp.partition) of topic '\(topic)': must be at least 0")
        }
    }

    /// Runs `body` on the state under the lock, failing if the log was closed.
    func withState<R: Sendable>(_ body: (inout PartitionLogState) throws(LogError) -> R) throws(LogError) -> R {
        let name = self.name
        return try state.withLock { (s: inout PartitionLogState) throws(LogError) -> R in
            guard !s.isClosed else { throw LogError(.closed, "\(name): the log is closed") }
            return try body(&s)
        }
    }

    // MARK: Positions

    /// The first offset that can be read.
    public var logStartOffset: Offset { state.withLock { Offset($0.logStartOffset) } }
    /// The offset the next appended record will get.
    public var logEndOffset: Offset { state.withLock { Offset($0.logEndOffset) } }
    /// Offsets below this are visible to consumers. On a single node every appended record
    /// is "replicated", so it is the log end offset.
    public var highWatermark: Offset { logEndOffset }
    /// Bytes in all segments.
    public var sizeBytes: Int { state.withLock { $0.segments.reduce(0) { $0 + $1.sizeBytes } } }
    /// The number of segment files.
    public var segmentCount: Int { state.withLock { $0.segments.count } }
    /// The base offsets of the segments, oldest first (for tools and tests).
    public var segmentBaseOffsets: [Offset] { state.withLock { $0.segments.map { Offset($0.baseOffset) } } }

    public var configuration: LogConfiguration { state.withLock { $0.configuration } }

    /// Changes the configuration (AlterConfigs). Takes effect at the next append, roll,
    /// retention or compaction; the index interval applies to new segments.
    public func update(configuration: LogConfiguration) throws(LogError) {
        try configuration.validate()
        try withState { s throws(LogError) in s.configuration = configuration }
    }

    // MARK: Appending

    /// Appends record batches — the bytes of a Produce request's partition data — giving them
    /// the next offsets. All batches are appended or none.
    ///
    /// Each batch must be a valid v2 batch (length, magic, CRC) whose record count matches its
    /// offset range, as Kafka requires of producers. Bytes are stored as received except
    /// baseOffset, and the leader epoch and log-append time when given.
    ///
    /// - Parameters:
    ///   - partitionLeaderEpoch: written into every batch when not nil.
    ///   - logAppendTimeMilliseconds: for a LogAppendTime topic, the broker time to stamp.
    public func append(
        _ batchBytes: [UInt8], partitionLeaderEpoch: Int32? = nil, logAppendTimeMilliseconds: Int64? = nil
    ) throws(LogError) -> LogAppendResult {
        let name = self.name
        let spans: [RecordBatchSpan]
        do {
            spans = try RecordBatchSplitter.split(batchBytes)
        } catch {
            throw LogError(.invalidBatch, "\(name): rejected record batches", underlying: error)
        }
        guard !spans.isEmpty else { throw LogError(.invalidBatch, "\(name): no record batches to append") }
        var offsetCount: Int64 = 0
        for span in spans {
            let h = span.header
            guard h.recordCount >= 1, Int64(h.lastOffsetDelta) + 1 == Int64(h.recordCount) else {
                throw LogError(.invalidBatch,
                    "\(name): batch at byte \(span.range.lowerBound) has \(h.recordCount) records but lastOffsetDelta \(h.lastOffsetDelta)")
            }
            offsetCount += Int64(h.recordCount)
        }
        let now = currentTimeMilliseconds()
        return try withState { s throws(LogError) -> LogAppendResult in
            let configuration = s.configuration
            for span in spans where span.header.totalBytes > configuration.segmentBytesMax {
                throw LogError(.batchTooLarge,
                    "\(name): a batch of \(span.header.totalBytes) bytes is larger than segment.bytes (\(configuration.segmentBytesMax))")
            }
            var active = s.active
            if !active.isEmpty {
                let full = active.sizeBytes + batchBytes.count > configuration.segmentBytesMax
                let old = active.rollBaseMilliseconds.map { now - $0 >= configuration.segmentMilliseconds } ?? false
                let offsetsOverflow = active.nextOffset + offsetCount - active.baseOffset > Int64(Int32.max)
                if full || old || offsetsOverflow {
                    try roll(&s)
                    active = s.active
                }
            }
            var bytes = batchBytes
            var assigned = spans
            var next = active.nextOffset
            for i in assigned.indices {
                let start = assigned[i].range.lowerBound
                RecordBatch.setBaseOffset(next, in: &bytes, batchStart: start)
                assigned[i].header.baseOffset = next
                if let partitionLeaderEpoch {
                    RecordBatch.setPartitionLeaderEpoch(partitionLeaderEpoch, in: &bytes, batchStart: start)
                    assigned[i].header.partitionLeaderEpoch = partitionLeaderEpoch
                }
                if let logAppendTimeMilliseconds {
                    RecordBatch.setLogAppendTime(logAppendTimeMilliseconds, in: &bytes, batchStart: start)
                    assigned[i].header.maxTimestamp = logAppendTimeMilliseconds
                    assigned[i].header.attributes.timestampType = .logAppendTime
                }
                next = assigned[i].header.nextOffset
            }
            try active.append(bytes, spans: assigned, now: now)
            s.logEndOffset = next
            return LogAppendResult(
                baseOffset: Offset(assigned[0].header.baseOffset), lastOffset: Offset(next - 1),
                batchCount: assigned.count, logAppendTimeMilliseconds: logAppendTimeMilliseconds,
                logStartOffset: Offset(s.logStartOffset))
        }
    }

    /// Encodes and appends one batch (transaction markers, the broker's internal topics).
    public func append(_ batch: RecordBatch, partitionLeaderEpoch: Int32? = nil) throws(LogError) -> LogAppendResult {
        try append(batch.encoded(), partitionLeaderEpoch: partitionLeaderEpoch)
    }

    /// Closes the active segment (sealed and fsynced) and starts a new one at the log end.
    func roll(_ s: inout PartitionLogState) throws(LogError) {
        let old = s.active
        guard !old.isEmpty else { return }
        try old.sealTimeIndex()
        try old.flushAll()
        let new = try Segment.create(
            directory: directory, baseOffset: old.nextOffset, indexIntervalBytes: s.configuration.indexIntervalBytes)
        s.segments.append(new)
        try Self.writeRecoveryPoint(new.baseOffset, directory: directory)
    }

    /// Starts a new segment now, even if the active one is not full (tests, admin tools).
    public func roll() throws(LogError) {
        try withState { s throws(LogError) in try roll(&s) }
    }

    // MARK: Reading

    /// Whole batches starting with the batch that holds `offset`.
    ///
    /// At least one batch is returned even if it is larger than `maxBytes` (so a consumer can
    /// always make progress); further batches are added while the total stays within
    /// `maxBytes`. A batch is never cut. Batches whose base offset is at or after `maxOffset`
    /// (the last stable offset, for read_committed) are left out. Reads stay within one
    /// segment, as Kafka's do. Reading at the log end returns no bytes.
    ///
    /// Throws `.offsetOutOfRange` when `offset` is below the log start or above the log end.
    public func read(from offset: Offset, maxBytes: Int, upTo maxOffset: Offset? = nil) throws(LogError) -> [UInt8] {
        let name = self.name
        return try withState { s throws(LogError) -> [UInt8] in
            let o = offset.rawValue
            guard o >= s.logStartOffset, o <= s.logEndOffset else {
                throw LogError(.offsetOutOfRange,
                    "\(name): offset \(o) is out of range [\(s.logStartOffset), \(s.logEndOffset)]")
            }
            if o == s.logEndOffset { return [] }
            var i = s.segmentIndex(holding: o)
            while i < s.segments.count {
                if let bytes = try s.segments[i].read(from: o, maxBytes: maxBytes, maxOffset: maxOffset?.rawValue) {
                    return bytes
                }
                i += 1
            }
            return []
        }
    }

    /// The first offset whose record timestamp is at least `timestampMilliseconds` (ListOffsets
    /// by time), or nil when every record is older.
    public func offset(forTimestamp timestampMilliseconds: Int64) throws(LogError) -> Offset? {
        try withState { s throws(LogError) -> Offset? in
            for segment in s.segments where segment.maxTimestamp >= timestampMilliseconds {
                if let found = try segment.offset(forTimestamp: timestampMilliseconds) {
                    return Offset(max(found, s.logStartOffset))
                }
            }
            return nil
        }
    }

    // MARK: Durability

    /// Forces everything appended so far to disk and returns the log end offset that is now
    /// durable. The fsync runs outside the lock, so appends continue meanwhile; a broker calls
    /// this once for many appends (group commit) and then answers the waiting producers.
    @discardableResult
    public func flush() throws(LogError) -> Offset {
        let (file, end) = try withState { s in (s.active.log, s.logEndOffset) }
        // Segments rolled since were fsynced when they were closed, so syncing the segment
        // that was active at `end` covers everything below it.
        try file.sync()
        return Offset(end)
    }

    /// Flushes and closes the log, leaving a clean-shutdown marker so that the next open skips
    /// recovery. Later calls other than `close` throw `.closed`.
    public func close() throws(LogError) {
        let directory = self.directory
        try state.withLock { (s: inout PartitionLogState) throws(LogError) in
            guard !s.isClosed else { return }
            try s.active.sealTimeIndex()
            try s.active.flushAll()
            try Self.writeRecoveryPoint(s.active.baseOffset, directory: directory)
            try FileSystem.writeAtomically(
                Array("clean\n".utf8), to: directory + "/" + Self.cleanShutdownFileName, directory: directory)
            s.isClosed = true
            s.segments = []
        }
    }

    /// Closes the log and deletes its directory (DeleteTopics).
    public func deleteAll() throws(LogError) {
        let directory = self.directory
        try state.withLock { (s: inout PartitionLogState) throws(LogError) in
            s.isClosed = true
            s.segments = []
            for name in try FileSystem.contents(of: directory) { try FileSystem.remove(directory + "/" + name) }
            try FileSystem.removeDirectory(directory)
        }
    }

    static func writeRecoveryPoint(_ offset: Int64, directory: String) throws(LogError) {
        try FileSystem.writeAtomically(
            Array("\(offset)\n".utf8), to: directory + "/" + recoveryPointFileName, directory: directory)
    }
}

/// The mutable part of a `PartitionLog`, guarded by its mutex.
struct PartitionLogState {
    var configuration: LogConfiguration
    /// Oldest first; never empty while open. The last one is the active segment.
    var segments: [Segment]
    var logStartOffset: Int64
    var logEndOffset: Int64
    var isClosed = false

    var active: Segment { segments[segments.count - 1] }

    /// The index of the last segment whose base offset is at most `offset` (0 if none).
    func segmentIndex(holding offset: Int64) -> Int {
        var low = 0
        var high = segments.count
        while low < high {
            let mid = (low + high) / 2
            if segments[mid].baseOffset <= offset { low = mid + 1 } else { high = mid }
        }
        return max(low - 1, 0)
    }
}
