import NagareWire

// OffsetCommit: v0–8. Behavior: see GroupCoordinator.offsetCommit: member and generation are checked (generation -1 with no member is a simple commit for a group without active members); offsets are on disk before the response.
extension Broker {
    func handleOffsetCommit(_ request: OffsetCommitRequest, _ context: RequestContext) async -> OffsetCommitResponse {
        await groups.offsetCommit(request, context: context)
    }
}
