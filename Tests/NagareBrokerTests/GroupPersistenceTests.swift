import NagareBroker
import NagareWire
import Testing

@Suite("Group coordinator: persistence across restarts")
struct GroupPersistenceTests {
    @Test("offsets, generation and assignment survive closing and reopening the coordinator")
    func survivesRestart() async throws {
        let fixture = GroupFixture()
        defer { fixture.cleanUp() }
        let member: JoinGroupResponse
        do {
            let coordinator = try fixture.open()
            member = await stableSingleMemberGroup(coordinator, "p1")
            #expect(await commit(coordinator, "p1", generationID: member.generationID, memberID: member.memberID,
                                 [("events", 0, 42), ("events", 1, 43)], metadata: "m") == [.none, .none])
            #expect(await commit(coordinator, "simple", generationID: -1, memberID: "", [("x", 0, 1)]) == [.none])
            #expect(await coordinator.close() == nil)
        }

        let reopened = try fixture.open()
        #expect(reopened.loadReport.groups == 2)
        #expect(reopened.loadReport.committedOffsets == 3)
        #expect(reopened.loadReport.skippedRecords == 0)
        let offsets = await fetch(reopened, "p1", nil)
        #expect(offsets.mapValues(\.committedOffset) == ["events-0": 42, "events-1": 43])
        #expect(offsets["events-0"]?.metadata == "m")
        #expect(offsets["events-0"]?.committedLeaderEpoch == 7)
        #expect(await fetch(reopened, "simple", [("x", 0)])["x-0"]?.committedOffset == 1)

        // The member carries on in the same generation, without rejoining.
        let description = await describe(reopened, "p1")
        #expect(description.groupState == "Stable")
        #expect(description.members.map(\.memberID) == [member.memberID])
        #expect(description.members.first?.memberAssignment == Array("all".utf8))
        #expect(await heartbeat(reopened, "p1", member) == .none)
        #expect(await commit(reopened, "p1", generationID: member.generationID, memberID: member.memberID,
                             [("events", 0, 44)]) == [.none])
        #expect(await sync(reopened, "p1", member).assignment == Array("all".utf8))

        // A new member makes the next generation, not generation 1 again.
        let newcomer = Task { await join(reopened, "p1", clientID: "b") }
        try await eventually { await describe(reopened, "p1").groupState == "PreparingRebalance" }
        let again = await rejoin(reopened, "p1", memberID: member.memberID)
        #expect(again.generationID == member.generationID + 1)
        #expect(await newcomer.value.generationID == member.generationID + 1)
        #expect(await reopened.close() == nil)
    }

    @Test("an emptied group keeps its generation across a restart")
    func emptyGroupGenerationSurvives() async throws {
        let fixture = GroupFixture()
        defer { fixture.cleanUp() }
        do {
            let coordinator = try fixture.open()
            let member = await stableSingleMemberGroup(coordinator, "p2")
            _ = await coordinator.leaveGroup(LeaveGroupRequest(groupID: "p2", memberID: member.memberID),
                                             context: context(.leaveGroup, version: 1))
            #expect(await coordinator.close() == nil)
        }
        let reopened = try fixture.open()
        #expect(await describe(reopened, "p2").groupState == "Empty")
        let joined = await join(reopened, "p2")
        #expect(joined.generationID == 3)  // 1: first member; 2: emptied; 3: now.
        #expect(await reopened.close() == nil)
    }

    @Test("a deleted group's offsets stay deleted after a restart")
    func deletedGroupStaysDeleted() async throws {
        let fixture = GroupFixture()
        defer { fixture.cleanUp() }
        do {
            let coordinator = try fixture.open()
            #expect(await commit(coordinator, "p3", generationID: -1, memberID: "", [("t", 0, 5)]) == [.none])
            _ = await stableSingleMemberGroup(coordinator, "p4")
            #expect(await coordinator.deleteGroup(groupID: "p4") == .nonEmptyGroup)
            #expect(await coordinator.deleteGroup(groupID: "nope") == .groupIDNotFound)
            #expect(await coordinator.deleteGroup(groupID: "p3") == .none)
            #expect(await describe(coordinator, "p3").groupState == "Dead")
            #expect(await coordinator.close() == nil)
        }
        let reopened = try fixture.open()
        #expect(await fetch(reopened, "p3", [("t", 0)])["t-0"]?.committedOffset == -1)
        #expect(await describe(reopened, "p3").groupState == "Dead")
        #expect(await reopened.close() == nil)
    }
}
