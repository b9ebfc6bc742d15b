import NagareBroker
import NagareWire
import Testing

@Suite("Group coordinator: membership and rebalances")
struct GroupMembershipTests {
    @Test("one member joins (MEMBER_ID_REQUIRED dance at v5) and syncs")
    func oneMemberJoinsAndSyncs() async throws {
        let fixture = GroupFixture()
        defer { fixture.cleanUp() }
        let coordinator = try fixture.open()

        let first = await coordinator.joinGroup(joinRequest("g1"), context: context(.joinGroup, version: 5, clientID: "app"))
        #expect(first.errorCode == .memberIDRequired)
        #expect(first.memberID.hasPrefix("app-"))
        #expect(first.generationID == -1)

        let joined = await coordinator.joinGroup(joinRequest("g1", memberID: first.memberID),
                                                 context: context(.joinGroup, version: 5, clientID: "app"))
        #expect(joined.errorCode == .none)
        #expect(joined.memberID == first.memberID)
        #expect(joined.generationID == 1)
        #expect(joined.leader == joined.memberID)
        #expect(joined.protocolName == "range")
        #expect(joined.members.map(\.memberID) == [joined.memberID])
        #expect(joined.members.first?.metadata == rangeProtocol.metadata)

        let synced = await sync(coordinator, "g1", joined, assignments: [joined.memberID: "p0,p1"])
        #expect(synced.errorCode == .none)
        #expect(synced.assignment == Array("p0,p1".utf8))
        #expect(await heartbeat(coordinator, "g1", joined) == .none)

        let description = await describe(coordinator, "g1")
        #expect(description.groupState == "Stable")
        #expect(description.protocolType == "consumer")
        #expect(description.protocolData == "range")
        #expect(description.members.first?.clientID == "app")
        #expect(description.members.first?.clientHost == "/127.0.0.1")
        #expect(description.members.first?.memberAssignment == Array("p0,p1".utf8))
        #expect(await coordinator.close() == nil)
    }

    @Test("old versions (v0–3) get a member id assigned directly")
    func oldVersionGetsIDDirectly() async throws {
        let fixture = GroupFixture()
        defer { fixture.cleanUp() }
        let coordinator = try fixture.open()
        let joined = await coordinator.joinGroup(joinRequest("g"), context: context(.joinGroup, version: 3))
        #expect(joined.errorCode == .none)
        #expect(!joined.memberID.isEmpty)
        #expect(joined.generationID == 1)
        #expect(await coordinator.close() == nil)
    }

    @Test("two members join concurrently: one leader, same generation, assignments via sync")
    func twoMembersJoinConcurrently() async throws {
        let fixture = GroupFixture()
        defer { fixture.cleanUp() }
        let coordinator = try fixture.open()

        let joined = await joinTogether(coordinator, "g2", clients: ["a", "b"])
        let (joinedA, joinedB) = (joined[0], joined[1])
        #expect(joinedA.errorCode == .none && joinedB.errorCode == .none)
        #expect(joinedA.generationID == joinedB.generationID)
        #expect(joinedA.leader == joinedB.leader)
        let (leader, follower) = joinedA.leader == joinedA.memberID ? (joinedA, joinedB) : (joinedB, joinedA)
        #expect(Set(leader.members.map(\.memberID)) == [joinedA.memberID, joinedB.memberID])
        #expect(follower.members.isEmpty)

        // The follower's SyncGroup waits for the leader's.
        let followerSync = Task { await sync(coordinator, "g2", follower) }
        try await Task.sleep(for: .milliseconds(20))
        let leaderSync = await sync(coordinator, "g2", leader,
                                    assignments: [leader.memberID: "L", follower.memberID: "F"])
        #expect(leaderSync.errorCode == .none)
        #expect(leaderSync.assignment == Array("L".utf8))
        let followerResult = await followerSync.value
        #expect(followerResult.errorCode == .none)
        #expect(followerResult.assignment == Array("F".utf8))
        #expect(await describe(coordinator, "g2").groupState == "Stable")
        #expect(await coordinator.close() == nil)
    }

    @Test("a third member joins: others are told REBALANCE_IN_PROGRESS, rejoin, new generation")
    func thirdMemberTriggersRebalance() async throws {
        let fixture = GroupFixture()
        defer { fixture.cleanUp() }
        let coordinator = try fixture.open()
        let (joinedA, joinedB) = await stableTwoMemberGroup(coordinator, "g3")
        #expect(await describe(coordinator, "g3").groupState == "Stable")

        let third = Task { await join(coordinator, "g3", clientID: "c") }
        try await eventually { await describe(coordinator, "g3").groupState == "PreparingRebalance" }
        #expect(await heartbeat(coordinator, "g3", joinedA) == .rebalanceInProgress)
        #expect(await heartbeat(coordinator, "g3", joinedB) == .rebalanceInProgress)
        // A SyncGroup of the old generation during the rebalance is refused too.
        #expect(await sync(coordinator, "g3", joinedA).errorCode == .rebalanceInProgress)

        async let rejoinA = rejoin(coordinator, "g3", memberID: joinedA.memberID)
        async let rejoinB = rejoin(coordinator, "g3", memberID: joinedB.memberID)
        let (newA, newB, joinedC) = await (rejoinA, rejoinB, third.value)
        #expect([newA, newB, joinedC].allSatisfy { $0.errorCode == .none && $0.generationID == 2 })
        #expect(Set([newA, newB, joinedC].map(\.leader)).count == 1)
        let newLeader = [newA, newB, joinedC].first { $0.memberID == $0.leader }
        #expect(newLeader?.members.count == 3)
        // The old generation is now stale.
        #expect(await heartbeat(coordinator, "g3", joinedA) == .illegalGeneration)
        #expect(await coordinator.close() == nil)
    }

    @Test("a member leaves: the rest rebalance")
    func memberLeaves() async throws {
        let fixture = GroupFixture()
        defer { fixture.cleanUp() }
        let coordinator = try fixture.open()
        let (joinedA, joinedB) = await stableTwoMemberGroup(coordinator, "g4")

        let left = await coordinator.leaveGroup(
            LeaveGroupRequest(groupID: "g4", members: [.init(memberID: joinedB.memberID), .init(memberID: "nobody")]),
            context: context(.leaveGroup, version: 4))
        #expect(left.errorCode == .none)
        #expect(left.members.map(\.errorCode) == [.none, .unknownMemberID])
        #expect(await describe(coordinator, "g4").groupState == "PreparingRebalance")
        #expect(await heartbeat(coordinator, "g4", joinedA) == .rebalanceInProgress)

        let again = await rejoin(coordinator, "g4", memberID: joinedA.memberID)
        #expect(again.errorCode == .none)
        #expect(again.generationID == joinedA.generationID + 1)
        #expect(again.leader == joinedA.memberID)
        #expect(again.members.map(\.memberID) == [joinedA.memberID])

        // v0: one member id, the error at the top level.
        let v0 = await coordinator.leaveGroup(LeaveGroupRequest(groupID: "g4", memberID: joinedB.memberID),
                                              context: context(.leaveGroup, version: 0))
        #expect(v0.errorCode == .unknownMemberID)
        let last = await coordinator.leaveGroup(LeaveGroupRequest(groupID: "g4", memberID: joinedA.memberID),
                                                context: context(.leaveGroup, version: 1))
        #expect(last.errorCode == .none)
        #expect(await describe(coordinator, "g4").groupState == "Empty")
        #expect(await coordinator.close() == nil)
    }

    @Test("a member that stops heartbeating is expired and removed")
    func expiredMemberIsRemoved() async throws {
        let fixture = GroupFixture()
        defer { fixture.cleanUp() }
        let coordinator = try fixture.open()
        let (joinedA, joinedB) = await stableTwoMemberGroup(coordinator, "g5", sessionMilliseconds: 6000)

        fixture.clock.advance(by: .seconds(4))
        #expect(await heartbeat(coordinator, "g5", joinedA) == .none)
        fixture.clock.advance(by: .seconds(3))  // B silent for 7 s > 6 s; A for 3 s.
        await coordinator.expireDeadlines()
        let description = await describe(coordinator, "g5")
        #expect(description.groupState == "PreparingRebalance")
        #expect(description.members.map(\.memberID) == [joinedA.memberID])
        #expect(await heartbeat(coordinator, "g5", joinedB) == .unknownMemberID)

        let again = await rejoin(coordinator, "g5", memberID: joinedA.memberID)
        #expect(again.generationID == 2)
        #expect(again.members.map(\.memberID) == [joinedA.memberID])

        // Nobody heartbeats any more (the rejoin asked for a 10 s session): the group ends up
        // empty.
        fixture.clock.advance(by: .seconds(11))
        await coordinator.expireDeadlines()
        #expect(await describe(coordinator, "g5").groupState == "Empty")
        #expect(await coordinator.close() == nil)
    }

    @Test("members that do not rejoin by the rebalance timeout are dropped")
    func rebalanceTimeoutDropsSlowMembers() async throws {
        let fixture = GroupFixture()
        defer { fixture.cleanUp() }
        let coordinator = try fixture.open()
        let joinedA = await stableSingleMemberGroup(coordinator, "g6")
        let newcomer = Task { await join(coordinator, "g6", clientID: "b") }
        try await eventually { await describe(coordinator, "g6").groupState == "PreparingRebalance" }
        // A keeps heartbeating but never rejoins; after its rebalance timeout (5 s) the
        // rebalance completes without it.
        fixture.clock.advance(by: .seconds(3))
        #expect(await heartbeat(coordinator, "g6", joinedA) == .rebalanceInProgress)
        fixture.clock.advance(by: .seconds(3))
        await coordinator.expireDeadlines()
        let joinedB = await newcomer.value
        #expect(joinedB.errorCode == .none)
        #expect(joinedB.generationID == 2)
        #expect(joinedB.members.map(\.memberID) == [joinedB.memberID])
        #expect(await heartbeat(coordinator, "g6", joinedA) == .unknownMemberID)
        #expect(await coordinator.close() == nil)
    }

    @Test("the first rebalance of an empty group waits the initial delay for more members")
    func initialRebalanceDelay() async throws {
        let fixture = GroupFixture(initialRebalanceDelayMilliseconds: 3000)
        defer { fixture.cleanUp() }
        let coordinator = try fixture.open()
        let a = Task { await coordinator.joinGroup(joinRequest("g7"), context: context(.joinGroup, version: 3)) }
        try await eventually { await describe(coordinator, "g7").members.count == 1 }
        let b = Task { await coordinator.joinGroup(joinRequest("g7"), context: context(.joinGroup, version: 3)) }
        try await eventually { await describe(coordinator, "g7").members.count == 2 }
        await coordinator.expireDeadlines()
        #expect(await describe(coordinator, "g7").groupState == "PreparingRebalance")
        fixture.clock.advance(by: .seconds(4))
        await coordinator.expireDeadlines()
        let (joinedA, joinedB) = await (a.value, b.value)
        #expect(joinedA.generationID == 1 && joinedB.generationID == 1)
        #expect(joinedA.leader == joinedB.leader)
        #expect(await coordinator.close() == nil)
    }

    @Test("a pending member (MEMBER_ID_REQUIRED, never rejoined) leaving does not rebalance a Stable group")
    func pendingMemberLeaves() async throws {
        let fixture = GroupFixture()
        defer { fixture.cleanUp() }
        let coordinator = try fixture.open()
        let member = await stableSingleMemberGroup(coordinator, "gl")
        let pending = await coordinator.joinGroup(joinRequest("gl"), context: context(.joinGroup, version: 5))
        #expect(pending.errorCode == .memberIDRequired)
        let left = await coordinator.leaveGroup(
            LeaveGroupRequest(groupID: "gl", members: [.init(memberID: pending.memberID)]), context: context(.leaveGroup, version: 3))
        #expect(left.members.map(\.errorCode) == [.none])
        #expect(await describe(coordinator, "gl").groupState == "Stable")
        #expect(await heartbeat(coordinator, "gl", member) == .none)
        #expect(await coordinator.close() == nil)
    }

    @Test("run() completes rebalances and expires sessions on its own (real clock)")
    func runLoopDrivesDeadlines() async throws {
        var fixture = GroupFixture(initialRebalanceDelayMilliseconds: 50)
        fixture.configuration.sweepIntervalMilliseconds = 10
        defer { fixture.cleanUp() }
        let coordinator = try GroupCoordinator(configuration: fixture.configuration)
        let sweeper = Task { await coordinator.run() }
        // The initial delay holds the join back; the sweep releases it without the test's help.
        let joined = await coordinator.joinGroup(joinRequest("gr"), context: context(.joinGroup, version: 3))
        #expect(joined.errorCode == .none)
        #expect(joined.generationID == 1)
        sweeper.cancel()
        await sweeper.value
        #expect(await coordinator.close() == nil)
    }

    @Test("bad input gets Kafka's error codes")
    func invalidRequests() async throws {
        var fixture = GroupFixture()
        fixture.configuration.groupMembersMax = 1
        defer { fixture.cleanUp() }
        let coordinator = try fixture.open()
        let v5 = context(.joinGroup, version: 5)
        #expect(await coordinator.joinGroup(joinRequest(""), context: v5).errorCode == .invalidGroupID)
        #expect(await coordinator.joinGroup(joinRequest("g", sessionMilliseconds: 10), context: v5).errorCode == .invalidSessionTimeout)
        #expect(await coordinator.joinGroup(joinRequest("g", protocols: []), context: v5).errorCode == .inconsistentGroupProtocol)
        #expect(await coordinator.joinGroup(joinRequest("g", memberID: "ghost"), context: v5).errorCode == .unknownMemberID)
        _ = await stableSingleMemberGroup(coordinator, "g")
        var other = joinRequest("g", protocols: [.init(name: "roundrobin", metadata: [])])
        #expect(await coordinator.joinGroup(other, context: v5).errorCode == .inconsistentGroupProtocol)
        other.protocolType = "connect"
        #expect(await coordinator.joinGroup(other, context: v5).errorCode == .inconsistentGroupProtocol)
        #expect(await coordinator.joinGroup(joinRequest("g"), context: v5).errorCode == .groupMaxSizeReached)
        #expect(await coordinator.heartbeat(HeartbeatRequest(groupID: "nope", generationID: 1, memberID: "m"),
                                            context: context(.heartbeat, version: 4)).errorCode == .unknownMemberID)
        #expect(await coordinator.syncGroup(SyncGroupRequest(groupID: "", generationID: 1, memberID: "m"),
                                            context: context(.syncGroup, version: 4)).errorCode == .invalidGroupID)
        #expect(await coordinator.close() == nil)
        #expect(await coordinator.joinGroup(joinRequest("g"), context: v5).errorCode == .coordinatorNotAvailable)
    }

    @Test("protocol choice follows the members' preferences")
    func protocolSelection() async throws {
        let fixture = GroupFixture()
        defer { fixture.cleanUp() }
        let coordinator = try fixture.open()
        let sticky = JoinGroupRequest.GroupProtocol(name: "sticky", metadata: [1])
        let range = JoinGroupRequest.GroupProtocol(name: "range", metadata: [2])
        let roundrobin = JoinGroupRequest.GroupProtocol(name: "roundrobin", metadata: [3])
        let joined = await joinTogether(coordinator, "gp", clients: ["a", "b"],
                                        protocols: [[sticky, range], [range, roundrobin]])
        // Only "range" is shared, whatever the members' order of preference.
        #expect(joined.map(\.protocolName) == ["range", "range"])
        let all = await joinTogether(coordinator, "gq", clients: ["a", "b", "c"],
                                     protocols: [[sticky, range], [range, sticky], [range, sticky]])
        // Both are shared; two of three members prefer "range".
        #expect(all.map(\.protocolName) == ["range", "range", "range"])
        #expect(await coordinator.close() == nil)
    }

    @Test("a static member rejoining with a new member id replaces the old one without a rebalance")
    func staticMemberRejoin() async throws {
        let fixture = GroupFixture()
        defer { fixture.cleanUp() }
        let coordinator = try fixture.open()
        let v5 = context(.joinGroup, version: 5)
        // Static members skip MEMBER_ID_REQUIRED.
        let first = await coordinator.joinGroup(joinRequest("gs", instanceID: "pod-1"), context: v5)
        #expect(first.errorCode == .none)
        #expect(first.generationID == 1)
        _ = await sync(coordinator, "gs", first, assignments: [first.memberID: "mine"])

        let restarted = await coordinator.joinGroup(joinRequest("gs", instanceID: "pod-1"), context: v5)
        #expect(restarted.errorCode == .none)
        #expect(restarted.memberID != first.memberID)
        #expect(restarted.generationID == 1)
        #expect(await describe(coordinator, "gs").groupState == "Stable")
        let synced = await sync(coordinator, "gs", restarted)
        #expect(synced.assignment == Array("mine".utf8))

        // The old incarnation is fenced.
        let zombie = await coordinator.heartbeat(
            HeartbeatRequest(groupID: "gs", generationID: 1, memberID: first.memberID, groupInstanceID: "pod-1"),
            context: context(.heartbeat, version: 4))
        #expect(zombie.errorCode == .fencedInstanceID)
        let leave = await coordinator.leaveGroup(
            LeaveGroupRequest(groupID: "gs", members: [.init(memberID: "", groupInstanceID: "pod-1")]),
            context: context(.leaveGroup, version: 3))
        #expect(leave.members.map(\.errorCode) == [.none])
        #expect(await describe(coordinator, "gs").groupState == "Empty")
        #expect(await coordinator.close() == nil)
    }
}
