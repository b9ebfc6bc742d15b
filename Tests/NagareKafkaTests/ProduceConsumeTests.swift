import Foundation
import NagareCore
import Testing
@testable import NagareKafka

@Suite(.timeLimit(.minutes(2)))
struct ProduceConsumeTests {
    @Test func roundTripOnSeveralPartitions() async throws {
        let fx = try MockClusterFixture()
        defer { fx.close() }
        let topic = try fx.uniqueTopic("roundtrip", partitions: 4)
        let producer = try fx.producer()
        var reports: [DeliveryReport] = []
        for i in 0..<200 {
            let r = try await producer.send(OutgoingRecord(
                topic: topic, partition: Int32(i % 4), key: "k\(i)", value: "v\(i)"))
            reports.append(r)
        }
        // Each partition's offsets are 0, 1, 2, ... in send order.
        for p in 0..<4 {
            let offsets = reports.filter { $0.topicPartition.partition == Int32(p) }.map(\.offset.rawValue)
            #expect(offsets == Array(0..<50))
        }
        try await producer.close()

        let consumer = try fx.consumer(group: nil)
        try consumer.assign((0..<4).map { TopicPartition(topic, $0) }, from: .earliest)
        let records = try await fx.collect(consumer, count: 200)
        try await consumer.close()
        #expect(records.count == 200)
        #expect(Set(records.compactMap(\.valueString)) == Set((0..<200).map { "v\($0)" }))
        for r in records {
            let i = Int(r.valueString!.dropFirst())!
            #expect(r.topicPartition.partition == Int32(i % 4))
            #expect(r.keyString == "k\(i)")
        }
    }

    @Test func headersNullAndEmptyValuesAndTimestampsSurvive() async throws {
        let fx = try MockClusterFixture()
        defer { fx.close() }
        let topic = try fx.uniqueTopic("headers", partitions: 1)
        let producer = try fx.producer()
        try await producer.send(OutgoingRecord(
            topic: topic, key: Array("a".utf8), value: nil,
            headers: [RecordHeader(key: "reason", string: "bad json"), RecordHeader(key: "none", value: nil)],
            timestampMilliseconds: 1_700_000_000_123))
        try await producer.send(OutgoingRecord(topic: topic, key: nil, value: []))
        try await producer.close()
        let consumer = try fx.consumer(group: nil)
        try consumer.assign([TopicPartition(topic, 0)], from: .earliest)
        let records = try await fx.collect(consumer, count: 2)
        try await consumer.close()
        try #require(records.count == 2)
        #expect(records[0].value == nil)
        #expect(records[0].timestampMilliseconds == 1_700_000_000_123)
        #expect(records[0].headers == [RecordHeader(key: "reason", string: "bad json"), RecordHeader(key: "none", value: nil)])
        #expect(records[1].key == nil)
        #expect(records[1].value == [])
    }

    @Test func sameKeyAlwaysGoesToSamePartition() async throws {
        let fx = try MockClusterFixture()
        defer { fx.close() }
        let topic = try fx.uniqueTopic("keys", partitions: 6)
        let producer = try fx.producer()
        var partitionOfKey: [String: Set<Int32>] = [:]
        for round in 0..<5 {
            for k in 0..<40 {
                let r = try await producer.send(OutgoingRecord(topic: topic, key: "site-\(k)", value: "\(round)"))
                partitionOfKey["site-\(k)", default: []].insert(r.topicPartition.partition)
            }
        }
        try await producer.close()
        #expect(partitionOfKey.values.allSatisfy { $0.count == 1 })
        // 40 keys over 6 partitions: the partitioner spreads them.
        #expect(Set(partitionOfKey.values.flatMap { $0 }).count > 3)
    }

    @Test func bulkProduceAppliesBackpressureAndFlushes() async throws {
        let fx = try MockClusterFixture()
        defer { fx.close() }
        let topic = try fx.uniqueTopic("bulk", partitions: 3)
        let producer = try fx.producer(maxInFlight: 50)
        for i in 0..<5000 {
            try await producer.produce(OutgoingRecord(topic: topic, key: nil, value: "\(i)"))
            // Never more than the limit in flight.
            #expect(producer.inFlightCount <= 50)
        }
        try await producer.flush()
        #expect(producer.inFlightCount == 0)
        try await producer.close()
        let admin = try Admin(configuration: fx.client, logger: fx.logger)
        defer { admin.close() }
        var total: Int64 = 0
        for p in Int32(0)..<3 { total += try await admin.watermarks(TopicPartition(topic, p)).high.rawValue }
        #expect(total == 5000)
    }

    /// The mock cluster implements neither CreateTopics nor ListOffsets by timestamp (it answers
    /// -1), so `createTopics` and `offsets(forTimestamps:)` are exercised against Nagare's broker
    /// in the integration tests; topics here come from the mock's own API.
    @Test func adminListsTopicsAndWatermarks() async throws {
        let fx = try MockClusterFixture()
        defer { fx.close() }
        let topic = try fx.uniqueTopic("admin", partitions: 2)
        let admin = try Admin(configuration: fx.client, logger: fx.logger)
        defer { admin.close() }
        let topics = try await admin.listTopics([topic])
        #expect(topics == [TopicDescription(name: topic, partitions: [0, 1])])
        let producer = try fx.producer()
        for i in 0..<7 {
            try await producer.send(OutgoingRecord(
                topic: topic, partition: 1, key: Array("k".utf8), value: Array("\(i)".utf8),
                timestampMilliseconds: 1_000_000 + Int64(i) * 1000))
        }
        try await producer.close()
        let tp = TopicPartition(topic, 1)
        let w = try await admin.watermarks(tp)
        #expect(w.low == 0)
        #expect(w.high == 7)
        let empty = try await admin.watermarks(TopicPartition(topic, 0))
        #expect(empty.low == 0 && empty.high == 0)
    }
}
