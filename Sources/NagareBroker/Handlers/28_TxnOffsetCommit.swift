import NagareWire

// TxnOffsetCommit: v0–3. Behavior: the transaction coordinator checks that the producer id and
// epoch are current (INVALID_PRODUCER_EPOCH for a fenced one) and that the transaction is open
// and includes the group (AddOffsetsToTxn first, else INVALID_TXN_STATE); then the group
// coordinator checks v3's generation and member id against the live group (KIP-447: a zombie
// that lost its partitions gets ILLEGAL_GENERATION / UNKNOWN_MEMBER_ID / FENCED_INSTANCE_ID)
// and stages the offsets durably. They become the group's committed offsets only when EndTxn
// commits; until then OffsetFetch with require_stable answers UNSTABLE_OFFSET_COMMIT. Not
// supported: nothing specific.
extension Broker {
    func handleTxnOffsetCommit(_ request: TxnOffsetCommitRequest, _ context: RequestContext) async -> TxnOffsetCommitResponse {
        let check = await transactions.checkTxnOffsetCommit(
            transactionalID: request.transactionalID, producerID: request.producerID,
            producerEpoch: request.producerEpoch, groupID: request.groupID)
        guard check == .none else {
            return TxnOffsetCommitResponse(topics: request.topics.map { t in
                .init(name: t.name, partitions: t.partitions.map { .init(partitionIndex: $0.partitionIndex, errorCode: check) })
            })
        }
        return await groups.txnOffsetCommit(request, context: context)
    }
}
