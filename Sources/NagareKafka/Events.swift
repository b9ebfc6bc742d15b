public import NagareCore

/// Where a produced record landed.
public struct DeliveryReport: Hashable, Sendable {
    public var topicPartition: TopicPartition
    public var offset: Offset
}

/// A change of a consumer's assignment.
public enum RebalanceEvent: Hashable, Sendable {
    /// These partitions are now this consumer's (in addition to its others, under cooperative
    /// rebalancing).
    case assigned([TopicPartition])
    /// These partitions were taken away in an orderly rebalance; their offsets may still be
    /// committed by this member.
    case revoked([TopicPartition])
    /// These partitions were lost (session timeout, fencing): another member may already own
    /// them, so commits for them will fail.
    case lost([TopicPartition])

    public var partitions: [TopicPartition] {
        switch self {
        case .assigned(let p), .revoked(let p), .lost(let p): p
        }
    }
}

/// What one poll of a consumer returns, in the order it happened.
public enum ConsumerEvent: Hashable, Sendable {
    case records([Record])
    case rebalance(RebalanceEvent)
    /// The consumer has read everything up to the partition's end (only with
    /// `ConsumerConfiguration.reportsEndOfPartition`).
    case endOfPartition(TopicPartition, Offset)
    /// A partition could not be read (e.g. no valid offset to start from with
    /// `auto.offset.reset=error`). Reported, not thrown: the caller may fix it with a seek.
    case partitionError(TopicPartition, KafkaClientError)
}

/// librdkafka's logical offsets.
enum LogicalOffset {
    static let beginning: Int64 = -2
    static let end: Int64 = -1
    static let stored: Int64 = -1000
    static let invalid: Int64 = -1001
}
