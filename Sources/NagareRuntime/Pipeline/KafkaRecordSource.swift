import Logging
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
    /// `--allow-reset`: an offset outside the log moves to the log's nearer end, with a warning.
    private let allowsReset: Bool
    private let logger: Logger
    /// The out-of-range offsets already moved (and warned about) per partition, so that
    /// rewinding to the same committed offset after an abort does not warn again.
    private var resets: [TopicPartition: (from: Offset, to: Offset)] = [:]

    init(consumer: Consumer, allowsReset: Bool = false, logger: Logger = Logger(label: "nagare.run")) {
        self.consumer = consumer
        self.allowsReset = allowsReset
        self.logger = logger
    }

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
                if !changed.isEmpty {
                    records += batch.filter { !changed.contains($0.topicPartition) }
                } else if records.isEmpty {
                    records = batch
                } else {
                    records += batch
                }
            case .rebalance(let change):
                pendingRebalances.append(change)
                changed.formUnion(change.partitions)
                for tp in change.partitions { positions[tp] = nil }
                records.removeAll { changed.contains($0.topicPartition) }
            case .endOfPartition:
                continue
            case .partitionError(let tp, let error):
                guard case .offset(let sought) = positions[tp] else { continue }
                if allowsReset, let moved = try await moveIntoRange(tp, sought) {
                    try await consumer.seek(PartitionOffset(tp, moved))
                    positions[tp] = .offset(moved)
                    records.removeAll { $0.topicPartition == tp }
                    continue
                }
                try await checkInRange(tp, sought, detail: error.message)
            }
        }
        return records
    }

    func seek(_ topicPartition: TopicPartition, to position: SourcePosition) async throws {
        var position = position
        if allowsReset, case .offset(let offset) = position, let moved = try await moveIntoRange(topicPartition, offset) {
            position = .offset(moved)
        }
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

    /// With `--allow-reset`: where to read instead of `offset` when it lies outside the log
    /// (the log start when below it, the log end when beyond it), after one warning per
    /// partition saying how many events that skips; nil when `offset` is inside the log.
    private func moveIntoRange(_ tp: TopicPartition, _ offset: Offset) async throws -> Offset? {
        if let done = resets[tp], done.from == offset { return done.to }
        let (low, high) = try await consumer.watermarks(tp)
        if offset >= low && offset <= high { return nil }
        if offset < low {
            logger.warning("""
                \(tp): the committed offset \(offset) is below the log start \(low) (its records were deleted, \
                e.g. by retention); --allow-reset: starting at \(low), skipping \(low.rawValue - offset.rawValue) events
                """)
            resets[tp] = (offset, low)
            return low
        }
        logger.warning("""
            \(tp): the committed offset \(offset) is beyond the log end \(high) (was the topic recreated?); \
            --allow-reset: starting at the log end \(high), \(offset.rawValue - high.rawValue) offsets back: skipping 0 \
            events; the events written from offset \(high) on are read, again if they were read before the topic was recreated
            """)
        resets[tp] = (offset, high)
        return high
    }

    func committedOffsets(for partitions: [TopicPartition]) async throws -> [TopicPartition: Offset] {
        var out: [TopicPartition: Offset] = [:]
        for (tp, offset) in try await consumer.committed(partitions) {
            guard let offset else { continue }
            // --allow-reset: the tasks take the moved offset as committed, so they neither wait
            // for offsets that do not exist nor drop the records read from the new start.
            out[tp] = allowsReset ? try await moveIntoRange(tp, offset) ?? offset : offset
        }
        return out
    }
}
