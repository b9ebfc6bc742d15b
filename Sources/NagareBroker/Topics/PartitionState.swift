import NagareCore
import NagareLog
import Synchronization

/// One partition as the broker serves it: its durable log and the offset up to which the log is
/// on disk.
///
/// The high watermark is the durable end, not the written end: a record becomes visible to
/// consumers only once it has been fsynced. On one machine there are no replicas to make a
/// record safe, so this is what keeps a broker crash from taking back a record a consumer has
/// already processed (and committed an offset past).
final class PartitionState: Sendable {
    let log: PartitionLog
    private let durableEnd: Atomic<Int64>

    init(log: PartitionLog) {
        self.log = log
        // What recovery kept is on disk.
        self.durableEnd = Atomic(log.logEndOffset.rawValue)
    }

    var topicPartition: TopicPartition { log.topicPartition }

    /// The first offset not yet visible to consumers.
    var highWatermark: Offset { Offset(durableEnd.load(ordering: .acquiring)) }

    /// Records that the log is durable through `offset` (exclusive).
    func markDurable(through offset: Offset) {
        var current = durableEnd.load(ordering: .relaxed)
        while offset.rawValue > current {
            let (exchanged, original) = durableEnd.compareExchange(
                expected: current, desired: offset.rawValue, ordering: .acquiringAndReleasing)
            if exchanged { return }
            current = original
        }
    }

    /// After a truncation or deletion: the durable end cannot be past the log end.
    func resetDurableEnd() {
        durableEnd.store(log.logEndOffset.rawValue, ordering: .releasing)
    }
}
