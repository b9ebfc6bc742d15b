import NagareWire

// InitProducerId: v0–4. Behavior: without a transactional id, hands out a new producer id with
// epoch 0 (ids are never reused, even across restarts). Not supported yet: transactional ids
// (answered TRANSACTIONAL_ID_AUTHORIZATION_FAILED until the transaction coordinator exists).
extension Broker {
    func handleInitProducerID(_ request: InitProducerIDRequest, _ context: RequestContext) async -> InitProducerIDResponse {
        if request.transactionalID != nil {
            return InitProducerIDResponse(errorCode: .transactionalIDAuthorizationFailed)
        }
        do {
            return InitProducerIDResponse(producerID: try producerIDs.next(), producerEpoch: 0)
        } catch {
            logger.error("allocating a producer id: \(error)")
            return InitProducerIDResponse(errorCode: .kafkaStorageError)
        }
    }
}
