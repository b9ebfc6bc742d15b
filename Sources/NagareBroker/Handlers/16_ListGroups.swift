import NagareWire

// ListGroups: v0–4. Behavior: every group with its protocol type (and, v4, state, with the states filter).
extension Broker {
    func handleListGroups(_ request: ListGroupsRequest, _ context: RequestContext) async -> ListGroupsResponse {
        await groups.listGroups(request, context: context)
    }
}
