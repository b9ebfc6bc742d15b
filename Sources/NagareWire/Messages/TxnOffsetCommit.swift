/// TxnOffsetCommit (key 28), v0–3: offsets committed inside a transaction; they become visible
/// to the group only when the transaction commits. v3 (KIP-447) adds the consumer's generation,
/// member id and instance id so the coordinator can fence a zombie task's late commit — the
/// check Nagare's exactly-once scale-out relies on. Flexible from v3.
public struct TxnOffsetCommitRequest: KafkaMessage {
    public static let apiKey = ApiKey.txnOffsetCommit

    public struct Partition: Hashable, Sendable {
        public var partitionIndex: Int32
        public var committedOffset: Int64
        /// v2+.
        public var committedLeaderEpoch: Int32
        public var committedMetadata: String?

        public init(partitionIndex: Int32, committedOffset: Int64, committedLeaderEpoch: Int32 = -1,
                    committedMetadata: String? = nil) {
            self.partitionIndex = partitionIndex
            self.committedOffset = committedOffset
            self.committedLeaderEpoch = committedLeaderEpoch
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

    public var transactionalID: String
    public var groupID: String
    public var producerID: Int64
    public var producerEpoch: Int16
    /// v3+.
    public var generationID: Int32
    /// v3+.
    public var memberID: String
    /// v3+.
    public var groupInstanceID: String?
    public var topics: [Topic]

    public init(transactionalID: String = "", groupID: String = "", producerID: Int64 = -1, producerEpoch: Int16 = -1,
                generationID: Int32 = -1, memberID: String = "", groupInstanceID: String? = nil, topics: [Topic] = []) {
        self.transactionalID = transactionalID
        self.groupID = groupID
        self.producerID = producerID
        self.producerEpoch = producerEpoch
        self.generationID = generationID
        self.memberID = memberID
        self.groupInstanceID = groupInstanceID
        self.topics = topics
    }

    public static func decode(from reader: inout WireReader, version: Int16) throws(WireError) -> Self {
        try checkVersion(version)
        let flexible = apiKey.isFlexible(version)
        var message = Self()
        message.transactionalID = try reader.readString("transactional_id", flexible: flexible)
        message.groupID = try reader.readString("group_id", flexible: flexible)
        message.producerID = try reader.readInt64("producer_id")
        message.producerEpoch = try reader.readInt16("producer_epoch")
        if version >= 3 {
            message.generationID = try reader.readInt32("generation_id")
            message.memberID = try reader.readString("member_id", flexible: flexible)
            message.groupInstanceID = try reader.readNullableString("group_instance_id", flexible: flexible)
        }
        message.topics = try reader.readArray("topics", flexible: flexible, minElementSize: 2) { (r) throws(WireError) in
            let name = try r.readString("name", flexible: flexible)
            let partitions = try r.readArray("partitions", flexible: flexible, minElementSize: 13) { (r) throws(WireError) in
                var p = Partition(partitionIndex: try r.readInt32("partition_index"),
                                  committedOffset: try r.readInt64("committed_offset"))
                if version >= 2 { p.committedLeaderEpoch = try r.readInt32("committed_leader_epoch") }
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
        writer.writeString(transactionalID, flexible: flexible)
        writer.writeString(groupID, flexible: flexible)
        writer.writeInt64(producerID)
        writer.writeInt16(producerEpoch)
        if version >= 3 {
            writer.writeInt32(generationID)
            writer.writeString(memberID, flexible: flexible)
            writer.writeNullableString(groupInstanceID, flexible: flexible)
        }
        writer.writeArray(topics, flexible: flexible) { w, t in
            w.writeString(t.name, flexible: flexible)
            w.writeArray(t.partitions, flexible: flexible) { w, p in
                w.writeInt32(p.partitionIndex)
                w.writeInt64(p.committedOffset)
                if version >= 2 { w.writeInt32(p.committedLeaderEpoch) }
                w.writeNullableString(p.committedMetadata, flexible: flexible)
                w.writeEmptyTaggedFields(flexible: flexible)
            }
            w.writeEmptyTaggedFields(flexible: flexible)
        }
        writer.writeEmptyTaggedFields(flexible: flexible)
    }
}

public struct TxnOffsetCommitResponse: KafkaMessage {
    public static let apiKey = ApiKey.txnOffsetCommit

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
        message.throttleTimeMilliseconds = try reader.readInt32("throttle_time_ms")
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
        writer.writeInt32(throttleTimeMilliseconds)
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
