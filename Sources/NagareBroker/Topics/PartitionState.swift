import NagareCore
import NagareLog
import Synchronization

/// One partition as the broker serves it: its durable log, the offset up to which the log is
/// on disk, and the state of the idempotent and transactional producers writing to it.
///
/// The high watermark is the durable end, not the written end: a record becomes visible to
/// consumers only once it has been fsynced. On one machine there are no replicas to make a
/// record safe, so this is what keeps a broker crash from taking back a record a consumer has
/// already processed (and committed an offset past).
///
/// Producer state (`ProducerStateTable`) is rebuilt on open from a snapshot and the log after
/// it (`ProducerStateTable.load`); appends that involve it go through
/// `PartitionState+Producers.swift`, which holds its mutex across the log append.
final class PartitionState: Sendable {
    let log: PartitionLog
    private let durableEnd: Atomic<Int64>
    let producers: Mutex<ProducerStateTable>
    /// What rebuilding the producer state did, for the startup log.
    let producerStateReport: String

    init(log: PartitionLog) throws(LogError) {
        self.log = log
        // What recovery kept is on disk.
        self.durableEnd = Atomic(log.logEndOffset.rawValue)
        let (table, report) = try ProducerStateTable.load(from: log)
        producers = Mutex(table)
        producerStateReport = report
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
