import NagareCore
import Testing
@testable import NagareKafka

/// Transactions against librdkafka's mock cluster. The mock (librdkafka 2.0.2) runs the
/// transactional protocol (InitProducerId, AddPartitionsToTxn, AddOffsetsToTxn, TxnOffsetCommit,
/// EndTxn) but it cannot show three things, which are tested against Nagare's own broker with
/// real clients instead: it does not filter aborted records for read_committed consumers, it
/// does not store transactional offsets in the group, and it does not fence an older producer
/// when a newer one with the same transactional id initialises.
@Suite(.timeLimit(.minutes(2)))
struct TransactionTests {
    func transactionalProducer(_ fx: MockClusterFixture, id: String) throws -> TransactionalProducer {
        var config = TransactionalProducerConfiguration(transactionalID: id, client: fx.client)
        config.producer.lingerMilliseconds = 1
        config.transactionTimeoutMilliseconds = 10_000
        return try TransactionalProducer(configuration: config, logger: fx.logger)
    }

    @Test func commitsOneTransactionAndAbortsAnother() async throws {
        let fx = try MockClusterFixture()
        defer { fx.close() }
        let topic = try fx.uniqueTopic("txn", partitions: 2)
        let producer = try transactionalProducer(fx, id: "txn-\(topic)")
        defer { producer.close() }
        try await producer.initTransactions()

        try producer.beginTransaction()
        for i in 0..<10 { try await producer.produce(OutgoingRecord(topic: topic, partition: Int32(i % 2), key: nil, value: "c\(i)")) }
        try await producer.commitTransaction()

        try producer.beginTransaction()
        for i in 0..<10 { try await producer.produce(OutgoingRecord(topic: topic, partition: Int32(i % 2), key: nil, value: "a\(i)")) }
        try await producer.abortTransaction()

        // The committed records are all there (read_uncommitted, since the mock does not filter).
        let consumer = try fx.consumer(group: nil, isolation: .readUncommitted)
        try consumer.assign([TopicPartition(topic, 0), TopicPartition(topic, 1)], from: .earliest)
        let records = try await fx.collect(consumer, count: 10)
        try await consumer.close()
        #expect(Set(records.compactMap(\.valueString)).isSuperset(of: (0..<10).map { "c\($0)" }))
    }

    @Test func producesABlockInOrderWithNullsEmptiesHeadersAndTimestamps() async throws {
        let fx = try MockClusterFixture()
        defer { fx.close() }
        let topic = try fx.uniqueTopic("block", partitions: 2)
        let producer = try transactionalProducer(fx, id: "txn-\(topic)")
        defer { producer.close() }
        try await producer.initTransactions()
        var block = OutgoingRecordBlock()
        for i in 0..<200 {
            block.append(OutgoingRecord(
                topic: topic, partition: 0, key: Array("k\(i)".utf8), value: Array("v\(i)".utf8),
                timestampMilliseconds: 1_700_000_000_000 + Int64(i)))
        }
        block.append(OutgoingRecord(topic: topic, partition: 1, key: nil, value: nil))
        block.append(OutgoingRecord(topic: topic, partition: 1, key: [], value: [],
                                    headers: [RecordHeader(key: "h", string: "x")]))
        try producer.beginTransaction()
        try await producer.produce(contentsOf: block)
        try await producer.commitTransaction()

        let consumer = try fx.consumer(group: nil, isolation: .readUncommitted)
        try consumer.assign([TopicPartition(topic, 0), TopicPartition(topic, 1)], from: .earliest)
        let records = try await fx.collect(consumer, count: 202)
        try await consumer.close()
        let first = records.filter { $0.topicPartition.partition == 0 }
        #expect(first.map { $0.valueString ?? "" } == (0..<200).map { "v\($0)" })
        #expect(first.map { $0.keyString ?? "" } == (0..<200).map { "k\($0)" })
        #expect(first.map(\.timestampMilliseconds) == (0..<200).map { 1_700_000_000_000 + Int64($0) })
        let second = records.filter { $0.topicPartition.partition == 1 }
        #expect(second.count == 2)
        #expect(second.first?.key == nil && second.first?.value == nil)
        #expect(second.last?.key == [] && second.last?.value == [])
        #expect(second.last?.headers == [RecordHeader(key: "h", string: "x")])
    }

    @Test func sendOffsetsToTransactionIsAcceptedWithGroupMetadata() async throws {
        let fx = try MockClusterFixture()
        defer { fx.close() }
        let input = try fx.uniqueTopic("in", partitions: 1)
        let output = try fx.uniqueTopic("out", partitions: 1)
        let group = "copy-\(input)"
        let plain = try fx.producer()
        for i in 0..<10 { try await plain.send(OutgoingRecord(topic: input, key: nil, value: "\(i)")) }
        try await plain.close()

        let consumer = try fx.consumer(group: group)
        try consumer.subscribe([input])
        let records = try await fx.collect(consumer, count: 10)
        #expect(records.count == 10)

        let producer = try transactionalProducer(fx, id: "copy-\(input)")
        defer { producer.close() }
        try await producer.initTransactions()
        try producer.beginTransaction()
        for r in records { try await producer.produce(OutgoingRecord(topic: output, key: nil, value: r.value)) }
        let tp = TopicPartition(input, 0)
        try await producer.sendOffsetsToTransaction([PartitionOffset(tp, 10)], groupMetadata: try consumer.groupMetadata())
        try await producer.commitTransaction()

        try await consumer.close()
        // The copied records are in the output topic.
        let reader = try fx.consumer(group: nil, isolation: .readUncommitted)
        try reader.assign([TopicPartition(output, 0)], from: .earliest)
        let copied = try await fx.collect(reader, count: 10)
        try await reader.close()
        #expect(copied.map(\.value) == records.map(\.value))
    }

    @Test func aFatalErrorIsSurfacedAsFatal() async throws {
        let fx = try MockClusterFixture()
        defer { fx.close() }
        let topic = try fx.uniqueTopic("fatal", partitions: 1)
        let producer = try fx.producer()
        try await producer.send(OutgoingRecord(topic: topic, key: nil, value: "before"))
        // As if the broker had said this producer is fenced.
        producer.triggerFatalErrorForTesting(code: 47, reason: "test: producer epoch fenced")
        // librdkafka reports the fatal error through its error callback, served by the poll thread.
        var error: KafkaClientError?
        let end = ContinuousClock.now + .seconds(10)
        while error == nil && ContinuousClock.now < end {
            do {
                try await producer.send(OutgoingRecord(topic: topic, key: nil, value: "after"))
                try await Task.sleep(for: .milliseconds(50))
            } catch let e as KafkaClientError {
                error = e
            }
        }
        let surfaced = try #require(error)
        #expect(surfaced.isFatal)
        #expect(surfaced.isFenced)
        #expect(surfaced.description.contains("fatal"))
        try? await producer.close(timeout: .seconds(1))
    }
}
