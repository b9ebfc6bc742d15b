import NagareBroker
import NagareWire
import Testing

@Suite("Group coordinator: DescribeGroups and ListGroups")
struct GroupAdminTests {
    @Test("describe and list report Kafka's state names")
    func describeAndListStates() async throws {
        let fixture = GroupFixture()
        defer { fixture.cleanUp() }
        let coordinator = try fixture.open()
        _ = await stableSingleMemberGroup(coordinator, "stable-group")
        #expect(await commit(coordinator, "empty-group", generationID: -1, memberID: "", [("t", 0, 1)]) == [.none])
        let waiting = Task { await coordinator.joinGroup(joinRequest("completing-group"), context: context(.joinGroup, version: 3)) }
        let joined = await waiting.value  // completed: alone in the group, not yet synced.
        #expect(joined.errorCode == .none)

        let described = await coordinator.describeGroups(
            DescribeGroupsRequest(groups: ["stable-group", "empty-group", "completing-group", "missing", ""]),
            context: context(.describeGroups, version: 5))
        #expect(described.groups.map(\.groupState) == ["Stable", "Empty", "CompletingRebalance", "Dead", ""])
        #expect(described.groups.map(\.errorCode) == [.none, .none, .none, .none, .invalidGroupID])
        // Subscriptions and assignments are shown only while Stable.
        #expect(described.groups[2].members.first?.memberMetadata == [])
        #expect(described.groups[0].members.first?.memberMetadata == rangeProtocol.metadata)

        let all = await coordinator.listGroups(ListGroupsRequest(), context: context(.listGroups, version: 4))
        #expect(all.groups.map(\.groupID) == ["completing-group", "empty-group", "stable-group"])
        #expect(all.groups.map(\.protocolType) == ["consumer", "", "consumer"])
        #expect(all.groups.map(\.groupState) == ["CompletingRebalance", "Empty", "Stable"])

        let stableOnly = await coordinator.listGroups(ListGroupsRequest(statesFilter: ["stable", "Empty"]),
                                                      context: context(.listGroups, version: 4))
        #expect(stableOnly.groups.map(\.groupID) == ["empty-group", "stable-group"])
        let nothing = await coordinator.listGroups(ListGroupsRequest(statesFilter: ["NoSuchState"]),
                                                   context: context(.listGroups, version: 4))
        #expect(nothing.groups.isEmpty)
        // Before v4 there is no filter.
        let v2 = await coordinator.listGroups(ListGroupsRequest(statesFilter: ["Stable"]), context: context(.listGroups, version: 2))
        #expect(v2.groups.count == 3)
        #expect(await coordinator.close() == nil)
    }
}
