import CRdKafka
public import Logging
public import NagareCore

/// An idempotent (by default) Kafka producer.
///
/// `send` waits for the broker's acknowledgement and returns where the record landed;
/// `produce` only waits for room under `maxInFlightRecords` and leaves failures to `flush`,
/// which is the fast path for bulk loads.
public final class Producer: Sendable {
    let sender: RecordSender
    public let configuration: ProducerConfiguration

    public init(configuration: ProducerConfiguration, logger: Logger = Logger(label: "nagare.kafka.producer")) throws {
        try configuration.validate()
        self.configuration = configuration
        let client = try RDKafkaClient(kind: .producer, properties: configuration.rdkafkaProperties,
                                       context: ClientContext(logger: logger))
        client.startPollThread(name: "nagare-producer-poll")
        self.sender = RecordSender(client: client, maxInFlight: configuration.maxInFlightRecords)
    }

    /// Sends one record and waits until the broker has acknowledged it.
    @discardableResult
    public func send(_ record: OutgoingRecord) async throws -> DeliveryReport {
        try await sender.send(record)
    }

    /// Loads the partitions and leaders of the topics this producer is about to write, so the
    /// first records need not wait for librdkafka's periodic metadata refresh.
    public func loadMetadata(for topics: [String], timeout: Duration = .seconds(10)) async throws {
        try await sender.loadMetadata(for: topics, timeout: timeout)
    }

    /// Queues one record; waits only while `maxInFlightRecords` are unacknowledged.
    public func produce(_ record: OutgoingRecord) async throws {
        try await sender.produce(record)
    }

    /// Waits for every queued record; throws the first delivery failure since the last flush.
    public func flush(timeout: Duration = .seconds(30)) async throws {
        try await sender.flush(timeout: timeout)
    }

    /// Records handed to librdkafka and not yet acknowledged.
    public var inFlightCount: Int { sender.limiter.inFlight }

    /// Flushes what is queued (up to `timeout`) and releases the client.
    public func close(timeout: Duration = .seconds(30)) async throws {
        defer { sender.client.destroy() }
        try await sender.flush(timeout: timeout)
    }

    /// For tests: makes librdkafka raise a fatal error as if the broker had sent `code`.
    public func triggerFatalErrorForTesting(code: Int32, reason: String) {
        _ = rd_kafka_test_fatal_error(sender.client.handle, rd_kafka_resp_err_t(rawValue: code), reason)
    }
}
