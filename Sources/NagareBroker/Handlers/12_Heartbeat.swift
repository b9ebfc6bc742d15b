import NagareWire

// Heartbeat: v0–4. Behavior: extends the member's session; REBALANCE_IN_PROGRESS tells members to rejoin.
extension Broker {
    func handleHeartbeat(_ request: HeartbeatRequest, _ context: RequestContext) async -> HeartbeatResponse {
        await groups.heartbeat(request, context: context)
    }
}
