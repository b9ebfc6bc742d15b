import NagareWire

// DescribeGroups: v0–5. Behavior: state, protocol and members (client id, host, metadata, assignment) per group. Not supported: authorized operations.
extension Broker {
    func handleDescribeGroups(_ request: DescribeGroupsRequest, _ context: RequestContext) async -> DescribeGroupsResponse {
        await groups.describeGroups(request, context: context)
    }
}
