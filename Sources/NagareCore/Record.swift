/// A record header: a key and an optional byte value, as in Kafka.
public struct RecordHeader: Hashable, Sendable {
    public var key: String
    public var value: [UInt8]?

    public init(key: String, value: [UInt8]?) {
        self.key = key
        self.value = value
    }

    public init(key: String, string: String) {
        self.key = key
        self.value = Array(string.utf8)
    }
}

/// A record read from a partition.
public struct Record: Hashable, Sendable {
    public var topicPartition: TopicPartition
    public var offset: Offset
    /// Milliseconds since the Unix epoch, as carried by the record (create or log-append time).
    public var timestampMilliseconds: Int64
    public var key: [UInt8]?
    public var value: [UInt8]?
    public var headers: [RecordHeader]

    public init(
        topicPartition: TopicPartition, offset: Offset, timestampMilliseconds: Int64,
        key: [UInt8]?, value: [UInt8]?, headers: [RecordHeader] = []
    ) {
        self.topicPartition = topicPartition
        self.offset = offset
        self.timestampMilliseconds = timestampMilliseconds
        self.key = key
        self.value = value
        self.headers = headers
    }

    /// The value decoded as UTF-8, replacing invalid sequences.
    public var valueString: String? { value.map { String(decoding: $0, as: UTF8.self) } }
    public var keyString: String? { key.map { String(decoding: $0, as: UTF8.self) } }
}

/// A record to be produced. `partition == nil` lets the partitioner choose (by key hash when a
/// key is present).
public struct OutgoingRecord: Hashable, Sendable {
    public var topic: String
    public var partition: Int32?
    public var key: [UInt8]?
    public var value: [UInt8]?
    public var headers: [RecordHeader]
    public var timestampMilliseconds: Int64?

    public init(
        topic: String, partition: Int32? = nil, key: [UInt8]? = nil, value: [UInt8]?,
        headers: [RecordHeader] = [], timestampMilliseconds: Int64? = nil
    ) {
        self.topic = topic
        self.partition = partition
        self.key = key
        self.value = value
        self.headers = headers
        self.timestampMilliseconds = timestampMilliseconds
    }

    public init(topic: String, partition: Int32? = nil, key: String?, value: String) {
        self.init(topic: topic, partition: partition, key: key.map { Array($0.utf8) },
                  value: Array(value.utf8))
    }
}
