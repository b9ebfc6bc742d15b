import NagareCore
import NagareEngine
import NagareKafka

/// The engine's `TransactionalSink` over a transactional producer, with the consumer's group
/// metadata for `sendOffsetsToTransaction` (KIP-447: a zombie's offsets are rejected).
final class KafkaTransactionalSink: TransactionalSink {
    let producer: TransactionalProducer
    let consumer: Consumer

    init(producer: TransactionalProducer, consumer: Consumer) {
        self.producer = producer
        self.consumer = consumer
    }

    func beginTransaction() async throws {
        try translate { try producer.beginTransaction() }
    }

    func send(_ records: OutgoingRecordBlock) async throws {
        do {
            try await producer.produce(contentsOf: records)
        } catch { throw Self.engineError(error) }
    }

    func sendOffsets(_ offsets: [PartitionOffset], groupID: String) async throws {
        guard !offsets.isEmpty else { return }
        do {
            try await producer.sendOffsetsToTransaction(offsets, groupMetadata: try consumer.groupMetadata())
        } catch { throw Self.engineError(error) }
    }

    func commitTransaction() async throws {
        do { try await producer.commitTransaction() } catch { throw Self.engineError(error) }
    }

    func abortTransaction() async throws {
        do { try await producer.abortTransaction() } catch { throw Self.engineError(error) }
    }

    private func translate(_ body: () throws -> Void) throws {
        do { try body() } catch { throw Self.engineError(error) }
    }

    /// librdkafka's error classes → the engine's: fenced stops, abortable/retriable retries the
    /// batch, anything else is fatal.
    static func engineError(_ error: any Error) -> EngineError {
        guard let e = error as? KafkaClientError else { return EngineError(.ioFailed, "\(error)", cause: error) }
        if e.isFenced { return EngineError(.fenced, e.description, cause: e) }
        if e.requiresAbort || e.isRetriable || e.isTimeout { return EngineError(.transactionAbortable, e.description, cause: e) }
        return EngineError(.ioFailed, e.description, cause: e)
    }
}
