import NagareWire

// EndTxn: v0–3. Behavior: commit or abort. Writes PrepareCommit/PrepareAbort to
// `__transaction_state-0` (fsynced), then a marker into every partition of the transaction
// (durable before the answer, so read_committed consumers can see the outcome as soon as the
// producer does), then commits or drops the staged group offsets, then records
// CompleteCommit/CompleteAbort. A repeated EndTxn of a finished transaction with the same
// outcome succeeds (a retry); the other outcome gets INVALID_TXN_STATE, as does EndTxn without an
// open transaction. If a marker cannot be written the answer is COORDINATOR_NOT_AVAILABLE
// (retriable) and the coordinator keeps retrying the decided outcome. Not supported: v4+
// (KIP-890 epoch bump on every transaction).
extension Broker {
    func handleEndTxn(_ request: EndTxnRequest, _ context: RequestContext) async -> EndTxnResponse {
        await transactions.endTxn(request, version: context.apiVersion)
    }
}
