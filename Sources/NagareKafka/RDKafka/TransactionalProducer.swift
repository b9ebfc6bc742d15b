import CRdKafka
public import Logging
public import NagareCore

/// A producer whose records, and consumer offsets, become visible atomically per transaction.
///
/// Errors follow librdkafka's classes (see `KafkaClientError`): after an error with
/// `requiresAbort`, call `abortTransaction` and redo the work; after `isFatal` (e.g. fenced by a
/// newer instance with the same transactional id), close this producer.
///
/// The transaction calls block on broker round trips, so they run on Dispatch threads, off
/// Swift's cooperative pool.
public final class TransactionalProducer: Sendable {
    let sender: RecordSender
    public let configuration: TransactionalProducerConfiguration

    public init(configuration: TransactionalProducerConfiguration,
                logger: Logger = Logger(label: "nagare.kafka.txn-producer")) throws {
        try configuration.validate()
        self.configuration = configuration
        let client = try RDKafkaClient(kind: .producer, properties: configuration.rdkafkaProperties,
                                       context: ClientContext(logger: logger))
        client.startPollThread(name: "nagare-txn-producer-poll")
        self.sender = RecordSender(client: client, maxInFlight: configuration.producer.maxInFlightRecords)
    }

    /// Registers with the transaction coordinator, fencing older instances with the same id and
    /// aborting (or completing) the transaction they left open.
    public func initTransactions(timeout: Duration = .seconds(60)) async throws {
        try await call("initTransactions", timeout) { rk, ms in rd_kafka_init_transactions(rk, ms) }
    }

    public func beginTransaction() throws {
        try sender.client.checkFatal()
        if let error = rd_kafka_begin_transaction(sender.client.handle) {
            throw KafkaClientError(consuming: error, context: "beginTransaction")
        }
    }

    /// Sends a record inside the current transaction and waits for its acknowledgement.
    @discardableResult
    public func send(_ record: OutgoingRecord) async throws -> DeliveryReport {
        try await sender.send(record)
    }

    /// Queues a record inside the current transaction; `commitTransaction` flushes it.
    public func produce(_ record: OutgoingRecord) async throws {
        try await sender.produce(record)
    }

    /// Loads the partitions and leaders of the topics this producer is about to write, so the
    /// first records need not wait for librdkafka's periodic metadata refresh.
    public func loadMetadata(for topics: [String], timeout: Duration = .seconds(10)) async throws {
        try await sender.loadMetadata(for: topics, timeout: timeout)
    }

    /// Queues records inside the current transaction, in order; `commitTransaction` flushes
    /// them.
    public func produce(contentsOf records: OutgoingRecordBlock) async throws {
        try await sender.produce(contentsOf: records)
    }

    /// Adds the consumer's next offsets to the transaction: they are committed for the group if
    /// and only if the transaction commits.
    public func sendOffsetsToTransaction(
        _ offsets: [PartitionOffset], groupMetadata: ConsumerGroupMetadata,
        timeout: Duration = .seconds(30)
    ) async throws {
        let list = TopicPartitionList.make(offsets)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let metadata = UncheckedSendable(list)
        try await call("sendOffsetsToTransaction", timeout) { rk, ms in
            rd_kafka_send_offsets_to_transaction(rk, metadata.value, groupMetadata.pointer, ms)
        }
    }

    /// Flushes the transaction's records and commits it.
    public func commitTransaction(timeout: Duration = .seconds(60)) async throws {
        try await call("commitTransaction", timeout) { rk, ms in rd_kafka_commit_transaction(rk, ms) }
    }

    /// Aborts the transaction; its records are never visible to read_committed consumers.
    public func abortTransaction(timeout: Duration = .seconds(60)) async throws {
        try await call("abortTransaction", timeout) { rk, ms in rd_kafka_abort_transaction(rk, ms) }
    }

    public func close() {
        sender.client.destroy()
    }

    /// For tests: makes librdkafka raise a fatal error as if the broker had sent `code`.
    public func triggerFatalErrorForTesting(code: Int32, reason: String) {
        _ = rd_kafka_test_fatal_error(sender.client.handle, rd_kafka_resp_err_t(rawValue: code), reason)
    }

    private func call(
        _ name: String, _ timeout: Duration,
        _ body: @escaping @Sendable (OpaquePointer, Int32) -> OpaquePointer?
    ) async throws {
        let client = sender.client
        let ms = milliseconds(timeout)
        try await offCooperativePool {
            if let error = body(client.handle, ms) {
                throw KafkaClientError(consuming: error, context: name)
            }
        }
    }
}

/// Moves a C pointer into a `@Sendable` closure that runs while the owner waits for it.
struct UncheckedSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
