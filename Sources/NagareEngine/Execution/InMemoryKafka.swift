public import NagareCore
import Synchronization

/// A broker in memory with just the semantics the batch loop relies on: partitioned logs,
/// transactions whose records and group offsets become visible together on commit (what a
/// read_committed consumer sees), and producer fencing by transactional ID.
///
/// For tests and for running a pipeline without Kafka (the engine's `TopologyTestDriver`). Its
/// logs are locked: the batch loop commits one transaction while it reads the next batch, as
/// against a real broker. Fault injection lets tests fail any sink operation.
public final class InMemoryKafka {
    private struct State {
        /// Committed records per topic and partition.
        var logs: [String: [[Record]]] = [:]
        var groupOffsets: [String: [TopicPartition: Offset]] = [:]
        var producerEpochs: [String: Int] = [:]
    }

    private let state = Mutex(State())
    /// Partitions of topics created on first use.
    public let defaultPartitions: Int32
    /// The record timestamp used when an outgoing record has none.
    public var nowMilliseconds: Int64 = 0

    public init(defaultPartitions: Int32 = 1) {
        self.defaultPartitions = defaultPartitions
    }

    public func createTopic(_ topic: String, partitions: Int32) {
        state.withLock { Self.createTopic(topic, partitions: partitions, in: &$0) }
    }

    private static func createTopic(_ topic: String, partitions: Int32, in state: inout State) {
        if state.logs[topic] == nil { state.logs[topic] = Array(repeating: [], count: Int(partitions)) }
    }

    public func partitionCount(_ topic: String) -> Int32 {
        state.withLock { state in
            Self.createTopic(topic, partitions: defaultPartitions, in: &state)
            return Int32(state.logs[topic]!.count)
        }
    }

    /// Appends committed records (a non-transactional producer); returns their offsets.
    @discardableResult
    public func produce(_ records: [OutgoingRecord]) -> [PartitionOffset] {
        state.withLock { state in records.map { append($0, to: &state) } }
    }

    private func append(_ outgoing: OutgoingRecord, to state: inout State) -> PartitionOffset {
        Self.createTopic(outgoing.topic, partitions: defaultPartitions, in: &state)
        let count = Int32(state.logs[outgoing.topic]!.count)
        let partition = outgoing.partition ?? Self.partition(for: outgoing.key, count: count)
        precondition(partition >= 0 && partition < count, "partition \(partition) of \(outgoing.topic) does not exist")
        let tp = TopicPartition(outgoing.topic, partition)
        let offset = Offset(Int64(state.logs[outgoing.topic]![Int(partition)].count))
        state.logs[outgoing.topic]![Int(partition)].append(Record(
            topicPartition: tp, offset: offset,
            timestampMilliseconds: outgoing.timestampMilliseconds ?? nowMilliseconds,
            key: outgoing.key, value: outgoing.value, headers: outgoing.headers))
        return PartitionOffset(tp, offset)
    }

    /// FNV-1a of the key: deterministic across runs (unlike `Hasher`), so tests can predict
    /// which partition a key lands in. Keyless records go to partition 0.
    public static func partition(for key: [UInt8]?, count: Int32) -> Int32 {
        guard let key else { return 0 }
        var hash: UInt32 = 2_166_136_261
        for byte in key { hash = (hash ^ UInt32(byte)) &* 16_777_619 }
        return Int32(hash % UInt32(count))
    }

    /// Committed records of a topic, all partitions, by partition then offset.
    public func records(_ topic: String) -> [Record] {
        state.withLock { ($0.logs[topic] ?? []).flatMap { $0 } }
    }

    public func records(_ tp: TopicPartition) -> [Record] {
        state.withLock { state in
            guard let partitions = state.logs[tp.topic], Int(tp.partition) < partitions.count else { return [] }
            return partitions[Int(tp.partition)]
        }
    }

    public func endOffset(_ tp: TopicPartition) -> Offset {
        Offset(Int64(records(tp).count))
    }

    public func committedOffsets(group: String) -> [TopicPartition: Offset] {
        state.withLock { $0.groupOffsets[group] ?? [:] }
    }

    /// A transactional producer; creating one with the same ID fences earlier ones, as
    /// `InitProducerId` does.
    public func makeSink(transactionalID: String) -> InMemoryTransactionalSink {
        let epoch = state.withLock { state in
            state.producerEpochs[transactionalID, default: -1] += 1
            return state.producerEpochs[transactionalID]!
        }
        return InMemoryTransactionalSink(kafka: self, transactionalID: transactionalID, epoch: epoch)
    }

    /// A consumer of `group` with a fixed assignment.
    public func makeSource(group: String) -> InMemoryRecordSource {
        InMemoryRecordSource(kafka: self, group: group)
    }

    func isCurrent(transactionalID: String, epoch: Int) -> Bool {
        state.withLock { $0.producerEpochs[transactionalID] == epoch }
    }

    /// Makes a transaction's records and offsets visible together.
    func commit(_ records: [OutgoingRecord], offsets: [PartitionOffset], group: String?) {
        state.withLock { state in
            for record in records { _ = append(record, to: &state) }
            if let group {
                for offset in offsets { state.groupOffsets[group, default: [:]][offset.topicPartition] = offset.offset }
            }
        }
    }
}

extension InMemoryKafka: ChangelogReader {
    public func readChangelog(topic: String, partition: Int32) async throws -> [Record] {
        records(TopicPartition(topic, partition))
    }
}

/// A consumer over `InMemoryKafka`: reads committed records from its own positions.
public final class InMemoryRecordSource: RecordSource {
    private let kafka: InMemoryKafka
    public let group: String
    public private(set) var positions: [TopicPartition: Offset] = [:]
    /// Partitions polled in turn so that one busy partition does not starve the others.
    private var assignment: [TopicPartition] = []
    private var nextPartition = 0
    /// The most records one poll returns from one partition before moving on, like
    /// `max.partition.fetch.bytes`; small values interleave partitions within a batch.
    public var maxRecordsPerPartition = 500

    init(kafka: InMemoryKafka, group: String) {
        self.kafka = kafka
        self.group = group
    }

    public func poll(maxRecords: Int, timeout: Duration) async throws -> [Record] {
        var result: [Record] = []
        guard !assignment.isEmpty else { return result }
        var idle = 0
        while result.count < maxRecords && idle < assignment.count {
            let tp = assignment[nextPartition % assignment.count]
            nextPartition += 1
            let log = kafka.records(tp)
            let start = Int(positions[tp]?.rawValue ?? 0)
            let end = min(log.count, start + min(maxRecordsPerPartition, maxRecords - result.count))
            if start >= end { idle += 1; continue }
            idle = 0
            result.append(contentsOf: log[start..<end])
            positions[tp] = Offset(Int64(end))
        }
        return result
    }

    public func seek(_ topicPartition: TopicPartition, to position: SourcePosition) async throws {
        if !assignment.contains(topicPartition) { assignment.append(topicPartition) }
        switch position {
        case .offset(let offset): positions[topicPartition] = offset
        case .start(.earliest): positions[topicPartition] = 0
        case .start(.latest): positions[topicPartition] = kafka.endOffset(topicPartition)
        }
    }

    public func committedOffsets(for partitions: [TopicPartition]) async throws -> [TopicPartition: Offset] {
        kafka.committedOffsets(group: group).filter { partitions.contains($0.key) }
    }
}

/// A transactional producer over `InMemoryKafka`.
public final class InMemoryTransactionalSink: TransactionalSink {
    /// The operations, for fault injection.
    public enum Operation: Hashable, Sendable {
        case begin, send, sendOffsets, commit, abort
    }

    private let kafka: InMemoryKafka
    public let transactionalID: String
    private let epoch: Int
    private var pending: [OutgoingRecord] = []
    private var pendingOffsets: [PartitionOffset] = []
    private var pendingGroup: String?
    private var inTransaction = false
    public private(set) var commits = 0
    public private(set) var aborts = 0
    /// Called before every operation; a returned error is thrown instead of performing it.
    public var injectFault: (Operation) -> EngineError? = { _ in nil }

    init(kafka: InMemoryKafka, transactionalID: String, epoch: Int) {
        self.kafka = kafka
        self.transactionalID = transactionalID
        self.epoch = epoch
    }

    private func check(_ operation: Operation) throws {
        guard kafka.isCurrent(transactionalID: transactionalID, epoch: epoch) else {
            throw EngineError(.fenced, "producer \(transactionalID) epoch \(epoch) was fenced by a newer one")
        }
        if let error = injectFault(operation) { throw error }
    }

    public func beginTransaction() async throws {
        try check(.begin)
        precondition(!inTransaction, "beginTransaction inside a transaction")
        inTransaction = true
    }

    public func send(_ records: OutgoingRecordBlock) async throws {
        try check(.send)
        precondition(inTransaction, "send outside a transaction")
        pending.append(contentsOf: records)
    }

    public func sendOffsets(_ offsets: [PartitionOffset], groupID: String) async throws {
        try check(.sendOffsets)
        precondition(inTransaction, "sendOffsets outside a transaction")
        pendingOffsets.append(contentsOf: offsets)
        pendingGroup = groupID
    }

    public func commitTransaction() async throws {
        try check(.commit)
        precondition(inTransaction, "commit outside a transaction")
        kafka.commit(pending, offsets: pendingOffsets, group: pendingGroup)
        commits += 1
        reset()
    }

    public func abortTransaction() async throws {
        defer { reset() }
        aborts += 1
        try check(.abort)
    }

    private func reset() {
        pending.removeAll()
        pendingOffsets.removeAll()
        pendingGroup = nil
        inTransaction = false
    }
}
