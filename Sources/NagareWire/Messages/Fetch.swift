/// Fetch (key 1), v4–12: read record batches. Flexible from v12.
///
/// v4 is the first version with isolation levels and aborted-transaction lists, which
/// read_committed consumers need; v7 adds incremental fetch sessions (KIP-227). Records stay raw
/// bytes. v13+ (topic ids) is not supported. The v12 tagged fields (request cluster id, response
/// diverging epoch / current leader / snapshot id) concern replication and are skipped on decode.
public struct FetchRequest: KafkaMessage {
    public static let apiKey = ApiKey.fetch

    public struct Partition: Hashable, Sendable {
        public var partition: Int32
        /// v9+.
        public var currentLeaderEpoch: Int32
        public var fetchOffset: Int64
        /// v12+.
        public var lastFetchedEpoch: Int32
        /// v5+: only followers send a real value.
        public var logStartOffset: Int64
        public var partitionMaxBytes: Int32

        public init(partition: Int32, currentLeaderEpoch: Int32 = -1, fetchOffset: Int64, lastFetchedEpoch: Int32 = -1,
                    logStartOffset: Int64 = -1, partitionMaxBytes: Int32) {
            self.partition = partition
            self.currentLeaderEpoch = currentLeaderEpoch
            self.fetchOffset = fetchOffset
            self.lastFetchedEpoch = lastFetchedEpoch
            self.logStartOffset = logStartOffset
            self.partitionMaxBytes = partitionMaxBytes
        }
    }

    public struct Topic: Hashable, Sendable {
        public var topic: String
        public var partitions: [Partition]

        public init(topic: String, partitions: [Partition]) {
            self.topic = topic
            self.partitions = partitions
        }
    }

    /// v7+: partitions to drop from an incremental fetch session.
    public struct ForgottenTopic: Hashable, Sendable {
        public var topic: String
        public var partitions: [Int32]

        public init(topic: String, partitions: [Int32]) {
            self.topic = topic
            self.partitions = partitions
        }
    }

    /// -1 for consumers; a broker id for followers.
    public var replicaID: Int32
    public var maxWaitMilliseconds: Int32
    public var minBytes: Int32
    public var maxBytes: Int32
    public var isolationLevel: IsolationLevel
    /// v7+: 0 for a full fetch without a session.
    public var sessionID: Int32
    /// v7+: -1 for a full fetch without a session, 0 to open one.
    public var sessionEpoch: Int32
    public var topics: [Topic]
    /// v7+.
    public var forgottenTopicsData: [ForgottenTopic]
    /// v11+: the consumer's rack, for follower fetching.
    public var rackID: String

    public init(replicaID: Int32 = -1, maxWaitMilliseconds: Int32 = 500, minBytes: Int32 = 1,
                maxBytes: Int32 = Int32.max, isolationLevel: IsolationLevel = .readUncommitted,
                sessionID: Int32 = 0, sessionEpoch: Int32 = -1, topics: [Topic] = [],
                forgottenTopicsData: [ForgottenTopic] = [], rackID: String = "") {
        self.replicaID = replicaID
        self.maxWaitMilliseconds = maxWaitMilliseconds
        self.minBytes = minBytes
        self.maxBytes = maxBytes
        self.isolationLevel = isolationLevel
        self.sessionID = sessionID
        self.sessionEpoch = sessionEpoch
        self.topics = topics
        self.forgottenTopicsData = forgottenTopicsData
        self.rackID = rackID
    }

    public static func decode(from reader: inout WireReader, version: Int16) throws(WireError) -> Self {
        try checkVersion(version)
        let flexible = apiKey.isFlexible(version)
        var message = Self()
        message.replicaID = try reader.readInt32("replica_id")
        message.maxWaitMilliseconds = try reader.readInt32("max_wait_ms")
        message.minBytes = try reader.readInt32("min_bytes")
        message.maxBytes = try reader.readInt32("max_bytes")
        message.isolationLevel = IsolationLevel(rawValue: try reader.readInt8("isolation_level"))
        if version >= 7 {
            message.sessionID = try reader.readInt32("session_id")
            message.sessionEpoch = try reader.readInt32("session_epoch")
        }
        message.topics = try reader.readArray("topics", flexible: flexible, minElementSize: 2) { (r) throws(WireError) in
            let name = try r.readString("topic", flexible: flexible)
            let partitions = try r.readArray("partitions", flexible: flexible, minElementSize: 16) { (r) throws(WireError) in
                var p = Partition(partition: try r.readInt32("partition"), fetchOffset: 0, partitionMaxBytes: 0)
                if version >= 9 { p.currentLeaderEpoch = try r.readInt32("current_leader_epoch") }
                p.fetchOffset = try r.readInt64("fetch_offset")
                if version >= 12 { p.lastFetchedEpoch = try r.readInt32("last_fetched_epoch") }
                if version >= 5 { p.logStartOffset = try r.readInt64("log_start_offset") }
                p.partitionMaxBytes = try r.readInt32("partition_max_bytes")
                try r.skipTaggedFields(flexible: flexible)
                return p
            }
            try r.skipTaggedFields(flexible: flexible)
            return Topic(topic: name, partitions: partitions)
        }
        if version >= 7 {
            message.forgottenTopicsData = try reader.readArray("forgotten_topics_data", flexible: flexible, minElementSize: 2) { (r) throws(WireError) in
                let t = ForgottenTopic(topic: try r.readString("topic", flexible: flexible),
                                       partitions: try r.readInt32Array("partitions", flexible: flexible))
                try r.skipTaggedFields(flexible: flexible)
                return t
            }
        }
        if version >= 11 { message.rackID = try reader.readString("rack_id", flexible: flexible) }
        try reader.skipTaggedFields(flexible: flexible)
        return message
    }

    public func encode(into writer: inout WireWriter, version: Int16) {
        let flexible = Self.apiKey.isFlexible(version)
        writer.writeInt32(replicaID)
        writer.writeInt32(maxWaitMilliseconds)
        writer.writeInt32(minBytes)
        writer.writeInt32(maxBytes)
        writer.writeInt8(isolationLevel.rawValue)
        if version >= 7 {
            writer.writeInt32(sessionID)
            writer.writeInt32(sessionEpoch)
        }
        writer.writeArray(topics, flexible: flexible) { w, t in
            w.writeString(t.topic, flexible: flexible)
            w.writeArray(t.partitions, flexible: flexible) { w, p in
                w.writeInt32(p.partition)
                if version >= 9 { w.writeInt32(p.currentLeaderEpoch) }
                w.writeInt64(p.fetchOffset)
                if version >= 12 { w.writeInt32(p.lastFetchedEpoch) }
                if version >= 5 { w.writeInt64(p.logStartOffset) }
                w.writeInt32(p.partitionMaxBytes)
                w.writeEmptyTaggedFields(flexible: flexible)
            }
            w.writeEmptyTaggedFields(flexible: flexible)
        }
        if version >= 7 {
            writer.writeArray(forgottenTopicsData, flexible: flexible) { w, t in
                w.writeString(t.topic, flexible: flexible)
                w.writeInt32Array(t.partitions, flexible: flexible)
                w.writeEmptyTaggedFields(flexible: flexible)
            }
        }
        if version >= 11 { writer.writeString(rackID, flexible: flexible) }
        writer.writeEmptyTaggedFields(flexible: flexible)
    }
}

public struct FetchResponse: KafkaMessage {
    public static let apiKey = ApiKey.fetch

    /// A transaction aborted within the fetched range: read_committed consumers drop this
    /// producer's records from `firstOffset` up to its abort marker.
    public struct AbortedTransaction: Hashable, Sendable {
        public var producerID: Int64
        public var firstOffset: Int64

        public init(producerID: Int64, firstOffset: Int64) {
            self.producerID = producerID
            self.firstOffset = firstOffset
        }
    }

    public struct Partition: Hashable, Sendable {
        public var partitionIndex: Int32
        public var errorCode: KafkaErrorCode
        public var highWatermark: Int64
        /// v4+: the end of the committed (stable) part of the log.
        public var lastStableOffset: Int64
        /// v5+.
        public var logStartOffset: Int64
        /// v4+: `nil` when the request was read_uncommitted.
        public var abortedTransactions: [AbortedTransaction]?
        /// v11+.
        public var preferredReadReplica: Int32
        /// Zero or more RecordBatch v2, raw. The last one may be cut short by the size limits.
        public var records: [UInt8]?

        public init(partitionIndex: Int32, errorCode: KafkaErrorCode = .none, highWatermark: Int64 = -1,
                    lastStableOffset: Int64 = -1, logStartOffset: Int64 = -1,
                    abortedTransactions: [AbortedTransaction]? = nil, preferredReadReplica: Int32 = -1,
                    records: [UInt8]? = nil) {
            self.partitionIndex = partitionIndex
            self.errorCode = errorCode
            self.highWatermark = highWatermark
            self.lastStableOffset = lastStableOffset
            self.logStartOffset = logStartOffset
            self.abortedTransactions = abortedTransactions
            self.preferredReadReplica = preferredReadReplica
            self.records = records
        }
    }

    public struct Topic: Hashable, Sendable {
        public var topic: String
        public var partitions: [Partition]

        public init(topic: String, partitions: [Partition]) {
            self.topic = topic
            self.partitions = partitions
        }
    }

    /// v1+.
    public var throttleTimeMilliseconds: Int32
    /// v7+: a top-level (session) error.
    public var errorCode: KafkaErrorCode
    /// v7+.
    public var sessionID: Int32
    public var responses: [Topic]

    public init(throttleTimeMilliseconds: Int32 = 0, errorCode: KafkaErrorCode = .none, sessionID: Int32 = 0,
                responses: [Topic] = []) {
        self.throttleTimeMilliseconds = throttleTimeMilliseconds
        self.errorCode = errorCode
        self.sessionID = sessionID
        self.responses = responses
    }

    public static func decode(from reader: inout WireReader, version: Int16) throws(WireError) -> Self {
        try checkVersion(version)
        let flexible = apiKey.isFlexible(version)
        var message = Self()
        message.throttleTimeMilliseconds = try reader.readInt32("throttle_time_ms")
        if version >= 7 {
            message.errorCode = try reader.readErrorCode()
            message.sessionID = try reader.readInt32("session_id")
        }
        message.responses = try reader.readArray("responses", flexible: flexible, minElementSize: 2) { (r) throws(WireError) in
            let name = try r.readString("topic", flexible: flexible)
            let partitions = try r.readArray("partitions", flexible: flexible, minElementSize: 24) { (r) throws(WireError) in
                var p = Partition(partitionIndex: try r.readInt32("partition_index"), errorCode: try r.readErrorCode(),
                                  highWatermark: try r.readInt64("high_watermark"))
                p.lastStableOffset = try r.readInt64("last_stable_offset")
                if version >= 5 { p.logStartOffset = try r.readInt64("log_start_offset") }
                p.abortedTransactions = try r.readNullableArray("aborted_transactions", flexible: flexible, minElementSize: 16) { (r) throws(WireError) in
                    let a = AbortedTransaction(producerID: try r.readInt64("producer_id"),
                                               firstOffset: try r.readInt64("first_offset"))
                    try r.skipTaggedFields(flexible: flexible)
                    return a
                }
                if version >= 11 { p.preferredReadReplica = try r.readInt32("preferred_read_replica") }
                p.records = try r.readNullableBytes("records", flexible: flexible)
                try r.skipTaggedFields(flexible: flexible)
                return p
            }
            try r.skipTaggedFields(flexible: flexible)
            return Topic(topic: name, partitions: partitions)
        }
        try reader.skipTaggedFields(flexible: flexible)
        return message
    }

    public func encode(into writer: inout WireWriter, version: Int16) {
        let flexible = Self.apiKey.isFlexible(version)
        writer.writeInt32(throttleTimeMilliseconds)
        if version >= 7 {
            writer.writeErrorCode(errorCode)
            writer.writeInt32(sessionID)
        }
        writer.writeArray(responses, flexible: flexible) { w, t in
            w.writeString(t.topic, flexible: flexible)
            w.writeArray(t.partitions, flexible: flexible) { w, p in
                w.writeInt32(p.partitionIndex)
                w.writeErrorCode(p.errorCode)
                w.writeInt64(p.highWatermark)
                w.writeInt64(p.lastStableOffset)
                if version >= 5 { w.writeInt64(p.logStartOffset) }
                w.writeNullableArray(p.abortedTransactions, flexible: flexible) { w, a in
                    w.writeInt64(a.producerID)
                    w.writeInt64(a.firstOffset)
                    w.writeEmptyTaggedFields(flexible: flexible)
                }
                if version >= 11 { w.writeInt32(p.preferredReadReplica) }
                w.writeNullableBytes(p.records, flexible: flexible)
                w.writeEmptyTaggedFields(flexible: flexible)
            }
            w.writeEmptyTaggedFields(flexible: flexible)
        }
        writer.writeEmptyTaggedFields(flexible: flexible)
    }
}
