import NagareCore
import Synchronization
import Testing
@testable import NagareKafka

@Suite(.timeLimit(.minutes(2)))
struct ConsumerGroupTests {
    /// Polls both consumers until `done` holds for their assignments.
    func pollUntil(_ consumers: [Consumer], within deadline: Duration = .seconds(40),
                   _ done: ([[TopicPartition]]) throws -> Bool) async throws -> [[TopicPartition]] {
        let end = ContinuousClock.now + deadline
        while ContinuousClock.now < end {
            for c in consumers { _ = try await c.poll(timeout: .milliseconds(50)) }
            let assignments = try consumers.map { try $0.assignment() }
            if try done(assignments) { return assignments }
        }
        return try consumers.map { try $0.assignment() }
    }

    @Test func rebalanceSharesPartitionsBetweenTwoConsumers() async throws {
        let fx = try MockClusterFixture()
        defer { fx.close() }
        let topic = try fx.uniqueTopic("group", partitions: 4)
        let group = "g-\(UInt32.random(in: 0...UInt32.max))"
        let all = Set((0..<4).map { TopicPartition(topic, Int32($0)) })

        let events = Mutex<[RebalanceEvent]>([])
        let first = try fx.consumer(group: group, listener: { e in events.withLock { $0.append(e) } })
        try first.subscribe([topic])
        let alone = try await pollUntil([first]) { Set($0[0]) == all }
        #expect(Set(alone[0]) == all)

        let second = try fx.consumer(group: group)
        try second.subscribe([topic])
        let shared = try await pollUntil([first, second]) { a in
            !a[0].isEmpty && !a[1].isEmpty && Set(a[0]).union(a[1]) == all && Set(a[0]).isDisjoint(with: a[1])
        }
        #expect(Set(shared[0]).union(shared[1]) == all)
        #expect(Set(shared[0]).isDisjoint(with: shared[1]))
        #expect(shared[0].count == 2 && shared[1].count == 2)
        // Cooperative rebalancing: the first member gave up partitions without losing the rest.
        let seen = events.withLock { $0 }
        #expect(seen.contains { if case .revoked(let p) = $0 { return p.count == 2 } else { return false } })

        // When the second member leaves, the first takes everything back.
        try await second.close()
        let back = try await pollUntil([first]) { Set($0[0]) == all }
        #expect(Set(back[0]) == all)
        try await first.close()
    }

    @Test func committedOffsetsSurviveAConsumerRestart() async throws {
        let fx = try MockClusterFixture()
        defer { fx.close() }
        let topic = try fx.uniqueTopic("resume", partitions: 2)
        let group = "g-\(UInt32.random(in: 0...UInt32.max))"
        let producer = try fx.producer()
        for i in 0..<100 { try await producer.send(OutgoingRecord(topic: topic, partition: Int32(i % 2), key: nil, value: "\(i)")) }
        try await producer.close()

        // First run: read everything, commit only the first 30 of each partition.
        let c1 = try fx.consumer(group: group)
        try c1.subscribe([topic])
        let firstRun = try await fx.collect(c1, count: 100)
        #expect(firstRun.count == 100)
        let commits = [PartitionOffset(TopicPartition(topic, 0), 30), PartitionOffset(TopicPartition(topic, 1), 30)]
        try await c1.commit(commits)
        let committed = try await c1.committed([TopicPartition(topic, 0), TopicPartition(topic, 1)])
        #expect(committed[TopicPartition(topic, 0)] == Offset(30))
        #expect(committed[TopicPartition(topic, 1)] == Offset(30))
        try await c1.close()
        // An admin client sees the same committed offsets, as lag tools would.
        let admin = try Admin(configuration: fx.client, logger: fx.logger)
        let groupOffsets = try await admin.groupOffsets(group, partitions: [TopicPartition(topic, 0), TopicPartition(topic, 1)])
        admin.close()
        #expect(groupOffsets == [TopicPartition(topic, 0): 30, TopicPartition(topic, 1): 30])

        // Second run resumes exactly at the committed offsets: 20 records left per partition.
        let c2 = try fx.consumer(group: group)
        try c2.subscribe([topic])
        let secondRun = try await fx.collect(c2, count: 40)
        try await c2.close()
        #expect(secondRun.count == 40)
        #expect(secondRun.allSatisfy { $0.offset.rawValue >= 30 })
        let expected = Set((0..<100).filter { ($0 / 2) >= 30 }.map { "\($0)" })
        #expect(Set(secondRun.compactMap(\.valueString)) == expected)
    }

    @Test func seekMovesTheReadPosition() async throws {
        let fx = try MockClusterFixture()
        defer { fx.close() }
        let topic = try fx.uniqueTopic("seek", partitions: 1)
        let producer = try fx.producer()
        for i in 0..<20 { try await producer.send(OutgoingRecord(topic: topic, key: nil, value: "\(i)")) }
        try await producer.close()
        let consumer = try fx.consumer(group: nil)
        let tp = TopicPartition(topic, 0)
        try consumer.assign([PartitionOffset(tp, 15)])
        let tail = try await fx.collect(consumer, count: 5)
        #expect(tail.map(\.offset.rawValue) == [15, 16, 17, 18, 19])
        try await consumer.seek(PartitionOffset(tp, 3))
        let again = try await fx.collect(consumer, count: 2)
        #expect(again.first?.offset == Offset(3))
        #expect(try consumer.position([tp])[tp] == Offset(again.last!.offset.rawValue + 1))
        try await consumer.close()
    }
}
