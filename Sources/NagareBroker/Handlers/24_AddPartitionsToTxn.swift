import NagareWire

// AddPartitionsToTxn: v0–3. Behavior: checks the producer id and epoch against the transaction
// coordinator (INVALID_PRODUCER_ID_MAPPING for an unknown id, PRODUCER_FENCED from v2 and
// INVALID_PRODUCER_EPOCH before it for an old epoch, CONCURRENT_TRANSACTIONS while the previous
// transaction is being ended), starts the transaction if none is open, and records the
// partitions durably before answering, so that their markers are written even after a crash.
// Unknown partitions fail with UNKNOWN_TOPIC_OR_PARTITION and the others of the request with
// OPERATION_NOT_ATTEMPTED. Not supported: v4+ (KIP-890 batched verification).
extension Broker {
    func handleAddPartitionsToTxn(_ request: AddPartitionsToTxnRequest, _ context: RequestContext) async -> AddPartitionsToTxnResponse {
        await transactions.addPartitions(request, version: context.apiVersion)
    }
}
