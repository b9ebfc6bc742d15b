public import NagareCore

/// Where a batch loop reads input: the seam the runtime binds to a Kafka consumer
/// (`NagareKafka.Consumer`, read_committed, manual offsets, assigned by the group).
///
/// Not `Sendable`-constrained: the batch loop calls it from one task only.
public protocol RecordSource: AnyObject {
    /// Records of the assigned partitions, in offset order per partition, at most
    /// `maxRecords`, waiting up to `timeout` for the first. An empty result is fine.
    func poll(maxRecords: Int, timeout: Duration) async throws -> [Record]

    /// Moves a partition's read position; the next poll returns records from there.
    func seek(_ topicPartition: TopicPartition, to position: SourcePosition) async throws

    /// The consumer group's committed offsets (next offset to read); absent partitions have
    /// none. For Kafka: `committed()` on the consumer.
    func committedOffsets(for partitions: [TopicPartition]) async throws -> [TopicPartition: Offset]
}

/// A read position: an exact offset, or the log's start or end for partitions never committed.
public enum SourcePosition: Hashable, Sendable {
    case offset(Offset)
    case start(StartPosition)
}

/// Reads a task's changelog partition to its end, committed records only, when a partition
/// is assigned. For Kafka: a separate read_committed consumer assigned to the changelog
/// partitions, reading from the beginning until each one's end.
public protocol ChangelogReader: AnyObject {
    func readChangelog(topic: String, partition: Int32) async throws -> [Record]

    /// `readChangelog` for several partitions at once (a process restoring all its tasks at
    /// start-up), each partition's records in log order. The default reads them one by one.
    func readChangelogs(topic: String, partitions: [Int32]) async throws -> [Int32: [Record]]
}

extension ChangelogReader {
    public func readChangelogs(topic: String, partitions: [Int32]) async throws -> [Int32: [Record]] {
        var out: [Int32: [Record]] = [:]
        for partition in partitions { out[partition] = try await readChangelog(topic: topic, partition: partition) }
        return out
    }
}
