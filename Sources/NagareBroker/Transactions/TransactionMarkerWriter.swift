import NagareCore
import NagareWire

/// Writes the markers that end a transaction in its data partitions. The transaction
/// coordinator depends on this protocol rather than on the topic manager, so that its state
/// machine is tested with an in-memory writer.
protocol TransactionMarkerWriter: Sendable {
    /// Appends a commit or abort marker for `producerID` to every partition and returns once
    /// all of them are durable; false when any could not be written (the coordinator retries).
    /// Partitions that no longer exist (deleted topics) are skipped.
    func writeMarkers(producerID: Int64, producerEpoch: Int16, commit: Bool, partitions: [TopicPartition]) async -> Bool
}

/// The broker's marker writer: appends through each partition's producer state (so the LSO and
/// the aborted index follow) and waits for group commit to make the markers durable.
struct PartitionMarkerWriter: TransactionMarkerWriter {
    let topics: TopicManager
    let groupCommit: GroupCommit
    let currentTimeMilliseconds: @Sendable () -> Int64

    func writeMarkers(producerID: Int64, producerEpoch: Int16, commit: Bool, partitions: [TopicPartition]) async -> Bool {
        var waits: [(PartitionState, Offset)] = []
        let now = currentTimeMilliseconds()
        for tp in partitions {
            guard let partition = topics.partition(tp) else { continue }
            do {
                let offset = try partition.appendMarker(producerID: producerID, producerEpoch: producerEpoch,
                                                        commit: commit, timestampMilliseconds: now)
                waits.append((partition, offset.advanced(by: 1)))
                groupCommit.requestFlush(partition)
            } catch {
                topics.logger.error("writing a transaction marker to \(tp): \(error)")
                return false
            }
        }
        for (partition, end) in waits {
            do { try await groupCommit.waitUntilDurable(partition, through: end) } catch {
                topics.logger.error("fsync of a transaction marker in \(partition.topicPartition): \(error)")
                return false
            }
        }
        return true
    }
}
