public import NagareCore

/// Where a batch loop writes, in one transaction per batch: the seam the runtime binds to
/// `NagareKafka.TransactionalProducer` together with the consumer's group metadata.
///
/// Errors: throw `EngineError` with code `.transactionAbortable` for Kafka's abortable errors
/// (the loop aborts, rewinds and retries), `.fenced` when the producer was fenced or the
/// group generation is stale (the loop stops); anything else stops the loop as fatal.
public protocol TransactionalSink: AnyObject {
    func beginTransaction() async throws
    /// Queues records in the open transaction (`partition == nil`: partition by key).
    func send(_ records: OutgoingRecordBlock) async throws
    /// Adds the next input offsets to the transaction (`sendOffsetsToTransaction` with the
    /// consumer group metadata, KIP-447), so they commit if and only if the outputs do.
    func sendOffsets(_ offsets: [PartitionOffset], groupID: String) async throws
    func commitTransaction() async throws
    func abortTransaction() async throws
}
