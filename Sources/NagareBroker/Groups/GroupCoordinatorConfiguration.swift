public import NagareCore

/// Settings of the consumer group coordinator. Every collection it keeps has a named maximum
/// here, so that a misbehaving client can exhaust a limit but never the broker's memory.
public struct GroupCoordinatorConfiguration: Sendable {
    /// Where `__consumer_offsets-0` lives. Default: `./nagare-data`.
    public var dataDirectory = "./nagare-data"
    /// Session timeouts clients may ask for (Kafka's `group.min.session.timeout.ms` and
    /// `group.max.session.timeout.ms`). Default: 6000...300000.
    public var sessionTimeoutRangeMilliseconds: ClosedRange<Int32> = 6000...300_000
    /// How long the first rebalance of an empty group waits for more members, so that a fleet
    /// starting together does not rebalance once per member (Kafka's
    /// `group.initial.rebalance.delay.ms`). Default: 0.
    public var initialRebalanceDelayMilliseconds = 0
    /// Members (including members that were told MEMBER_ID_REQUIRED and have not rejoined yet)
    /// in one group; a join beyond it gets GROUP_MAX_SIZE_REACHED (Kafka's `group.max.size`).
    /// Default: 1000.
    public var groupMembersMax = 1000
    /// Groups this coordinator tracks; a new group beyond it gets COORDINATOR_NOT_AVAILABLE
    /// (retriable: a slot frees when a group is deleted). Default: 10000.
    public var groupsMax = 10_000
    /// Longest offset metadata string accepted; longer gets OFFSET_METADATA_TOO_LARGE (Kafka's
    /// `offset.metadata.max.bytes`). Default: 4096.
    public var offsetMetadataBytesMax = 4096
    /// Partitions one group may have committed offsets (or staged transactional offsets) for;
    /// commits of further partitions get INVALID_COMMIT_OFFSET_SIZE. Default: 100000.
    public var committedPartitionsPerGroupMax = 100_000
    /// How often `run()` expires sessions and completes rebalances whose deadline passed; it
    /// bounds how late a rebalance timeout or an initial delay can fire. Default: 100.
    public var sweepIntervalMilliseconds = 100
    /// How often `run()` compacts the offsets log (closed segments only). Default: 600000.
    public var compactionIntervalMilliseconds = 600_000
    /// Segment size of the offsets log (Kafka's `offsets.topic.segment.bytes`). Default: 104857600.
    public var logSegmentBytesMax = 100 * 1024 * 1024

    public init() {}

    /// Takes the group settings of the broker's configuration; the rest keep their defaults.
    public init(broker: BrokerConfiguration) {
        dataDirectory = broker.dataDirectory
        sessionTimeoutRangeMilliseconds = broker.groupSessionTimeoutRangeMilliseconds
        initialRebalanceDelayMilliseconds = broker.groupInitialRebalanceDelayMilliseconds
    }

    public func validate() throws(ConfigurationError) {
        if dataDirectory.isEmpty { throw ConfigurationError("dataDirectory: must not be empty") }
        if sessionTimeoutRangeMilliseconds.lowerBound < 1 {
            throw ConfigurationError("sessionTimeoutRangeMilliseconds: must be positive, got \(sessionTimeoutRangeMilliseconds)")
        }
        if initialRebalanceDelayMilliseconds < 0 {
            throw ConfigurationError("initialRebalanceDelayMilliseconds: must not be negative, got \(initialRebalanceDelayMilliseconds)")
        }
        if groupMembersMax < 1 { throw ConfigurationError("groupMembersMax: must be at least 1, got \(groupMembersMax)") }
        if groupsMax < 1 { throw ConfigurationError("groupsMax: must be at least 1, got \(groupsMax)") }
        if offsetMetadataBytesMax < 0 || offsetMetadataBytesMax > GroupRecord.stringBytesMax {
            throw ConfigurationError(
                "offsetMetadataBytesMax: must be within 0...\(GroupRecord.stringBytesMax), got \(offsetMetadataBytesMax)")
        }
        if committedPartitionsPerGroupMax < 1 {
            throw ConfigurationError("committedPartitionsPerGroupMax: must be at least 1, got \(committedPartitionsPerGroupMax)")
        }
        if sweepIntervalMilliseconds < 1 {
            throw ConfigurationError("sweepIntervalMilliseconds: must be at least 1, got \(sweepIntervalMilliseconds)")
        }
        if compactionIntervalMilliseconds < 1 {
            throw ConfigurationError("compactionIntervalMilliseconds: must be at least 1, got \(compactionIntervalMilliseconds)")
        }
        if logSegmentBytesMax < 64 * 1024 {
            throw ConfigurationError("logSegmentBytesMax: must be at least 65536, got \(logSegmentBytesMax)")
        }
    }
}
