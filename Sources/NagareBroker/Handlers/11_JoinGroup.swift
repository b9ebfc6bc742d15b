import NagareWire

// JoinGroup: v0–6. Behavior: see GroupCoordinator.joinGroup: classic group protocol with MEMBER_ID_REQUIRED (KIP-394); a join parks until every known member has rejoined or the rebalance timeout passes.
extension Broker {
    func handleJoinGroup(_ request: JoinGroupRequest, _ context: RequestContext) async -> JoinGroupResponse {
        await groups.joinGroup(request, context: context)
    }
}
