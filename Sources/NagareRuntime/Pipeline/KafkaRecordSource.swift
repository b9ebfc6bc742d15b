import NagareCore
import NagareEngine
import NagareKafka

/// The engine's `RecordSource` over a group consumer.
///
/// Rebalances happen inside `poll`, which the batch loop calls only between batches (the
/// previous batch is committed by then). Records of partitions revoked or lost in that poll are
/// dropped: their committed offsets stand and the next owner reads them. Records of newly
/// assigned partitions are dropped too: the runner assigns the tasks, which restore state and
/// seek to the committed offsets, so those records are read again.
final class KafkaRecordSource: RecordSource {
    let consumer: Consumer
    /// Assignment changes seen by `poll`, for the runner to apply before the next batch.
    private(set) var pendingRebalances: [RebalanceEvent] = []
    /// Where the batch loop last positioned each partition. Before that, a partition has no
    /// start position on purpose (`auto.offset.reset=error`), and its "no offset" error is
    /// expected. Such an error can also arrive just after the seek (it was queued before it);
    /// it is real only if the offset sought lies outside the log.
    private var positions: [TopicPartition: SourcePosition] = [:]

    init(consumer: Consumer) { self.consumer = consumer }

    func takeRebalances() -> [RebalanceEvent] {
        defer { pendingRebalances.removeAll() }
        return pendingRebalances
    }

    func poll(maxRecords: Int, timeout: Duration) async throws -> [Record] {
        var records: [Record] = []
        var changed: Set<TopicPartition> = []
        for event in try await consumer.poll(maxRecords: maxRecords, timeout: timeout) {
            switch event {
            case .records(let batch):
                records += batch.filter { !changed.contains($0.topicPartition) }
            case .rebalance(let change):
                pendingRebalances.append(change)
                changed.formUnion(change.partitions)
                for tp in change.partitions { positions[tp] = nil }
                records.removeAll { changed.contains($0.topicPartition) }
            case .endOfPartition:
                continue
            case .partitionError(let tp, let error):
                guard case .offset(let sought) = positions[tp] else { continue }
                try await checkInRange(tp, sought, detail: error.message)
            }
        }
        return records
    }

    func seek(_ topicPartition: TopicPartition, to position: SourcePosition) async throws {
        positions[topicPartition] = position
        switch position {
        case .offset(let offset):
            do {
                try await consumer.seek(PartitionOffset(topicPartition, offset))
            } catch {
                // librdkafka refuses to seek a partition whose start offset already failed
                // (`_STATE`): say why when the offset is outside the log.
                try await checkInRange(topicPartition, offset, detail: "\(error)")
                throw error
            }
        case .start(let start): try await consumer.seek(topicPartition, to: start)
        }
    }

    /// Throws the out-of-range error — naming the partition, the offset, the log's range and
    /// the way out — when `offset` lies outside the partition's log.
    private func checkInRange(_ tp: TopicPartition, _ offset: Offset, detail: String) async throws {
        let (low, high) = try await consumer.watermarks(tp)
        if offset >= low && offset <= high { return }
        let group = consumer.configuration.groupID ?? "GROUP"
        let why = offset < low
            ? "its records were deleted, e.g. by retention"
            : "beyond the log's end: was the topic recreated, or the offset set by hand?"
        throw EngineError(.offsetOutOfRange,
            "\(tp): the group's committed offset \(offset) is outside the log [\(low), \(high)] (\(why)); "
            + "nothing was read from it. Check `nagare offsets show --group \(group)`, then move it with "
            + "`nagare offsets reset --group \(group) --topic \(tp.topic) --to earliest|latest|timestamp:MS|offset:N` "
            + "(a preview; add --execute to apply) [\(detail)]")
    }

    func committedOffsets(for partitions: [TopicPartition]) async throws -> [TopicPartition: Offset] {
        var out: [TopicPartition: Offset] = [:]
        for (tp, offset) in try await consumer.committed(partitions) {
            if let offset { out[tp] = offset }
        }
        return out
    }
}
