/// AddPartitionsToTxn (key 24), v0–3: a transactional producer registers the partitions it is
/// about to write, so the coordinator knows where to put commit/abort markers. Flexible from
/// v3. v4+ (batched transactions for broker-side verification, KIP-890) is not supported.
public struct AddPartitionsToTxnRequest: KafkaMessage {
    public static let apiKey = ApiKey.addPartitionsToTxn

    public struct Topic: Hashable, Sendable {
        public var name: String
        public var partitions: [Int32]

        public init(name: String, partitions: [Int32]) {
            self.name = name
            self.partitions = partitions
        }
    }

    public var transactionalID: String
    public var producerID: Int64
    public var producerEpoch: Int16
    public var topics: [Topic]

    public init(transactionalID: String = "", producerID: Int64 = -1, producerEpoch: Int16 = -1, topics: [Topic] = []) {
        self.transactionalID = transactionalID
        self.producerID = producerID
        self.producerEpoch = producerEpoch
        self.topics = topics
    }

    public static func decode(from reader: inout WireReader, version: Int16) throws(WireError) -> Self {
        try checkVersion(version)
        let flexible = apiKey.isFlexible(version)
        var message = Self()
        message.transactionalID = try reader.readString("transactional_id", flexible: flexible)
        message.producerID = try reader.readInt64("producer_id")
        message.producerEpoch = try reader.readInt16("producer_epoch")
        message.topics = try reader.readArray("topics", flexible: flexible, minElementSize: 2) { (r) throws(WireError) in
            let t = Topic(name: try r.readString("name", flexible: flexible),
                          partitions: try r.readInt32Array("partitions", flexible: flexible))
            try r.skipTaggedFields(flexible: flexible)
            return t
        }
        try reader.skipTaggedFields(flexible: flexible)
        return message
    }

    public func encode(into writer: inout WireWriter, version: Int16) {
        let flexible = Self.apiKey.isFlexible(version)
        writer.writeString(transactionalID, flexible: flexible)
        writer.writeInt64(producerID)
        writer.writeInt16(producerEpoch)
        writer.writeArray(topics, flexible: flexible) { w, t in
            w.writeString(t.name, flexible: flexible)
            w.writeInt32Array(t.partitions, flexible: flexible)
            w.writeEmptyTaggedFields(flexible: flexible)
        }
        writer.writeEmptyTaggedFields(flexible: flexible)
    }
}

public struct AddPartitionsToTxnResponse: KafkaMessage {
    public static let apiKey = ApiKey.addPartitionsToTxn

    public struct PartitionResult: Hashable, Sendable {
        public var partitionIndex: Int32
        public var partitionErrorCode: KafkaErrorCode

        public init(partitionIndex: Int32, partitionErrorCode: KafkaErrorCode = .none) {
            self.partitionIndex = partitionIndex
            self.partitionErrorCode = partitionErrorCode
        }
    }

    public struct TopicResult: Hashable, Sendable {
        public var name: String
        public var resultsByPartition: [PartitionResult]

        public init(name: String, resultsByPartition: [PartitionResult]) {
            self.name = name
            self.resultsByPartition = resultsByPartition
        }
    }

    public var throttleTimeMilliseconds: Int32
    public var results: [TopicResult]

    public init(throttleTimeMilliseconds: Int32 = 0, results: [TopicResult] = []) {
        self.throttleTimeMilliseconds = throttleTimeMilliseconds
        self.results = results
    }

    public static func decode(from reader: inout WireReader, version: Int16) throws(WireError) -> Self {
        try checkVersion(version)
        let flexible = apiKey.isFlexible(version)
        var message = Self()
        message.throttleTimeMilliseconds = try reader.readInt32("throttle_time_ms")
        message.results = try reader.readArray("results", flexible: flexible, minElementSize: 2) { (r) throws(WireError) in
            let name = try r.readString("name", flexible: flexible)
            let partitions = try r.readArray("results_by_partition", flexible: flexible, minElementSize: 6) { (r) throws(WireError) in
                let p = PartitionResult(partitionIndex: try r.readInt32("partition_index"),
                                        partitionErrorCode: try r.readErrorCode("partition_error_code"))
                try r.skipTaggedFields(flexible: flexible)
                return p
            }
            try r.skipTaggedFields(flexible: flexible)
            return TopicResult(name: name, resultsByPartition: partitions)
        }
        try reader.skipTaggedFields(flexible: flexible)
        return message
    }

    public func encode(into writer: inout WireWriter, version: Int16) {
        let flexible = Self.apiKey.isFlexible(version)
        writer.writeInt32(throttleTimeMilliseconds)
        writer.writeArray(results, flexible: flexible) { w, t in
            w.writeString(t.name, flexible: flexible)
            w.writeArray(t.resultsByPartition, flexible: flexible) { w, p in
                w.writeInt32(p.partitionIndex)
                w.writeErrorCode(p.partitionErrorCode)
                w.writeEmptyTaggedFields(flexible: flexible)
            }
            w.writeEmptyTaggedFields(flexible: flexible)
        }
        writer.writeEmptyTaggedFields(flexible: flexible)
    }
}
