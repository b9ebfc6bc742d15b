/// Produce (key 0), v3–9: append record batches. Flexible from v9.
///
/// Records stay raw bytes here: parsing and validating RecordBatch v2 is the log's job
/// (`RecordBatch*`), and keeping them opaque lets the broker append them without a copy through
/// an intermediate model. v0–2 (pre-v2 message formats) and v10+ are not supported.
public struct ProduceRequest: KafkaMessage {
    public static let apiKey = ApiKey.produce

    public struct PartitionData: Hashable, Sendable {
        public var index: Int32
        /// One or more RecordBatch v2, as sent. Nullable on the wire.
        public var records: [UInt8]?

        public init(index: Int32, records: [UInt8]?) {
            self.index = index
            self.records = records
        }
    }

    public struct TopicData: Hashable, Sendable {
        public var name: String
        public var partitionData: [PartitionData]

        public init(name: String, partitionData: [PartitionData]) {
            self.name = name
            self.partitionData = partitionData
        }
    }

    /// Set by transactional producers; `nil` otherwise.
    public var transactionalID: String?
    /// 0 (no response), 1 (leader) or -1 (all in-sync replicas).
    public var acks: Int16
    public var timeoutMilliseconds: Int32
    public var topicData: [TopicData]

    public init(transactionalID: String? = nil, acks: Int16 = -1, timeoutMilliseconds: Int32 = 30_000,
                topicData: [TopicData] = []) {
        self.transactionalID = transactionalID
        self.acks = acks
        self.timeoutMilliseconds = timeoutMilliseconds
        self.topicData = topicData
    }

    public static func decode(from reader: inout WireReader, version: Int16) throws(WireError) -> Self {
        try checkVersion(version)
        let flexible = apiKey.isFlexible(version)
        var message = Self()
        message.transactionalID = try reader.readNullableString("transactional_id", flexible: flexible)
        message.acks = try reader.readInt16("acks")
        message.timeoutMilliseconds = try reader.readInt32("timeout_ms")
        message.topicData = try reader.readArray("topic_data", flexible: flexible, minElementSize: 2) { (r) throws(WireError) in
            let name = try r.readString("topic name", flexible: flexible)
            let partitions = try r.readArray("partition_data", flexible: flexible, minElementSize: 5) { (r) throws(WireError) in
                let p = PartitionData(index: try r.readInt32("index"),
                                      records: try r.readNullableBytes("records", flexible: flexible))
                try r.skipTaggedFields(flexible: flexible)
                return p
            }
            try r.skipTaggedFields(flexible: flexible)
            return TopicData(name: name, partitionData: partitions)
        }
        try reader.skipTaggedFields(flexible: flexible)
        return message
    }

    public func encode(into writer: inout WireWriter, version: Int16) {
        let flexible = Self.apiKey.isFlexible(version)
        writer.writeNullableString(transactionalID, flexible: flexible)
        writer.writeInt16(acks)
        writer.writeInt32(timeoutMilliseconds)
        writer.writeArray(topicData, flexible: flexible) { w, t in
            w.writeString(t.name, flexible: flexible)
            w.writeArray(t.partitionData, flexible: flexible) { w, p in
                w.writeInt32(p.index)
                w.writeNullableBytes(p.records, flexible: flexible)
                w.writeEmptyTaggedFields(flexible: flexible)
            }
            w.writeEmptyTaggedFields(flexible: flexible)
        }
        writer.writeEmptyTaggedFields(flexible: flexible)
    }
}

public struct ProduceResponse: KafkaMessage {
    public static let apiKey = ApiKey.produce

    /// v8+: which record of the batch failed validation, and why.
    public struct RecordError: Hashable, Sendable {
        public var batchIndex: Int32
        public var batchIndexErrorMessage: String?

        public init(batchIndex: Int32, batchIndexErrorMessage: String? = nil) {
            self.batchIndex = batchIndex
            self.batchIndexErrorMessage = batchIndexErrorMessage
        }
    }

    public struct PartitionResponse: Hashable, Sendable {
        public var index: Int32
        public var errorCode: KafkaErrorCode
        public var baseOffset: Int64
        /// v2+: the broker's append time when the topic uses LogAppendTime, else -1.
        public var logAppendTimeMilliseconds: Int64
        /// v5+.
        public var logStartOffset: Int64
        /// v8+.
        public var recordErrors: [RecordError]
        /// v8+.
        public var errorMessage: String?

        public init(index: Int32, errorCode: KafkaErrorCode = .none, baseOffset: Int64 = -1,
                    logAppendTimeMilliseconds: Int64 = -1, logStartOffset: Int64 = -1,
                    recordErrors: [RecordError] = [], errorMessage: String? = nil) {
            self.index = index
            self.errorCode = errorCode
            self.baseOffset = baseOffset
            self.logAppendTimeMilliseconds = logAppendTimeMilliseconds
            self.logStartOffset = logStartOffset
            self.recordErrors = recordErrors
            self.errorMessage = errorMessage
        }
    }

    public struct TopicResponse: Hashable, Sendable {
        public var name: String
        public var partitionResponses: [PartitionResponse]

        public init(name: String, partitionResponses: [PartitionResponse]) {
            self.name = name
            self.partitionResponses = partitionResponses
        }
    }

    public var responses: [TopicResponse]
    /// v1+.
    public var throttleTimeMilliseconds: Int32

    public init(responses: [TopicResponse] = [], throttleTimeMilliseconds: Int32 = 0) {
        self.responses = responses
        self.throttleTimeMilliseconds = throttleTimeMilliseconds
    }

    public static func decode(from reader: inout WireReader, version: Int16) throws(WireError) -> Self {
        try checkVersion(version)
        let flexible = apiKey.isFlexible(version)
        var message = Self()
        message.responses = try reader.readArray("responses", flexible: flexible, minElementSize: 2) { (r) throws(WireError) in
            let name = try r.readString("topic name", flexible: flexible)
            let partitions = try r.readArray("partition_responses", flexible: flexible, minElementSize: 14) { (r) throws(WireError) in
                var p = PartitionResponse(index: try r.readInt32("index"), errorCode: try r.readErrorCode(),
                                          baseOffset: try r.readInt64("base_offset"))
                if version >= 2 { p.logAppendTimeMilliseconds = try r.readInt64("log_append_time_ms") }
                if version >= 5 { p.logStartOffset = try r.readInt64("log_start_offset") }
                if version >= 8 {
                    p.recordErrors = try r.readArray("record_errors", flexible: flexible, minElementSize: 5) { (r) throws(WireError) in
                        let e = RecordError(batchIndex: try r.readInt32("batch_index"),
                                            batchIndexErrorMessage: try r.readNullableString("batch_index_error_message", flexible: flexible))
                        try r.skipTaggedFields(flexible: flexible)
                        return e
                    }
                    p.errorMessage = try r.readNullableString("error_message", flexible: flexible)
                }
                try r.skipTaggedFields(flexible: flexible)
                return p
            }
            try r.skipTaggedFields(flexible: flexible)
            return TopicResponse(name: name, partitionResponses: partitions)
        }
        if version >= 1 { message.throttleTimeMilliseconds = try reader.readInt32("throttle_time_ms") }
        try reader.skipTaggedFields(flexible: flexible)
        return message
    }

    public func encode(into writer: inout WireWriter, version: Int16) {
        let flexible = Self.apiKey.isFlexible(version)
        writer.writeArray(responses, flexible: flexible) { w, t in
            w.writeString(t.name, flexible: flexible)
            w.writeArray(t.partitionResponses, flexible: flexible) { w, p in
                w.writeInt32(p.index)
                w.writeErrorCode(p.errorCode)
                w.writeInt64(p.baseOffset)
                if version >= 2 { w.writeInt64(p.logAppendTimeMilliseconds) }
                if version >= 5 { w.writeInt64(p.logStartOffset) }
                if version >= 8 {
                    w.writeArray(p.recordErrors, flexible: flexible) { w, e in
                        w.writeInt32(e.batchIndex)
                        w.writeNullableString(e.batchIndexErrorMessage, flexible: flexible)
                        w.writeEmptyTaggedFields(flexible: flexible)
                    }
                    w.writeNullableString(p.errorMessage, flexible: flexible)
                }
                w.writeEmptyTaggedFields(flexible: flexible)
            }
            w.writeEmptyTaggedFields(flexible: flexible)
        }
        if version >= 1 { writer.writeInt32(throttleTimeMilliseconds) }
        writer.writeEmptyTaggedFields(flexible: flexible)
    }
}
