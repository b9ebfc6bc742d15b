import NagareCore
import NagareEngine
import NagareKafka

/// A demonstration mode, not for production (`nagare run --delivery at-least-once`): the
/// engine's `TransactionalSink` without a transaction, the way a plain Kafka job commits.
///
/// Outputs and dead letters go out on an ordinary idempotent producer as each batch is
/// processed, and each batch's "commit" waits until they are acknowledged. The operator state
/// (changelog) and the input offsets are written every `commitInterval` (like a Kafka
/// consumer's auto-commit, `auto.commit.interval.ms` 5 s), the state first, then the offsets
/// with a plain consumer commit: the usual at-least-once order, which never loses, since state
/// and offsets only move after the outputs they cover are on the broker. But a crash makes the
/// next incarnation process again, from the old state, everything since the last offset commit:
/// duplicates. `abortTransaction` cannot take back what was sent, so a retried batch duplicates
/// too. `nagare audit --at-least-once` uses this to show that the audit detects duplicates.
final class AtLeastOnceSink: TransactionalSink {
    let producer: Producer
    let consumer: Consumer
    /// The pipeline's changelog topic: its records wait for the next offset commit.
    let stateTopic: String
    /// How often state and offsets are written.
    let commitInterval: Duration
    private var lastCommit = ContinuousClock.now
    /// The current batch's state changes and next offsets.
    private var batchState: [OutgoingRecord] = []
    private var batchOffsets: [PartitionOffset] = []
    /// Those of the batches acknowledged since the last offset commit, oldest first.
    private var pendingState: [OutgoingRecord] = []
    private var pendingOffsets: [TopicPartition: Offset] = [:]

    init(producer: Producer, consumer: Consumer, stateTopic: String, commitInterval: Duration = .seconds(5)) {
        self.producer = producer
        self.consumer = consumer
        self.stateTopic = stateTopic
        self.commitInterval = commitInterval
    }

    func beginTransaction() async throws {
        batchState.removeAll()
        batchOffsets.removeAll()
    }

    func send(_ records: OutgoingRecordBlock) async throws {
        do {
            for r in records {
                if r.topic == stateTopic { batchState.append(r) } else { try await producer.produce(r) }
            }
        } catch { throw KafkaTransactionalSink.engineError(error) }
    }

    func sendOffsets(_ offsets: [PartitionOffset], groupID: String) async throws {
        batchOffsets = offsets
    }

    func commitTransaction() async throws {
        do { try await producer.flush() } catch { throw KafkaTransactionalSink.engineError(error) }
        pendingState += batchState
        for o in batchOffsets { pendingOffsets[o.topicPartition] = o.offset }
        batchState.removeAll()
        batchOffsets.removeAll()
        try await commitPendingIfDue()
    }

    /// `commitPending` when `commitInterval` has passed since the last one and something
    /// waits; the runner also calls it between batches, so an idle pipeline commits too.
    func commitPendingIfDue() async throws {
        guard !pendingOffsets.isEmpty || !pendingState.isEmpty,
              ContinuousClock.now - lastCommit >= commitInterval else { return }
        try await commitPending()
    }

    /// Writes the state of the acknowledged batches, then commits their offsets (also on a
    /// graceful stop, as a consumer commits when it closes). On failure everything stays
    /// pending for the next attempt (state records written twice are the same values, in order).
    func commitPending() async throws {
        do {
            for r in pendingState { try await producer.produce(r) }
            try await producer.flush()
            let offsets = pendingOffsets.map { PartitionOffset($0.key, $0.value) }
            if !offsets.isEmpty { try await consumer.commit(offsets) }
        } catch { throw KafkaTransactionalSink.engineError(error) }
        pendingState.removeAll()
        pendingOffsets.removeAll()
        lastCommit = ContinuousClock.now
    }

    func abortTransaction() async throws {
        // What was sent stays sent: this is exactly the at-least-once weakness. The loop restores
        // its tasks from the changelog at the committed offsets, so state not yet written is
        // dropped with the offsets it belongs to.
        batchState.removeAll()
        batchOffsets.removeAll()
        pendingState.removeAll()
        pendingOffsets.removeAll()
    }
}
