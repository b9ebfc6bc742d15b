import Foundation
import NagareCore
import NagareKafka

/// The broker alone: produce and consume messages/s with Nagare's own clients (librdkafka).
///
/// Back of the envelope: 1,000,000 messages of 100 B are ~130 MB on the wire with record and
/// batch overhead; loopback moves GB/s and the page cache absorbs the writes, so the limit is
/// CPU: the producer's batching on one core and the broker's CRC check, offset rewrite and
/// append on the other, ~2-4 µs per message: 250,000-500,000 messages/s. acks=all adds group
/// commit fsyncs (~1 ms each, shared by all requests waiting) that cost little throughput.
/// Consuming is a read of the log in large fetches, several times faster.
struct BrokerBench {
    let brokers: String
    let messages: Int
    let messageBytes: Int

    func run() async throws -> BenchReport.Broker {
        let topic = "bench.broker"
        try await BenchKafka.createTopics([topic], brokers: brokers)
        let value = String(repeating: "x", count: messageBytes)
        let producer = try BenchKafka.producer(brokers: brokers)
        let produceStart = ContinuousClock.now
        for i in 0..<messages {
            try await producer.produce(OutgoingRecord(topic: topic, partition: Int32(i % Int(BenchKafka.partitions)), key: nil, value: value))
        }
        try await producer.close(timeout: .seconds(300))
        let produceSeconds = (ContinuousClock.now - produceStart).benchSeconds
        _ = try await BenchKafka.endOffsets(topic, atLeast: messages, brokers: brokers)

        var configuration = ConsumerConfiguration(client: try ClientConfiguration(brokers: brokers), groupID: nil)
        configuration.isolationLevel = .readUncommitted
        let consumer = try Consumer(configuration: configuration)
        try consumer.assign(BenchKafka.partitionsOf(topic), from: .earliest)
        // The clock starts at the first records, so that the consumer's connection set-up and
        // first fetch round trip are not charged to the broker's streaming rate.
        var consumeStart: ContinuousClock.Instant?
        var counted = 0
        var received = 0
        let deadline = ContinuousClock.now + .seconds(300)
        while received < messages {
            if ContinuousClock.now >= deadline {
                throw BenchError("broker: consumed \(received) of \(messages) messages in 300 s")
            }
            for event in try await consumer.poll(timeout: .milliseconds(100)) {
                guard case .records(let records) = event else { continue }
                received += records.count
                if consumeStart == nil { consumeStart = ContinuousClock.now } else { counted += records.count }
            }
        }
        let consumeSeconds = (ContinuousClock.now - consumeStart!).benchSeconds
        try? await consumer.close()
        let megabytes = Double(messages * messageBytes) / 1e6
        return BenchReport.Broker(
            messages: messages, messageBytes: messageBytes,
            produceMessagesPerSecond: Double(messages) / produceSeconds, produceMegabytesPerSecond: megabytes / produceSeconds,
            consumeMessagesPerSecond: Double(counted) / consumeSeconds,
            consumeMegabytesPerSecond: Double(counted * messageBytes) / 1e6 / consumeSeconds)
    }
}

extension Duration {
    /// The duration in seconds, for rates.
    var benchSeconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
