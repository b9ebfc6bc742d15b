/// ListOffsets (key 2), v1–6: the offset for a timestamp, or the earliest (-2) / latest (-1)
/// offset. Flexible from v6. v0 (the old multi-offset form) is not supported; v7+ adds
/// timestamp kinds Nagare does not implement.
public struct ListOffsetsRequest: KafkaMessage {
    public static let apiKey = ApiKey.listOffsets

    /// The `timestamp` value asking for the latest offset (the high watermark or, for
    /// read_committed, the last stable offset).
    public static let latestTimestamp: Int64 = -1
    /// The `timestamp` value asking for the log start offset.
    public static let earliestTimestamp: Int64 = -2

    public struct Partition: Hashable, Sendable {
        public var partitionIndex: Int32
        /// v4+.
        public var currentLeaderEpoch: Int32
        public var timestamp: Int64

        public init(partitionIndex: Int32, currentLeaderEpoch: Int32 = -1, timestamp: Int64) {
            self.partitionIndex = partitionIndex
            self.currentLeaderEpoch = currentLeaderEpoch
            self.timestamp = timestamp
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

    public var replicaID: Int32
    /// v2+.
    public var isolationLevel: IsolationLevel
    public var topics: [Topic]

    public init(replicaID: Int32 = -1, isolationLevel: IsolationLevel = .readUncommitted, topics: [Topic] = []) {
        self.replicaID = replicaID
        self.isolationLevel = isolationLevel
        self.topics = topics
    }

    public static func decode(from reader: inout WireReader, version: Int16) throws(WireError) -> Self {
        try checkVersion(version)
        let flexible = apiKey.isFlexible(version)
        var message = Self()
        message.replicaID = try reader.readInt32("replica_id")
        if version >= 2 { message.isolationLevel = IsolationLevel(rawValue: try reader.readInt8("isolation_level")) }
        message.topics = try reader.readArray("topics", flexible: flexible, minElementSize: 2) { (r) throws(WireError) in
            let name = try r.readString("name", flexible: flexible)
            let partitions = try r.readArray("partitions", flexible: flexible, minElementSize: 12) { (r) throws(WireError) in
                var p = Partition(partitionIndex: try r.readInt32("partition_index"), timestamp: 0)
                if version >= 4 { p.currentLeaderEpoch = try r.readInt32("current_leader_epoch") }
                p.timestamp = try r.readInt64("timestamp")
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
        writer.writeInt32(replicaID)
        if version >= 2 { writer.writeInt8(isolationLevel.rawValue) }
        writer.writeArray(topics, flexible: flexible) { w, t in
            w.writeString(t.name, flexible: flexible)
            w.writeArray(t.partitions, flexible: flexible) { w, p in
                w.writeInt32(p.partitionIndex)
                if version >= 4 { w.writeInt32(p.currentLeaderEpoch) }
                w.writeInt64(p.timestamp)
                w.writeEmptyTaggedFields(flexible: flexible)
            }
            w.writeEmptyTaggedFields(flexible: flexible)
        }
        writer.writeEmptyTaggedFields(flexible: flexible)
    }
}

public struct ListOffsetsResponse: KafkaMessage {
    public static let apiKey = ApiKey.listOffsets

    public struct Partition: Hashable, Sendable {
        public var partitionIndex: Int32
        public var errorCode: KafkaErrorCode
        public var timestamp: Int64
        public var offset: Int64
        /// v4+.
        public var leaderEpoch: Int32

        public init(partitionIndex: Int32, errorCode: KafkaErrorCode = .none, timestamp: Int64 = -1,
                    offset: Int64 = -1, leaderEpoch: Int32 = -1) {
            self.partitionIndex = partitionIndex
            self.errorCode = errorCode
            self.timestamp = timestamp
            self.offset = offset
            self.leaderEpoch = leaderEpoch
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

    /// v2+.
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
        if version >= 2 { message.throttleTimeMilliseconds = try reader.readInt32("throttle_time_ms") }
        message.topics = try reader.readArray("topics", flexible: flexible, minElementSize: 2) { (r) throws(WireError) in
            let name = try r.readString("name", flexible: flexible)
            let partitions = try r.readArray("partitions", flexible: flexible, minElementSize: 22) { (r) throws(WireError) in
                var p = Partition(partitionIndex: try r.readInt32("partition_index"), errorCode: try r.readErrorCode(),
                                  timestamp: try r.readInt64("timestamp"), offset: try r.readInt64("offset"))
                if version >= 4 { p.leaderEpoch = try r.readInt32("leader_epoch") }
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
        if version >= 2 { writer.writeInt32(throttleTimeMilliseconds) }
        writer.writeArray(topics, flexible: flexible) { w, t in
            w.writeString(t.name, flexible: flexible)
            w.writeArray(t.partitions, flexible: flexible) { w, p in
                w.writeInt32(p.partitionIndex)
                w.writeErrorCode(p.errorCode)
                w.writeInt64(p.timestamp)
                w.writeInt64(p.offset)
                if version >= 4 { w.writeInt32(p.leaderEpoch) }
                w.writeEmptyTaggedFields(flexible: flexible)
            }
            w.writeEmptyTaggedFields(flexible: flexible)
        }
        writer.writeEmptyTaggedFields(flexible: flexible)
    }
}
