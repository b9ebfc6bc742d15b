/// CreateTopics (key 19), v0–5: admin clients create topics. Flexible from v5, which also
/// returns the created topic's partition count, replication factor and configs. The v5 tagged
/// field `TopicConfigErrorCode` is skipped on decode and never written. v6+ is not supported.
public struct CreateTopicsRequest: KafkaMessage {
    public static let apiKey = ApiKey.createTopics

    /// A manual replica placement for one partition.
    public struct ReplicaAssignment: Hashable, Sendable {
        public var partitionIndex: Int32
        public var brokerIDs: [Int32]

        public init(partitionIndex: Int32, brokerIDs: [Int32]) {
            self.partitionIndex = partitionIndex
            self.brokerIDs = brokerIDs
        }
    }

    public struct Config: Hashable, Sendable {
        public var name: String
        public var value: String?

        public init(name: String, value: String?) {
            self.name = name
            self.value = value
        }
    }

    public struct Topic: Hashable, Sendable {
        public var name: String
        /// -1 for the broker default (or when `assignments` is given).
        public var numPartitions: Int32
        /// -1 for the broker default (or when `assignments` is given).
        public var replicationFactor: Int16
        public var assignments: [ReplicaAssignment]
        public var configs: [Config]

        public init(name: String, numPartitions: Int32 = -1, replicationFactor: Int16 = -1,
                    assignments: [ReplicaAssignment] = [], configs: [Config] = []) {
            self.name = name
            self.numPartitions = numPartitions
            self.replicationFactor = replicationFactor
            self.assignments = assignments
            self.configs = configs
        }
    }

    public var topics: [Topic]
    public var timeoutMilliseconds: Int32
    /// v1+: check the request without creating anything.
    public var validateOnly: Bool

    public init(topics: [Topic] = [], timeoutMilliseconds: Int32 = 60_000, validateOnly: Bool = false) {
        self.topics = topics
        self.timeoutMilliseconds = timeoutMilliseconds
        self.validateOnly = validateOnly
    }

    public static func decode(from reader: inout WireReader, version: Int16) throws(WireError) -> Self {
        try checkVersion(version)
        let flexible = apiKey.isFlexible(version)
        var message = Self()
        message.topics = try reader.readArray("topics", flexible: flexible, minElementSize: 9) { (r) throws(WireError) in
            var t = Topic(name: try r.readString("name", flexible: flexible))
            t.numPartitions = try r.readInt32("num_partitions")
            t.replicationFactor = try r.readInt16("replication_factor")
            t.assignments = try r.readArray("assignments", flexible: flexible, minElementSize: 5) { (r) throws(WireError) in
                let a = ReplicaAssignment(partitionIndex: try r.readInt32("partition_index"),
                                          brokerIDs: try r.readInt32Array("broker_ids", flexible: flexible))
                try r.skipTaggedFields(flexible: flexible)
                return a
            }
            t.configs = try r.readArray("configs", flexible: flexible, minElementSize: 2) { (r) throws(WireError) in
                let c = Config(name: try r.readString("name", flexible: flexible),
                               value: try r.readNullableString("value", flexible: flexible))
                try r.skipTaggedFields(flexible: flexible)
                return c
            }
            try r.skipTaggedFields(flexible: flexible)
            return t
        }
        message.timeoutMilliseconds = try reader.readInt32("timeout_ms")
        if version >= 1 { message.validateOnly = try reader.readBool("validate_only") }
        try reader.skipTaggedFields(flexible: flexible)
        return message
    }

    public func encode(into writer: inout WireWriter, version: Int16) {
        let flexible = Self.apiKey.isFlexible(version)
        writer.writeArray(topics, flexible: flexible) { w, t in
            w.writeString(t.name, flexible: flexible)
            w.writeInt32(t.numPartitions)
            w.writeInt16(t.replicationFactor)
            w.writeArray(t.assignments, flexible: flexible) { w, a in
                w.writeInt32(a.partitionIndex)
                w.writeInt32Array(a.brokerIDs, flexible: flexible)
                w.writeEmptyTaggedFields(flexible: flexible)
            }
            w.writeArray(t.configs, flexible: flexible) { w, c in
                w.writeString(c.name, flexible: flexible)
                w.writeNullableString(c.value, flexible: flexible)
                w.writeEmptyTaggedFields(flexible: flexible)
            }
            w.writeEmptyTaggedFields(flexible: flexible)
        }
        writer.writeInt32(timeoutMilliseconds)
        if version >= 1 { writer.writeBool(validateOnly) }
        writer.writeEmptyTaggedFields(flexible: flexible)
    }
}

public struct CreateTopicsResponse: KafkaMessage {
    public static let apiKey = ApiKey.createTopics

    /// v5+: a config of the created topic.
    public struct Config: Hashable, Sendable {
        public var name: String
        public var value: String?
        public var readOnly: Bool
        public var configSource: Int8
        public var isSensitive: Bool

        public init(name: String, value: String?, readOnly: Bool = false, configSource: Int8 = -1, isSensitive: Bool = false) {
            self.name = name
            self.value = value
            self.readOnly = readOnly
            self.configSource = configSource
            self.isSensitive = isSensitive
        }
    }

    public struct Topic: Hashable, Sendable {
        public var name: String
        public var errorCode: KafkaErrorCode
        /// v1+.
        public var errorMessage: String?
        /// v5+.
        public var numPartitions: Int32
        /// v5+.
        public var replicationFactor: Int16
        /// v5+: `nil` when the configs are not returned (for example on error).
        public var configs: [Config]?

        public init(name: String, errorCode: KafkaErrorCode = .none, errorMessage: String? = nil,
                    numPartitions: Int32 = -1, replicationFactor: Int16 = -1, configs: [Config]? = nil) {
            self.name = name
            self.errorCode = errorCode
            self.errorMessage = errorMessage
            self.numPartitions = numPartitions
            self.replicationFactor = replicationFactor
            self.configs = configs
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
        message.topics = try reader.readArray("topics", flexible: flexible, minElementSize: 3) { (r) throws(WireError) in
            var t = Topic(name: try r.readString("name", flexible: flexible), errorCode: try r.readErrorCode())
            if version >= 1 { t.errorMessage = try r.readNullableString("error_message", flexible: flexible) }
            if version >= 5 {
                t.numPartitions = try r.readInt32("num_partitions")
                t.replicationFactor = try r.readInt16("replication_factor")
                t.configs = try r.readNullableArray("configs", flexible: flexible, minElementSize: 6) { (r) throws(WireError) in
                    let c = Config(name: try r.readString("name", flexible: flexible),
                                   value: try r.readNullableString("value", flexible: flexible),
                                   readOnly: try r.readBool("read_only"), configSource: try r.readInt8("config_source"),
                                   isSensitive: try r.readBool("is_sensitive"))
                    try r.skipTaggedFields(flexible: flexible)
                    return c
                }
            }
            try r.skipTaggedFields(flexible: flexible)
            return t
        }
        try reader.skipTaggedFields(flexible: flexible)
        return message
    }

    public func encode(into writer: inout WireWriter, version: Int16) {
        let flexible = Self.apiKey.isFlexible(version)
        if version >= 2 { writer.writeInt32(throttleTimeMilliseconds) }
        writer.writeArray(topics, flexible: flexible) { w, t in
            w.writeString(t.name, flexible: flexible)
            w.writeErrorCode(t.errorCode)
            if version >= 1 { w.writeNullableString(t.errorMessage, flexible: flexible) }
            if version >= 5 {
                w.writeInt32(t.numPartitions)
                w.writeInt16(t.replicationFactor)
                w.writeNullableArray(t.configs, flexible: flexible) { w, c in
                    w.writeString(c.name, flexible: flexible)
                    w.writeNullableString(c.value, flexible: flexible)
                    w.writeBool(c.readOnly)
                    w.writeInt8(c.configSource)
                    w.writeBool(c.isSensitive)
                    w.writeEmptyTaggedFields(flexible: flexible)
                }
            }
            w.writeEmptyTaggedFields(flexible: flexible)
        }
        writer.writeEmptyTaggedFields(flexible: flexible)
    }
}
