import NagareCore
import NagareWire

/// The coordinator's state of one transactional id (Kafka's `TransactionState`).
///
/// ```
///            InitProducerId                AddPartitionsToTxn / AddOffsetsToTxn
///   (none) ─────────────────▶ Empty ──────────────────────────────────────▶ Ongoing ◀──┐
///                               ▲                                            │   │     │ more
///                               │ InitProducerId                  EndTxn(commit) EndTxn(abort),
///                               │ (epoch + 1)                                │   timeout, fencing
///                               │                                            ▼   ▼     │
///             CompleteCommit / CompleteAbort ◀── markers written ── PrepareCommit / PrepareAbort
///                  │  AddPartitionsToTxn / AddOffsetsToTxn
///                  └──────────────────────────────▶ Ongoing (a new transaction)
/// ```
///
/// PrepareCommit/PrepareAbort is the decision: it is durable before any marker is written, so
/// a crash after it is finished the same way on restart. CompleteCommit/CompleteAbort says the
/// markers and group offsets are durable too.
enum TransactionState: Int8, Codable, Sendable, CustomStringConvertible {
    case empty = 0
    case ongoing = 1
    case prepareCommit = 2
    case prepareAbort = 3
    case completeCommit = 4
    case completeAbort = 5

    var description: String {
        switch self {
        case .empty: "Empty"
        case .ongoing: "Ongoing"
        case .prepareCommit: "PrepareCommit"
        case .prepareAbort: "PrepareAbort"
        case .completeCommit: "CompleteCommit"
        case .completeAbort: "CompleteAbort"
        }
    }

    /// A transaction may start (or the id be re-initialised) from here.
    var isIdle: Bool { self == .empty || self == .completeCommit || self == .completeAbort }
    var isPreparing: Bool { self == .prepareCommit || self == .prepareAbort }
}

/// Everything the coordinator keeps about one transactional id; also the value of its record in
/// `__transaction_state-0` (see `TransactionRecord`).
struct TransactionMetadata: Hashable, Sendable {
    var transactionalID: String
    var producerID: Int64
    var producerEpoch: Int16
    /// The epoch before the last bump, so that a retried InitProducerId (KIP-360) whose answer
    /// was lost gets the same answer instead of being fenced; -1 when none.
    var lastProducerEpoch: Int16 = -1
    var timeoutMilliseconds: Int32
    var state: TransactionState
    /// When the current transaction started (wall clock, milliseconds); -1 when none. Survives
    /// a restart, so a transaction left open by a crash still times out.
    var startTimestampMilliseconds: Int64 = -1
    var partitions: Set<TopicPartition> = []
    var groupIDs: Set<String> = []

    /// Whether the current transaction has run longer than its timeout at `now`.
    func hasTimedOut(at now: Int64) -> Bool {
        state == .ongoing && startTimestampMilliseconds >= 0 && now - startTimestampMilliseconds > Int64(timeoutMilliseconds)
    }

    /// Moves to Ongoing for the first AddPartitionsToTxn/AddOffsetsToTxn of a transaction.
    mutating func beginIfIdle(now: Int64) {
        guard state.isIdle else { return }
        state = .ongoing
        startTimestampMilliseconds = now
        partitions = []
        groupIDs = []
    }

    /// Raises the epoch, fencing every request of the old one. The old epoch is remembered only
    /// for a bump the producer itself asked for (KIP-360), so that its retry is recognised;
    /// after a fencing bump the old epoch belongs to a zombie. Epoch exhaustion (Int16.max) is
    /// left to the caller (`TransactionCoordinator.initProducerID`).
    mutating func bumpEpoch(requestedByProducer: Bool) {
        lastProducerEpoch = requestedByProducer ? producerEpoch : -1
        producerEpoch += 1
    }
}

/// The record format of `__transaction_state-0` (Nagare's own, not Kafka's).
///
/// Key: int16 version (0), string transactional id. Value: int16 version (0), int64 producer
/// id, int16 epoch, int16 last epoch, int32 timeout ms, int8 state (`TransactionState`), int64
/// start timestamp, int32 partition count then (string topic, int32 partition) each, int32 group
/// count then string group id each. Strings are int16-length-prefixed UTF-8 (Kafka's STRING).
/// The log is compacted by key: the last record of an id is its state.
enum TransactionRecord {
    static let version: Int16 = 0

    static func key(_ transactionalID: String) -> [UInt8] {
        var w = WireWriter(reservingCapacity: 4 + transactionalID.utf8.count)
        w.writeInt16(version)
        w.writeString(transactionalID)
        return w.bytes
    }

    static func value(_ m: TransactionMetadata) -> [UInt8] {
        var w = WireWriter(reservingCapacity: 64)
        w.writeInt16(version)
        w.writeInt64(m.producerID)
        w.writeInt16(m.producerEpoch)
        w.writeInt16(m.lastProducerEpoch)
        w.writeInt32(m.timeoutMilliseconds)
        w.writeInt8(m.state.rawValue)
        w.writeInt64(m.startTimestampMilliseconds)
        let partitions = m.partitions.sorted()
        w.writeInt32(Int32(partitions.count))
        for tp in partitions {
            w.writeString(tp.topic)
            w.writeInt32(tp.partition)
        }
        let groups = m.groupIDs.sorted()
        w.writeInt32(Int32(groups.count))
        for g in groups { w.writeString(g) }
        return w.bytes
    }

    /// Decodes a record; nil for a version this broker does not know (written by a newer one).
    static func decode(key: [UInt8], value: [UInt8]?) throws(WireError) -> TransactionMetadata? {
        var k = WireReader(key)
        guard try k.readInt16("transaction record key version") == version else { return nil }
        let transactionalID = try k.readString("transactional_id")
        guard let value else { return nil }
        var r = WireReader(value)
        guard try r.readInt16("transaction record value version") == version else { return nil }
        let producerID = try r.readInt64("producer_id")
        let epoch = try r.readInt16("producer_epoch")
        let lastEpoch = try r.readInt16("last_producer_epoch")
        let timeout = try r.readInt32("timeout_ms")
        guard let state = TransactionState(rawValue: try r.readInt8("state")) else {
            throw .unsupported("unknown transaction state")
        }
        let start = try r.readInt64("start_timestamp")
        var m = TransactionMetadata(transactionalID: transactionalID, producerID: producerID, producerEpoch: epoch,
                                    lastProducerEpoch: lastEpoch, timeoutMilliseconds: timeout, state: state,
                                    startTimestampMilliseconds: start)
        let partitionCount = try r.readInt32("partition count")
        guard partitionCount >= 0 else { throw .invalidLength(Int64(partitionCount), what: "partition count") }
        for _ in 0..<partitionCount {
            m.partitions.insert(TopicPartition(try r.readString("topic"), try r.readInt32("partition")))
        }
        let groupCount = try r.readInt32("group count")
        guard groupCount >= 0 else { throw .invalidLength(Int64(groupCount), what: "group count") }
        for _ in 0..<groupCount { m.groupIDs.insert(try r.readString("group_id")) }
        return m
    }
}
