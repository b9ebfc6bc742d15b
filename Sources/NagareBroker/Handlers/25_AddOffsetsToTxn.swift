import NagareWire

// AddOffsetsToTxn: v0–3. Behavior: adds the consumer group to the producer's transaction
// (starting it if none is open), durably, so that EndTxn commits or drops the offsets the
// following TxnOffsetCommit stages; errors as AddPartitionsToTxn. Not supported: nothing
// specific (the group need not exist yet, as in Kafka).
extension Broker {
    func handleAddOffsetsToTxn(_ request: AddOffsetsToTxnRequest, _ context: RequestContext) async -> AddOffsetsToTxnResponse {
        await transactions.addOffsets(request, version: context.apiVersion)
    }
}
