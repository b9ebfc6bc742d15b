import NagareCore

/// A group's committed position in one partition, as OffsetCommit stores it and OffsetFetch
/// returns it.
public struct CommittedOffset: Hashable, Sendable {
    /// The next offset to consume.
    public var offset: Int64
    /// The leader epoch of the last consumed record, -1 when unknown (clients use it to detect
    /// log truncation).
    public var leaderEpoch: Int32
    /// Free text the client attached; Kafka stores null as the empty string, and so do we.
    public var metadata: String
    /// When it was committed, in milliseconds since the Unix epoch.
    public var commitTimestampMilliseconds: Int64

    public init(offset: Int64, leaderEpoch: Int32 = -1, metadata: String = "", commitTimestampMilliseconds: Int64) {
        self.offset = offset
        self.leaderEpoch = leaderEpoch
        self.metadata = metadata
        self.commitTimestampMilliseconds = commitTimestampMilliseconds
    }
}

/// A committed offset and where its record sits in the offsets log.
///
/// The log position orders commits that race: a transaction's staged offset becomes the
/// committed one only if it was written after the last plain commit of that partition (as in
/// Kafka), and a commit whose fsync finishes late never overwrites a newer one in memory.
struct StoredOffset: Hashable, Sendable {
    var value: CommittedOffset
    var logOffset: Int64
}

/// Offsets a transactional producer staged for a group (TxnOffsetCommit): invisible to
/// OffsetFetch until the transaction commits, dropped when it aborts.
struct PendingTransaction: Hashable, Sendable {
    var producerEpoch: Int16
    var offsets: [TopicPartition: StoredOffset]
}

