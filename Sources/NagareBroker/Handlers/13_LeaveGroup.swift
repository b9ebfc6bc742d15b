import NagareWire

// LeaveGroup: v0–4. Behavior: removes the member(s) (v3+: a batch with per-member results) and rebalances the rest.
extension Broker {
    func handleLeaveGroup(_ request: LeaveGroupRequest, _ context: RequestContext) async -> LeaveGroupResponse {
        await groups.leaveGroup(request, context: context)
    }
}
