import NagareBroker
import NagareCore
import NagareWire
import Testing

@Suite("Group coordinator: transactional offsets")
struct GroupTransactionTests {
    func stage(_ coordinator: GroupCoordinator, _ groupID: String, producerID: Int64, _ offsets: [(String, Int32, Int64)]) async -> [KafkaErrorCode] {
        let topics = Dictionary(grouping: offsets, by: \.0).sorted { $0.key < $1.key }.map { entry in
            TxnOffsetCommitRequest.Topic(name: entry.key, partitions: entry.value.map { .init(partitionIndex: $0.1, committedOffset: $0.2) })
        }
        let result = await coordinator.stageTransactionalOffsets(groupID: groupID, producerID: producerID, producerEpoch: 0, offsets: topics)
        return result.flatMap { $0.partitions.map(\.errorCode) }
    }

    @Test("staged offsets are invisible until committed, dropped on abort; require_stable sees them")
    func stageCommitAbort() async throws {
        let fixture = GroupFixture()
        defer { fixture.cleanUp() }
        let coordinator = try fixture.open()
        #expect(await commit(coordinator, "t1", generationID: -1, memberID: "", [("in", 0, 10)]) == [.none])

        #expect(await stage(coordinator, "t1", producerID: 5, [("in", 0, 20)]) == [.none])
        #expect(await fetch(coordinator, "t1", [("in", 0)])["in-0"]?.committedOffset == 10)
        let stable = await fetch(coordinator, "t1", [("in", 0), ("in", 1)], requireStable: true)
        #expect(stable["in-0"]?.errorCode == .unstableOffsetCommit)
        #expect(stable["in-0"]?.committedOffset == -1)
        #expect(stable["in-1"]?.errorCode == KafkaErrorCode.none)
        #expect(await coordinator.hasPendingTransactionalOffsets(groupID: "t1", partitions: [TopicPartition("in", 0)]))
        #expect(!(await coordinator.hasPendingTransactionalOffsets(groupID: "t1", partitions: [TopicPartition("in", 1)])))

        #expect(await coordinator.completeTransaction(producerID: 5, groupIDs: ["t1"], commit: true) == .none)
        #expect(await fetch(coordinator, "t1", [("in", 0)], requireStable: true)["in-0"]?.committedOffset == 20)
        #expect(!(await coordinator.hasPendingTransactionalOffsets(groupID: "t1")))

        #expect(await stage(coordinator, "t1", producerID: 5, [("in", 0, 30)]) == [.none])
        #expect(await coordinator.completeTransaction(producerID: 5, groupIDs: ["t1"], commit: false) == .none)
        #expect(await fetch(coordinator, "t1", [("in", 0)], requireStable: true)["in-0"]?.committedOffset == 20)
        // Ending it again is harmless.
        #expect(await coordinator.completeTransaction(producerID: 5, groupIDs: ["t1"], commit: true) == .none)
        #expect(await fetch(coordinator, "t1", [("in", 0)])["in-0"]?.committedOffset == 20)
        #expect(await coordinator.close() == nil)
    }

    @Test("a plain commit written after the staging wins over the transaction's offset")
    func laterPlainCommitWins() async throws {
        let fixture = GroupFixture()
        defer { fixture.cleanUp() }
        let coordinator = try fixture.open()
        #expect(await stage(coordinator, "t2", producerID: 1, [("in", 0, 20)]) == [.none])
        #expect(await commit(coordinator, "t2", generationID: -1, memberID: "", [("in", 0, 25)]) == [.none])
        #expect(await coordinator.completeTransaction(producerID: 1, groupIDs: ["t2"], commit: true) == .none)
        #expect(await fetch(coordinator, "t2", [("in", 0)])["in-0"]?.committedOffset == 25)
        #expect(await coordinator.close() == nil)
    }

    @Test("staged offsets survive a restart and can then be committed")
    func stagedOffsetsSurviveRestart() async throws {
        let fixture = GroupFixture()
        defer { fixture.cleanUp() }
        do {
            let coordinator = try fixture.open()
            #expect(await stage(coordinator, "t3", producerID: 9, [("in", 0, 7), ("in", 1, 8)]) == [.none, .none])
            #expect(await coordinator.close() == nil)
        }
        do {
            let reopened = try fixture.open()
            #expect(reopened.loadReport.pendingTransactions == 1)
            #expect(await reopened.hasPendingTransactionalOffsets(groupID: "t3"))
            #expect(await reopened.completeTransaction(producerID: 9, groupIDs: ["t3"], commit: true) == .none)
            #expect(await reopened.close() == nil)
        }
        let third = try fixture.open()
        #expect(!(await third.hasPendingTransactionalOffsets(groupID: "t3")))
        #expect(await fetch(third, "t3", nil).mapValues(\.committedOffset) == ["in-0": 7, "in-1": 8])
        #expect(await third.close() == nil)
    }

    @Test("KIP-447 fencing: generation and member id are checked unless -1 / empty")
    func validation() async throws {
        let fixture = GroupFixture()
        defer { fixture.cleanUp() }
        let coordinator = try fixture.open()
        let member = await stableSingleMemberGroup(coordinator, "t4")
        func check(_ generation: Int32, _ memberID: String, group: String = "t4") async -> KafkaErrorCode {
            await coordinator.validateForTransactionalCommit(groupID: group, generationID: generation, memberID: memberID, groupInstanceID: nil)
        }
        #expect(await check(member.generationID, member.memberID) == .none)
        #expect(await check(-1, "") == .none)
        #expect(await check(member.generationID + 1, member.memberID) == .illegalGeneration)
        #expect(await check(member.generationID, "zombie") == .unknownMemberID)
        #expect(await check(-1, "", group: "") == .invalidGroupID)
        #expect(await check(-1, "", group: "new-group") == .none)

        // The all-in-one TxnOffsetCommit path refuses a zombie's commit.
        let zombie = await coordinator.txnOffsetCommit(
            TxnOffsetCommitRequest(transactionalID: "tx", groupID: "t4", producerID: 3, producerEpoch: 0,
                                   generationID: member.generationID - 1, memberID: member.memberID,
                                   topics: [.init(name: "in", partitions: [.init(partitionIndex: 0, committedOffset: 1)])]),
            context: context(.txnOffsetCommit, version: 3))
        #expect(zombie.topics.first?.partitions.first?.errorCode == .illegalGeneration)
        #expect(await coordinator.close() == nil)
    }
}
