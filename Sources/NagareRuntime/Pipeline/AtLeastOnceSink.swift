import NagareCore
import NagareEngine
import NagareKafka

/// A demonstration mode, not for production (`nagare run --delivery at-least-once`): the
/// engine's `TransactionalSink` without a transaction, the way a plain Kafka job commits.
///
/// Outputs, dead letters and changelog records go out on an ordinary idempotent producer as
/// the batch is processed; "commit" waits for all of them to be acknowledged, then commits the
/// input offsets with a plain consumer commit. Nothing is lost (offsets only move after their
/// outputs are on the broker), but a crash between the first output leaving the process and
/// the offset commit makes the next incarnation read and write that batch again: duplicates.
/// `abortTransaction` cannot take back what was sent, so a retried batch duplicates too.
/// `nagare audit --at-least-once` uses this to show that the audit detects duplicates.
final class AtLeastOnceSink: TransactionalSink {
    let producer: Producer
    let consumer: Consumer
    private var pendingOffsets: [PartitionOffset] = []

    init(producer: Producer, consumer: Consumer) {
        self.producer = producer
        self.consumer = consumer
    }

    func beginTransaction() async throws {
        pendingOffsets.removeAll()
    }

    func send(_ records: [OutgoingRecord]) async throws {
        do {
            for r in records { try await producer.produce(r) }
        } catch { throw KafkaTransactionalSink.engineError(error) }
    }

    func sendOffsets(_ offsets: [PartitionOffset], groupID: String) async throws {
        pendingOffsets = offsets
    }

    func commitTransaction() async throws {
        do {
            try await producer.flush()
            try await consumer.commit(pendingOffsets)
        } catch { throw KafkaTransactionalSink.engineError(error) }
        pendingOffsets.removeAll()
    }

    func abortTransaction() async throws {
        // What was sent stays sent: this is exactly the at-least-once weakness.
        pendingOffsets.removeAll()
    }
}
