import NagareCore
import NagareEngine
import NagareKafka

/// A demonstration mode, not for production (`nagare run --delivery at-least-once`): the
/// engine's `TransactionalSink` without a transaction, the way a plain Kafka job commits.
///
/// Outputs and dead letters go out on an ordinary idempotent producer as the batch is
/// processed; "commit" waits until they are acknowledged, then writes the batch's changelog
/// (operator state) and waits for it, then commits the input offsets with a plain consumer
/// commit — the usual at-least-once order, which never loses: state and offsets only move
/// after the outputs they cover are on the broker. But a crash after the first output left the
/// process and before the state and offsets are written makes the next incarnation process
/// that batch again from the old state: duplicates. `abortTransaction` cannot take back what
/// was sent, so a retried batch duplicates too.
/// `nagare audit --at-least-once` uses this to show that the audit detects duplicates.
final class AtLeastOnceSink: TransactionalSink {
    let producer: Producer
    let consumer: Consumer
    /// The pipeline's changelog topic: its records wait until the outputs are acknowledged.
    let stateTopic: String
    private var pendingState: [OutgoingRecord] = []
    private var pendingOffsets: [PartitionOffset] = []

    init(producer: Producer, consumer: Consumer, stateTopic: String) {
        self.producer = producer
        self.consumer = consumer
        self.stateTopic = stateTopic
    }

    func beginTransaction() async throws {
        pendingState.removeAll()
        pendingOffsets.removeAll()
    }

    func send(_ records: OutgoingRecordBlock) async throws {
        do {
            for r in records {
                if r.topic == stateTopic { pendingState.append(r) } else { try await producer.produce(r) }
            }
        } catch { throw KafkaTransactionalSink.engineError(error) }
    }

    func sendOffsets(_ offsets: [PartitionOffset], groupID: String) async throws {
        pendingOffsets = offsets
    }

    func commitTransaction() async throws {
        do {
            try await producer.flush()
            for r in pendingState { try await producer.produce(r) }
            try await producer.flush()
            try await consumer.commit(pendingOffsets)
        } catch { throw KafkaTransactionalSink.engineError(error) }
        pendingState.removeAll()
        pendingOffsets.removeAll()
    }

    func abortTransaction() async throws {
        // What was sent stays sent: this is exactly the at-least-once weakness.
        pendingState.removeAll()
        pendingOffsets.removeAll()
    }
}
