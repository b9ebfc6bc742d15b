import NagareCore
import NagareWire

/// One record of the broker's `__consumer_offsets-0` log: our own format (not Kafka's, which
/// no client reads from this broker), stored as the key and value of RecordBatch v2 records.
///
/// The key says what the record is about, so that log compaction keeps exactly the latest
/// record per thing; a null value (tombstone) deletes the thing. All integers are big-endian;
/// strings are int16-length UTF-8 (nullable: length -1), byte strings int32-length.
///
/// ```
/// key                                                        value (int16 version 0, then …)
/// ──────────────────────────────────────────────────────────  ───────────────────────────────────────────
/// int16 1, group, topic, int32 partition                      committed offset:
///                                                               int64 offset, int32 leader epoch,
///                                                               string metadata, int64 commit time (ms)
/// int16 2, group                                              group metadata:
///                                                               nullable protocol type, int32 generation,
///                                                               nullable protocol name, nullable leader,
///                                                               int32 member count, then per member:
///                                                               member id, nullable instance id,
///                                                               client id, client host,
///                                                               int32 rebalance timeout (ms),
///                                                               int32 session timeout (ms),
///                                                               bytes subscription (of the chosen
///                                                               protocol), bytes assignment
/// int16 3, group, int64 producer id, topic, int32 partition   staged transactional offset:
///                                                               int16 producer epoch, then as kind 1
/// ```
///
/// Kind 3 records are written by TxnOffsetCommit and tombstoned by the batch that ends the
/// transaction; that batch also holds the kind 1 records of a commit, so a crash never leaves
/// a transaction half applied (a batch is appended whole or dropped by log recovery).
/// Unknown kinds and versions are skipped on replay, so a newer broker's log still opens.
enum GroupRecord: Hashable, Sendable {
    case offset(groupID: String, TopicPartition, CommittedOffset)
    case offsetTombstone(groupID: String, TopicPartition)
    case group(GroupMetadataValue)
    case groupTombstone(groupID: String)
    case pendingOffset(groupID: String, producerID: Int64, producerEpoch: Int16, TopicPartition, CommittedOffset)
    case pendingOffsetTombstone(groupID: String, producerID: Int64, TopicPartition)

    /// The longest string the format stores (int16 length). Requests are checked against it
    /// before anything is written, because a flexible request can carry longer strings.
    static let stringBytesMax = Int(Int16.max)

    static let offsetKind: Int16 = 1
    static let groupKind: Int16 = 2
    static let pendingOffsetKind: Int16 = 3
    static let valueVersion: Int16 = 0

    /// The group state persisted after each completed rebalance, so that a restarted broker
    /// keeps the generation (a consumer's commits with it stay valid) and the assignment.
    struct GroupMetadataValue: Hashable, Sendable {
        struct Member: Hashable, Sendable {
            var memberID: String
            var groupInstanceID: String?
            var clientID: String
            var clientHost: String
            var rebalanceTimeoutMilliseconds: Int32
            var sessionTimeoutMilliseconds: Int32
            var subscription: [UInt8]
            var assignment: [UInt8]
        }

        var groupID: String
        var protocolType: String?
        var generationID: Int32
        var protocolName: String?
        var leaderID: String?
        var members: [Member]
    }

    var groupID: String {
        switch self {
        case .offset(let groupID, _, _), .offsetTombstone(let groupID, _), .groupTombstone(let groupID),
             .pendingOffset(let groupID, _, _, _, _), .pendingOffsetTombstone(let groupID, _, _):
            groupID
        case .group(let value): value.groupID
        }
    }

    // MARK: Encoding

    var key: [UInt8] {
        var w = WireWriter(reservingCapacity: 64)
        switch self {
        case .offset(let groupID, let tp, _), .offsetTombstone(let groupID, let tp):
            w.writeInt16(Self.offsetKind)
            w.writeString(groupID)
            w.writeString(tp.topic)
            w.writeInt32(tp.partition)
        case .group, .groupTombstone:
            w.writeInt16(Self.groupKind)
            w.writeString(groupID)
        case .pendingOffset(let groupID, let producerID, _, let tp, _), .pendingOffsetTombstone(let groupID, let producerID, let tp):
            w.writeInt16(Self.pendingOffsetKind)
            w.writeString(groupID)
            w.writeInt64(producerID)
            w.writeString(tp.topic)
            w.writeInt32(tp.partition)
        }
        return w.bytes
    }

    /// Nil for tombstones.
    var value: [UInt8]? {
        var w = WireWriter(reservingCapacity: 64)
        switch self {
        case .offsetTombstone, .groupTombstone, .pendingOffsetTombstone:
            return nil
        case .offset(_, _, let committed):
            w.writeInt16(Self.valueVersion)
            Self.write(committed, to: &w)
        case .pendingOffset(_, _, let producerEpoch, _, let committed):
            w.writeInt16(Self.valueVersion)
            w.writeInt16(producerEpoch)
            Self.write(committed, to: &w)
        case .group(let g):
            w.writeInt16(Self.valueVersion)
            w.writeNullableString(g.protocolType)
            w.writeInt32(g.generationID)
            w.writeNullableString(g.protocolName)
            w.writeNullableString(g.leaderID)
            w.writeInt32(Int32(clamping: g.members.count))
            for m in g.members {
                w.writeString(m.memberID)
                w.writeNullableString(m.groupInstanceID)
                w.writeString(m.clientID)
                w.writeString(m.clientHost)
                w.writeInt32(m.rebalanceTimeoutMilliseconds)
                w.writeInt32(m.sessionTimeoutMilliseconds)
                w.writeNullableBytes(m.subscription)
                w.writeNullableBytes(m.assignment)
            }
        }
        return w.bytes
    }

    private static func write(_ committed: CommittedOffset, to w: inout WireWriter) {
        w.writeInt64(committed.offset)
        w.writeInt32(committed.leaderEpoch)
        w.writeString(committed.metadata)
        w.writeInt64(committed.commitTimestampMilliseconds)
    }

    // MARK: Decoding

    /// Decodes a record; nil for a kind or version this broker does not know (skipped on
    /// replay). Throws for bytes that do not parse.
    init?(key: [UInt8], value: [UInt8]?) throws(WireError) {
        var k = WireReader(key)
        let kind = try k.readInt16("group record kind")
        switch kind {
        case Self.offsetKind:
            let groupID = try k.readString("group id")
            let tp = TopicPartition(try k.readString("topic"), try k.readInt32("partition"))
            guard let value else { self = .offsetTombstone(groupID: groupID, tp); return }
            var v = WireReader(value)
            guard try v.readInt16("value version") == Self.valueVersion else { return nil }
            self = .offset(groupID: groupID, tp, try Self.readCommitted(&v))
        case Self.groupKind:
            let groupID = try k.readString("group id")
            guard let value else { self = .groupTombstone(groupID: groupID); return }
            var v = WireReader(value)
            guard try v.readInt16("value version") == Self.valueVersion else { return nil }
            let protocolType = try v.readNullableString("protocol type")
            let generationID = try v.readInt32("generation")
            let protocolName = try v.readNullableString("protocol name")
            let leaderID = try v.readNullableString("leader")
            let count = try v.readInt32("member count")
            // Every member takes at least 28 bytes, which bounds a corrupt count.
            guard count >= 0, Int(count) * 28 <= v.remaining else {
                throw WireError.invalidLength(Int64(count), what: "group record members")
            }
            var members: [GroupMetadataValue.Member] = []
            for _ in 0..<count {
                members.append(GroupMetadataValue.Member(
                    memberID: try v.readString("member id"),
                    groupInstanceID: try v.readNullableString("instance id"),
                    clientID: try v.readString("client id"),
                    clientHost: try v.readString("client host"),
                    rebalanceTimeoutMilliseconds: try v.readInt32("rebalance timeout"),
                    sessionTimeoutMilliseconds: try v.readInt32("session timeout"),
                    subscription: try v.readNullableBytes("subscription") ?? [],
                    assignment: try v.readNullableBytes("assignment") ?? []))
            }
            self = .group(GroupMetadataValue(
                groupID: groupID, protocolType: protocolType, generationID: generationID,
                protocolName: protocolName, leaderID: leaderID, members: members))
        case Self.pendingOffsetKind:
            let groupID = try k.readString("group id")
            let producerID = try k.readInt64("producer id")
            let tp = TopicPartition(try k.readString("topic"), try k.readInt32("partition"))
            guard let value else { self = .pendingOffsetTombstone(groupID: groupID, producerID: producerID, tp); return }
            var v = WireReader(value)
            guard try v.readInt16("value version") == Self.valueVersion else { return nil }
            let producerEpoch = try v.readInt16("producer epoch")
            self = .pendingOffset(groupID: groupID, producerID: producerID, producerEpoch: producerEpoch, tp,
                                  try Self.readCommitted(&v))
        default:
            return nil
        }
    }

    private static func readCommitted(_ v: inout WireReader) throws(WireError) -> CommittedOffset {
        CommittedOffset(
            offset: try v.readInt64("offset"), leaderEpoch: try v.readInt32("leader epoch"),
            metadata: try v.readString("metadata"), commitTimestampMilliseconds: try v.readInt64("commit time"))
    }
}
