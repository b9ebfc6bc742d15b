/// OffsetFetch (key 9), v0–7: read a group's committed positions. Flexible from v6; v7 adds
/// `requireStable` (KIP-447), which makes the broker refuse with UNSTABLE_OFFSET_COMMIT while a
/// transaction that commits offsets for the group is pending — exactly-once consumers need it.
/// v8+ (several groups per request) is not supported.
public struct OffsetFetchRequest: KafkaMessage {
    public static let apiKey = ApiKey.offsetFetch

    public struct Topic: Hashable, Sendable {
        public var name: String
        public var partitionIndexes: [Int32]

        public init(name: String, partitionIndexes: [Int32]) {
            self.name = name
            self.partitionIndexes = partitionIndexes
        }
    }

    public var groupID: String
    /// `nil` (v2+) asks for every partition the group has committed.
    public var topics: [Topic]?
    /// v7+.
    public var requireStable: Bool

    public init(groupID: String = "", topics: [Topic]? = [], requireStable: Bool = false) {
        self.groupID = groupID
        self.topics = topics
        self.requireStable = requireStable
    }

    public static func decode(from reader: inout WireReader, version: Int16) throws(WireError) -> Self {
        try checkVersion(version)
        let flexible = apiKey.isFlexible(version)
        var message = Self()
        message.groupID = try reader.readString("group_id", flexible: flexible)
        let element = { (r: inout WireReader) throws(WireError) -> Topic in
            let t = Topic(name: try r.readString("name", flexible: flexible),
                          partitionIndexes: try r.readInt32Array("partition_indexes", flexible: flexible))
            try r.skipTaggedFields(flexible: flexible)
            return t
        }
        if version >= 2 {
            message.topics = try reader.readNullableArray("topics", flexible: flexible, minElementSize: 2, element)
        } else {
            message.topics = try reader.readArray("topics", flexible: flexible, minElementSize: 2, element)
        }
        if version >= 7 { message.requireStable = try reader.readBool("require_stable") }
        try reader.skipTaggedFields(flexible: flexible)
        return message
    }

    public func encode(into writer: inout WireWriter, version: Int16) {
        let flexible = Self.apiKey.isFlexible(version)
        writer.writeString(groupID, flexible: flexible)
        // v0–1 cannot say "all topics"; an empty list is the closest faithful request.
        writer.writeNullableArray(version >= 2 ? topics : (topics ?? []), flexible: flexible) { w, t in
            w.writeString(t.name, flexible: flexible)
            w.writeInt32Array(t.partitionIndexes, flexible: flexible)
            w.writeEmptyTaggedFields(flexible: flexible)
        }
        if version >= 7 { writer.writeBool(requireStable) }
        writer.writeEmptyTaggedFields(flexible: flexible)
    }
}

public struct OffsetFetchResponse: KafkaMessage {
    public static let apiKey = ApiKey.offsetFetch

    public struct Partition: Hashable, Sendable {
        public var partitionIndex: Int32
        /// -1 when the group has no committed offset for the partition.
        public var committedOffset: Int64
        /// v5+.
        public var committedLeaderEpoch: Int32
        public var metadata: String?
        public var errorCode: KafkaErrorCode

        public init(partitionIndex: Int32, committedOffset: Int64 = -1, committedLeaderEpoch: Int32 = -1,
                    metadata: String? = nil, errorCode: KafkaErrorCode = .none) {
            self.partitionIndex = partitionIndex
            self.committedOffset = committedOffset
            self.committedLeaderEpoch = committedLeaderEpoch
            self.metadata = metadata
            self.errorCode = errorCode
        }
    }

    public struct Topic: Hashable, Sendable {
        public var name: String
        public var partitions: [Partition]

        public init(name: String, partitions: [Partition]) {
            self.name = name
            self.partitions = partitions
        }
    }

    /// v3+.
    public var throttleTimeMilliseconds: Int32
    public var topics: [Topic]
    /// v2+: a group-level error.
    public var errorCode: KafkaErrorCode

    public init(throttleTimeMilliseconds: Int32 = 0, topics: [Topic] = [], errorCode: KafkaErrorCode = .none) {
        self.throttleTimeMilliseconds = throttleTimeMilliseconds
        self.topics = topics
        self.errorCode = errorCode
    }

    public static func decode(from reader: inout WireReader, version: Int16) throws(WireError) -> Self {
        try checkVersion(version)
        let flexible = apiKey.isFlexible(version)
        var message = Self()
        if version >= 3 { message.throttleTimeMilliseconds = try reader.readInt32("throttle_time_ms") }
        message.topics = try reader.readArray("topics", flexible: flexible, minElementSize: 2) { (r) throws(WireError) in
            let name = try r.readString("name", flexible: flexible)
            let partitions = try r.readArray("partitions", flexible: flexible, minElementSize: 15) { (r) throws(WireError) in
                var p = Partition(partitionIndex: try r.readInt32("partition_index"),
                                  committedOffset: try r.readInt64("committed_offset"))
                if version >= 5 { p.committedLeaderEpoch = try r.readInt32("committed_leader_epoch") }
                p.metadata = try r.readNullableString("metadata", flexible: flexible)
                p.errorCode = try r.readErrorCode()
                try r.skipTaggedFields(flexible: flexible)
                return p
            }
            try r.skipTaggedFields(flexible: flexible)
            return Topic(name: name, partitions: partitions)
        }
        if version >= 2 { message.errorCode = try reader.readErrorCode() }
        try reader.skipTaggedFields(flexible: flexible)
        return message
    }

    public func encode(into writer: inout WireWriter, version: Int16) {
        let flexible = Self.apiKey.isFlexible(version)
        if version >= 3 { writer.writeInt32(throttleTimeMilliseconds) }
        writer.writeArray(topics, flexible: flexible) { w, t in
            w.writeString(t.name, flexible: flexible)
            w.writeArray(t.partitions, flexible: flexible) { w, p in
                w.writeInt32(p.partitionIndex)
                w.writeInt64(p.committedOffset)
                if version >= 5 { w.writeInt32(p.committedLeaderEpoch) }
                w.writeNullableString(p.metadata, flexible: flexible)
                w.writeErrorCode(p.errorCode)
                w.writeEmptyTaggedFields(flexible: flexible)
            }
            w.writeEmptyTaggedFields(flexible: flexible)
        }
        if version >= 2 { writer.writeErrorCode(errorCode) }
        writer.writeEmptyTaggedFields(flexible: flexible)
    }
}
