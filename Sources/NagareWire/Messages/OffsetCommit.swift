/// OffsetCommit (key 8), v0–8: store a group's consumed positions. Flexible from v8.
/// v1 alone carries a per-partition commit timestamp; v2–4 a retention time; v9+ (KIP-848
/// member epochs) is not supported.
public struct OffsetCommitRequest: KafkaMessage {
    public static let apiKey = ApiKey.offsetCommit

    public struct Partition: Hashable, Sendable {
        public var partitionIndex: Int32
        /// The next offset to consume, not the last one consumed.
        public var committedOffset: Int64
        /// v6+.
        public var committedLeaderEpoch: Int32
        /// v1 only.
        public var commitTimestamp: Int64
        public var committedMetadata: String?

        public init(partitionIndex: Int32, committedOffset: Int64, committedLeaderEpoch: Int32 = -1,
                    commitTimestamp: Int64 = -1, committedMetadata: String? = nil) {
            self.partitionIndex = partitionIndex
            self.committedOffset = committedOffset
            self.committedLeaderEpoch = committedLeaderEpoch
            self.commitTimestamp = commitTimestamp
            self.committedMetadata = committedMetadata
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

    public var groupID: String
    /// v1+: -1 for a commit from outside the group protocol (a "simple" consumer).
    public var generationID: Int32
    /// v1+.
    public var memberID: String
    /// v7+.
    public var groupInstanceID: String?
    /// v2–4: -1 means the broker's default retention.
    public var retentionTimeMilliseconds: Int64
    public var topics: [Topic]

    public init(groupID: String = "", generationID: Int32 = -1, memberID: String = "", groupInstanceID: String? = nil,
                retentionTimeMilliseconds: Int64 = -1, topics: [Topic] = []) {
        self.groupID = groupID
        self.generationID = generationID
        self.memberID = memberID
        self.groupInstanceID = groupInstanceID
        self.retentionTimeMilliseconds = retentionTimeMilliseconds
        self.topics = topics
    }

    public static func decode(from reader: inout WireReader, version: Int16) throws(WireError) -> Self {
        try checkVersion(version)
        let flexible = apiKey.isFlexible(version)
        var message = Self()
        message.groupID = try reader.readString("group_id", flexible: flexible)
        if version >= 1 {
            message.generationID = try reader.readInt32("generation_id")
            message.memberID = try reader.readString("member_id", flexible: flexible)
        }
        if version >= 7 { message.groupInstanceID = try reader.readNullableString("group_instance_id", flexible: flexible) }
        if (2...4).contains(version) { message.retentionTimeMilliseconds = try reader.readInt64("retention_time_ms") }
        message.topics = try reader.readArray("topics", flexible: flexible, minElementSize: 2) { (r) throws(WireError) in
            let name = try r.readString("name", flexible: flexible)
            let partitions = try r.readArray("partitions", flexible: flexible, minElementSize: 13) { (r) throws(WireError) in
                var p = Partition(partitionIndex: try r.readInt32("partition_index"),
                                  committedOffset: try r.readInt64("committed_offset"))
                if version >= 6 { p.committedLeaderEpoch = try r.readInt32("committed_leader_epoch") }
                if version == 1 { p.commitTimestamp = try r.readInt64("commit_timestamp") }
                p.committedMetadata = try r.readNullableString("committed_metadata", flexible: flexible)
                try r.skipTaggedFields(flexible: flexible)
                return p
            }
            try r.skipTaggedFields(flexible: flexible)
            return Topic(name: name, partitions: partitions)
        }
        try reader.skipTaggedFields(flexible: flexible)
        return message
    }

    public func encode(into writer: inout WireWriter, version: Int16) {
        let flexible = Self.apiKey.isFlexible(version)
        writer.writeString(groupID, flexible: flexible)
        if version >= 1 {
            writer.writeInt32(generationID)
            writer.writeString(memberID, flexible: flexible)
        }
        if version >= 7 { writer.writeNullableString(groupInstanceID, flexible: flexible) }
        if (2...4).contains(version) { writer.writeInt64(retentionTimeMilliseconds) }
        writer.writeArray(topics, flexible: flexible) { w, t in
            w.writeString(t.name, flexible: flexible)
            w.writeArray(t.partitions, flexible: flexible) { w, p in
                w.writeInt32(p.partitionIndex)
                w.writeInt64(p.committedOffset)
                if version >= 6 { w.writeInt32(p.committedLeaderEpoch) }
                if version == 1 { w.writeInt64(p.commitTimestamp) }
                w.writeNullableString(p.committedMetadata, flexible: flexible)
                w.writeEmptyTaggedFields(flexible: flexible)
            }
            w.writeEmptyTaggedFields(flexible: flexible)
        }
        writer.writeEmptyTaggedFields(flexible: flexible)
    }
}

public struct OffsetCommitResponse: KafkaMessage {
    public static let apiKey = ApiKey.offsetCommit

    public struct Partition: Hashable, Sendable {
        public var partitionIndex: Int32
        public var errorCode: KafkaErrorCode

        public init(partitionIndex: Int32, errorCode: KafkaErrorCode = .none) {
            self.partitionIndex = partitionIndex
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

    public init(throttleTimeMilliseconds: Int32 = 0, topics: [Topic] = []) {
        self.throttleTimeMilliseconds = throttleTimeMilliseconds
        self.topics = topics
    }

    public static func decode(from reader: inout WireReader, version: Int16) throws(WireError) -> Self {
        try checkVersion(version)
        let flexible = apiKey.isFlexible(version)
        var message = Self()
        if version >= 3 { message.throttleTimeMilliseconds = try reader.readInt32("throttle_time_ms") }
        message.topics = try reader.readArray("topics", flexible: flexible, minElementSize: 2) { (r) throws(WireError) in
            let name = try r.readString("name", flexible: flexible)
            let partitions = try r.readArray("partitions", flexible: flexible, minElementSize: 6) { (r) throws(WireError) in
                let p = Partition(partitionIndex: try r.readInt32("partition_index"), errorCode: try r.readErrorCode())
                try r.skipTaggedFields(flexible: flexible)
                return p
            }
            try r.skipTaggedFields(flexible: flexible)
            return Topic(name: name, partitions: partitions)
        }
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
                w.writeErrorCode(p.errorCode)
                w.writeEmptyTaggedFields(flexible: flexible)
            }
            w.writeEmptyTaggedFields(flexible: flexible)
        }
        writer.writeEmptyTaggedFields(flexible: flexible)
    }
}
