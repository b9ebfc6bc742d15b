import NagareWire

// InitProducerId: v0–4. Behavior: without a transactional id, hands out a new producer id with
// epoch 0 (ids are never reused, even across restarts; a KIP-360 re-initialisation also gets a
// new id, as in Kafka). With a transactional id the transaction coordinator answers: a new id
// gets a producer id and epoch 0; a known one gets its epoch raised, which fences the previous
// producer, and that producer's open transaction is aborted (markers written) before the
// answer; a transaction already decided (PrepareCommit/PrepareAbort) is completed first. v3+
// requests naming another producer id or epoch are fenced (PRODUCER_FENCED from v4,
// INVALID_PRODUCER_EPOCH before). Timeouts above `transactionTimeoutMaxMilliseconds` get
// INVALID_TRANSACTION_TIMEOUT. Not supported: v5+ (KIP-939).
extension Broker {
    func handleInitProducerID(_ request: InitProducerIDRequest, _ context: RequestContext) async -> InitProducerIDResponse {
        if request.transactionalID != nil {
            return await transactions.initProducerID(request, version: context.apiVersion)
        }
        do {
            return InitProducerIDResponse(producerID: try producerIDs.next(), producerEpoch: 0)
        } catch {
            logger.error("allocating a producer id: \(error)")
            return InitProducerIDResponse(errorCode: .kafkaStorageError)
        }
    }
}
