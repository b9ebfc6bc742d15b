import NagareWire

// SyncGroup: v0–4. Behavior: the leader's assignments are stored and handed to every member; followers park until the leader's sync arrives.
extension Broker {
    func handleSyncGroup(_ request: SyncGroupRequest, _ context: RequestContext) async -> SyncGroupResponse {
        await groups.syncGroup(request, context: context)
    }
}
