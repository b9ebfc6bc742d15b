import NagareBroker
import NagareWire
import Testing

@Suite("Group coordinator: committed offsets")
struct GroupOffsetTests {
    @Test("commit and fetch round trip, including a null-topics fetch")
    func commitFetchRoundTrip() async throws {
        let fixture = GroupFixture()
        defer { fixture.cleanUp() }
        let coordinator = try fixture.open()
        let member = await stableSingleMemberGroup(coordinator, "o1")
        let errors = await commit(coordinator, "o1", generationID: member.generationID, memberID: member.memberID,
                                  [("events", 0, 42), ("events", 1, 7), ("other", 3, 100)], metadata: "batch-9")
        #expect(errors == [.none, .none, .none])

        let some = await fetch(coordinator, "o1", [("events", 0), ("events", 2)])
        #expect(some["events-0"]?.committedOffset == 42)
        #expect(some["events-0"]?.committedLeaderEpoch == 7)
        #expect(some["events-0"]?.metadata == "batch-9")
        #expect(some["events-2"]?.committedOffset == -1)
        #expect(some["events-2"]?.errorCode == KafkaErrorCode.none)

        let all = await fetch(coordinator, "o1", nil)
        #expect(all.mapValues(\.committedOffset) == ["events-0": 42, "events-1": 7, "other-3": 100])

        // A later commit replaces the earlier one.
        _ = await commit(coordinator, "o1", generationID: member.generationID, memberID: member.memberID, [("events", 0, 50)])
        #expect(await fetch(coordinator, "o1", [("events", 0)])["events-0"]?.committedOffset == 50)

        // An unknown group: -1 everywhere, and nothing for "all".
        #expect(await fetch(coordinator, "unknown", [("events", 0)])["events-0"]?.committedOffset == -1)
        #expect(await fetch(coordinator, "unknown", nil).isEmpty)
        #expect(await coordinator.close() == nil)
    }

    @Test("stale generations, unknown members and commits during CompletingRebalance are refused")
    func invalidCommitsRejected() async throws {
        let fixture = GroupFixture()
        defer { fixture.cleanUp() }
        let coordinator = try fixture.open()
        let member = await stableSingleMemberGroup(coordinator, "o2")
        #expect(await commit(coordinator, "o2", generationID: member.generationID - 1, memberID: member.memberID,
                             [("t", 0, 1)]) == [.illegalGeneration])
        #expect(await commit(coordinator, "o2", generationID: member.generationID, memberID: "stranger",
                             [("t", 0, 1)]) == [.unknownMemberID])
        // A simple commit while the group has members is refused as well.
        #expect(await commit(coordinator, "o2", generationID: -1, memberID: "", [("t", 0, 1)]) == [.unknownMemberID])
        #expect(await commit(coordinator, "", generationID: -1, memberID: "", [("t", 0, 1)]) == [.invalidGroupID])
        // A member of a group this coordinator does not know.
        #expect(await commit(coordinator, "o-unknown", generationID: 3, memberID: "m", [("t", 0, 1)]) == [.illegalGeneration])
        // Oversized metadata, per partition.
        let big = String(repeating: "x", count: 5000)
        #expect(await commit(coordinator, "o2", generationID: member.generationID, memberID: member.memberID,
                             [("t", 0, 1)], metadata: big) == [.offsetMetadataTooLarge])

        // The leader rejoins (wants a new assignment): CompletingRebalance refuses commits
        // until the assignment is known.
        let again = await rejoin(coordinator, "o2", memberID: member.memberID)
        #expect(again.generationID == member.generationID + 1)
        #expect(await describe(coordinator, "o2").groupState == "CompletingRebalance")
        #expect(await commit(coordinator, "o2", generationID: again.generationID, memberID: member.memberID,
                             [("t", 0, 1)]) == [.rebalanceInProgress])
        _ = await sync(coordinator, "o2", again, assignments: [again.memberID: "x"])
        #expect(await commit(coordinator, "o2", generationID: again.generationID, memberID: member.memberID,
                             [("t", 0, 1)]) == [.none])
        #expect(await coordinator.close() == nil)
    }

    @Test("commits are allowed while a rebalance is being prepared (commit before revoking)")
    func commitDuringPreparingRebalance() async throws {
        let fixture = GroupFixture()
        defer { fixture.cleanUp() }
        let coordinator = try fixture.open()
        let member = await stableSingleMemberGroup(coordinator, "o3")
        let newcomer = Task { await join(coordinator, "o3", clientID: "b") }
        try await eventually { await describe(coordinator, "o3").groupState == "PreparingRebalance" }
        #expect(await commit(coordinator, "o3", generationID: member.generationID, memberID: member.memberID,
                             [("t", 0, 9)]) == [.none])
        _ = await rejoin(coordinator, "o3", memberID: member.memberID)
        _ = await newcomer.value
        #expect(await coordinator.close() == nil)
    }

    @Test("a simple commit (generation -1, no member) is accepted for a group without members")
    func simpleCommit() async throws {
        let fixture = GroupFixture()
        defer { fixture.cleanUp() }
        let coordinator = try fixture.open()
        #expect(await commit(coordinator, "admin-tool", generationID: -1, memberID: "", [("t", 0, 5)], version: 2) == [.none])
        #expect(await fetch(coordinator, "admin-tool", [("t", 0)])["t-0"]?.committedOffset == 5)
        // v0 has no generation at all.
        #expect(await commit(coordinator, "admin-tool", generationID: 99, memberID: "x", [("t", 1, 6)], version: 0) == [.none])
        #expect(await describe(coordinator, "admin-tool").groupState == "Empty")

        // A group whose members all left is Empty again and takes simple commits.
        let member = await stableSingleMemberGroup(coordinator, "o4")
        _ = await coordinator.leaveGroup(LeaveGroupRequest(groupID: "o4", memberID: member.memberID),
                                         context: context(.leaveGroup, version: 1))
        #expect(await commit(coordinator, "o4", generationID: -1, memberID: "", [("t", 0, 1)]) == [.none])
        #expect(await coordinator.close() == nil)
    }

    @Test("OffsetFetch v1 answers errors per partition; v2+ at the group level")
    func fetchErrorsByVersion() async throws {
        let fixture = GroupFixture()
        defer { fixture.cleanUp() }
        let coordinator = try fixture.open()
        let request = OffsetFetchRequest(groupID: "", topics: [.init(name: "t", partitionIndexes: [0])])
        let v1 = await coordinator.offsetFetch(request, context: context(.offsetFetch, version: 1))
        #expect(v1.topics.first?.partitions.first?.errorCode == .invalidGroupID)
        let v5 = await coordinator.offsetFetch(request, context: context(.offsetFetch, version: 5))
        #expect(v5.errorCode == .invalidGroupID)
        #expect(await coordinator.close() == nil)
    }
}
