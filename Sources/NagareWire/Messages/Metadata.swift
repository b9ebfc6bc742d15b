/// Metadata (key 3), v0–9: brokers, topics, partitions and leaders. Flexible from v9.
/// v10+ (topic ids) is not supported: Nagare has no topic ids yet.
public struct MetadataRequest: KafkaMessage {
    public static let apiKey = ApiKey.metadata

    public struct Topic: Hashable, Sendable {
        public var name: String
        public init(name: String) { self.name = name }
    }

    /// The topics to describe. `nil` means all topics (v1+); in v0 an empty array means all
    /// topics, so `nil` is sent as an empty array there.
    public var topics: [Topic]?
    /// v4+: whether the broker may create missing topics. Earlier versions always allowed it.
    public var allowAutoTopicCreation: Bool
    /// v8+.
    public var includeClusterAuthorizedOperations: Bool
    /// v8+.
    public var includeTopicAuthorizedOperations: Bool

    public init(topics: [Topic]? = nil, allowAutoTopicCreation: Bool = true,
                includeClusterAuthorizedOperations: Bool = false, includeTopicAuthorizedOperations: Bool = false) {
        self.topics = topics
        self.allowAutoTopicCreation = allowAutoTopicCreation
        self.includeClusterAuthorizedOperations = includeClusterAuthorizedOperations
        self.includeTopicAuthorizedOperations = includeTopicAuthorizedOperations
    }

    public static func decode(from reader: inout WireReader, version: Int16) throws(WireError) -> Self {
        try checkVersion(version)
        let flexible = apiKey.isFlexible(version)
        var message = Self()
        let element = { (r: inout WireReader) throws(WireError) -> Topic in
            let topic = Topic(name: try r.readString("topic name", flexible: flexible))
            try r.skipTaggedFields(flexible: flexible)
            return topic
        }
        if version >= 1 {
            message.topics = try reader.readNullableArray("topics", flexible: flexible, minElementSize: 1, element)
        } else {
            message.topics = try reader.readArray("topics", flexible: flexible, minElementSize: 2, element)
        }
        if version >= 4 { message.allowAutoTopicCreation = try reader.readBool("allow_auto_topic_creation") }
        if version >= 8 {
            message.includeClusterAuthorizedOperations = try reader.readBool("include_cluster_authorized_operations")
            message.includeTopicAuthorizedOperations = try reader.readBool("include_topic_authorized_operations")
        }
        try reader.skipTaggedFields(flexible: flexible)
        return message
    }

    public func encode(into writer: inout WireWriter, version: Int16) {
        let flexible = Self.apiKey.isFlexible(version)
        writer.writeNullableArray(version >= 1 ? topics : (topics ?? []), flexible: flexible) { w, t in
            w.writeString(t.name, flexible: flexible)
            w.writeEmptyTaggedFields(flexible: flexible)
        }
        if version >= 4 { writer.writeBool(allowAutoTopicCreation) }
        if version >= 8 {
            writer.writeBool(includeClusterAuthorizedOperations)
            writer.writeBool(includeTopicAuthorizedOperations)
        }
        writer.writeEmptyTaggedFields(flexible: flexible)
    }
}

public struct MetadataResponse: KafkaMessage {
    public static let apiKey = ApiKey.metadata

    /// "No authorized operations were requested", Kafka's sentinel.
    public static let authorizedOperationsOmitted = Int32.min

    public struct Broker: Hashable, Sendable {
        public var nodeID: Int32
        public var host: String
        public var port: Int32
        /// v1+.
        public var rack: String?

        public init(nodeID: Int32, host: String, port: Int32, rack: String? = nil) {
            self.nodeID = nodeID
            self.host = host
            self.port = port
            self.rack = rack
        }
    }

    public struct Partition: Hashable, Sendable {
        public var errorCode: KafkaErrorCode
        public var partitionIndex: Int32
        public var leaderID: Int32
        /// v7+.
        public var leaderEpoch: Int32
        public var replicaNodes: [Int32]
        public var isrNodes: [Int32]
        /// v5+.
        public var offlineReplicas: [Int32]

        public init(errorCode: KafkaErrorCode = .none, partitionIndex: Int32, leaderID: Int32, leaderEpoch: Int32 = -1,
                    replicaNodes: [Int32] = [], isrNodes: [Int32] = [], offlineReplicas: [Int32] = []) {
            self.errorCode = errorCode
            self.partitionIndex = partitionIndex
            self.leaderID = leaderID
            self.leaderEpoch = leaderEpoch
            self.replicaNodes = replicaNodes
            self.isrNodes = isrNodes
            self.offlineReplicas = offlineReplicas
        }
    }

    public struct Topic: Hashable, Sendable {
        public var errorCode: KafkaErrorCode
        public var name: String
        /// v1+.
        public var isInternal: Bool
        public var partitions: [Partition]
        /// v8+.
        public var topicAuthorizedOperations: Int32

        public init(errorCode: KafkaErrorCode = .none, name: String, isInternal: Bool = false, partitions: [Partition] = [],
                    topicAuthorizedOperations: Int32 = MetadataResponse.authorizedOperationsOmitted) {
            self.errorCode = errorCode
            self.name = name
            self.isInternal = isInternal
            self.partitions = partitions
            self.topicAuthorizedOperations = topicAuthorizedOperations
        }
    }

    /// v3+.
    public var throttleTimeMilliseconds: Int32
    public var brokers: [Broker]
    /// v2+.
    public var clusterID: String?
    /// v1+.
    public var controllerID: Int32
    public var topics: [Topic]
    /// v8+.
    public var clusterAuthorizedOperations: Int32

    public init(throttleTimeMilliseconds: Int32 = 0, brokers: [Broker] = [], clusterID: String? = nil,
                controllerID: Int32 = -1, topics: [Topic] = [],
                clusterAuthorizedOperations: Int32 = MetadataResponse.authorizedOperationsOmitted) {
        self.throttleTimeMilliseconds = throttleTimeMilliseconds
        self.brokers = brokers
        self.clusterID = clusterID
        self.controllerID = controllerID
        self.topics = topics
        self.clusterAuthorizedOperations = clusterAuthorizedOperations
    }

    public static func decode(from reader: inout WireReader, version: Int16) throws(WireError) -> Self {
        try checkVersion(version)
        let flexible = apiKey.isFlexible(version)
        var message = Self()
        if version >= 3 { message.throttleTimeMilliseconds = try reader.readInt32("throttle_time_ms") }
        message.brokers = try reader.readArray("brokers", flexible: flexible, minElementSize: 9) { (r) throws(WireError) in
            var broker = Broker(nodeID: try r.readInt32("node_id"), host: try r.readString("host", flexible: flexible),
                                port: try r.readInt32("port"))
            if version >= 1 { broker.rack = try r.readNullableString("rack", flexible: flexible) }
            try r.skipTaggedFields(flexible: flexible)
            return broker
        }
        if version >= 2 { message.clusterID = try reader.readNullableString("cluster_id", flexible: flexible) }
        if version >= 1 { message.controllerID = try reader.readInt32("controller_id") }
        message.topics = try reader.readArray("topics", flexible: flexible, minElementSize: 5) { (r) throws(WireError) in
            var topic = Topic(errorCode: try r.readErrorCode(), name: try r.readString("topic name", flexible: flexible))
            if version >= 1 { topic.isInternal = try r.readBool("is_internal") }
            topic.partitions = try r.readArray("partitions", flexible: flexible, minElementSize: 12) { (r) throws(WireError) in
                var p = Partition(errorCode: try r.readErrorCode(), partitionIndex: try r.readInt32("partition_index"),
                                  leaderID: try r.readInt32("leader_id"))
                if version >= 7 { p.leaderEpoch = try r.readInt32("leader_epoch") }
                p.replicaNodes = try r.readInt32Array("replica_nodes", flexible: flexible)
                p.isrNodes = try r.readInt32Array("isr_nodes", flexible: flexible)
                if version >= 5 { p.offlineReplicas = try r.readInt32Array("offline_replicas", flexible: flexible) }
                try r.skipTaggedFields(flexible: flexible)
                return p
            }
            if version >= 8 { topic.topicAuthorizedOperations = try r.readInt32("topic_authorized_operations") }
            try r.skipTaggedFields(flexible: flexible)
            return topic
        }
        if version >= 8 { message.clusterAuthorizedOperations = try reader.readInt32("cluster_authorized_operations") }
        try reader.skipTaggedFields(flexible: flexible)
        return message
    }

    public func encode(into writer: inout WireWriter, version: Int16) {
        let flexible = Self.apiKey.isFlexible(version)
        if version >= 3 { writer.writeInt32(throttleTimeMilliseconds) }
        writer.writeArray(brokers, flexible: flexible) { w, b in
            w.writeInt32(b.nodeID)
            w.writeString(b.host, flexible: flexible)
            w.writeInt32(b.port)
            if version >= 1 { w.writeNullableString(b.rack, flexible: flexible) }
            w.writeEmptyTaggedFields(flexible: flexible)
        }
        if version >= 2 { writer.writeNullableString(clusterID, flexible: flexible) }
        if version >= 1 { writer.writeInt32(controllerID) }
        writer.writeArray(topics, flexible: flexible) { w, t in
            w.writeErrorCode(t.errorCode)
            w.writeString(t.name, flexible: flexible)
            if version >= 1 { w.writeBool(t.isInternal) }
            w.writeArray(t.partitions, flexible: flexible) { w, p in
                w.writeErrorCode(p.errorCode)
                w.writeInt32(p.partitionIndex)
                w.writeInt32(p.leaderID)
                if version >= 7 { w.writeInt32(p.leaderEpoch) }
                w.writeInt32Array(p.replicaNodes, flexible: flexible)
                w.writeInt32Array(p.isrNodes, flexible: flexible)
                if version >= 5 { w.writeInt32Array(p.offlineReplicas, flexible: flexible) }
                w.writeEmptyTaggedFields(flexible: flexible)
            }
            if version >= 8 { w.writeInt32(t.topicAuthorizedOperations) }
            w.writeEmptyTaggedFields(flexible: flexible)
        }
        if version >= 8 { writer.writeInt32(clusterAuthorizedOperations) }
        writer.writeEmptyTaggedFields(flexible: flexible)
    }
}
