import CRdKafka
import Dispatch
public import Logging
public import NagareCore

/// A Kafka consumer: group subscription with rebalance events, or manual assignment; records
/// are pulled in batches (`poll` or the `events` sequence), so a slow caller simply reads less
/// and librdkafka's bounded prefetch applies backpressure.
///
/// Offsets are committed only by `commit` (or by a transactional producer's
/// `sendOffsetsToTransaction`); auto-commit is off by default.
public final class Consumer: Sendable {
    let client: RDKafkaClient
    public let configuration: ConsumerConfiguration
    /// `rd_kafka_consumer_poll` must not run concurrently with itself: every poll goes through
    /// this serial queue.
    private let pollQueue = DispatchQueue(label: "nagare.consumer.poll")

    public init(configuration: ConsumerConfiguration, logger: Logger = Logger(label: "nagare.kafka.consumer")) throws {
        try configuration.validate()
        self.configuration = configuration
        let context = ClientContext(logger: logger, rebalanceListener: configuration.rebalanceListener,
                                    initialPosition: configuration.resolvesStartOnAssignment ? configuration.startFrom : nil,
                                    startsOutOfRangeOffsetsInLog: configuration.startsOutOfRangeOffsetsInLog)
        client = try RDKafkaClient(kind: .consumer, properties: configuration.rdkafkaProperties, context: context)
        // Serve logs and errors from the consumer queue, so one poll loop handles everything.
        rd_kafka_poll_set_consumer(client.handle)
    }

    /// Joins the consumer group and subscribes to `topics`; partitions arrive as `.rebalance`
    /// events from `poll`.
    public func subscribe(_ topics: [String]) throws {
        guard configuration.groupID != nil else {
            throw KafkaClientError.client("subscribe needs a consumer group (groupID)")
        }
        let list = TopicPartitionList.make(topics.map { TopicPartition($0, -1) })
        defer { rd_kafka_topic_partition_list_destroy(list) }
        client.context.state.withLock { $0.subscribed = true }
        let err = rd_kafka_subscribe(client.handle, list)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaClientError(err, "subscribe \(topics)") }
    }

    /// Reads exactly these partitions from these offsets, without group management.
    public func assign(_ offsets: [PartitionOffset]) throws {
        let list = TopicPartitionList.make(offsets)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let err = rd_kafka_assign(client.handle, list)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaClientError(err, "assign") }
    }

    /// Reads these partitions from their start or end (`from`), without group management.
    public func assign(_ partitions: [TopicPartition], from start: StartPosition) throws {
        let logical = start == .earliest ? LogicalOffset.beginning : LogicalOffset.end
        let list = TopicPartitionList.make(partitions.map { ($0, logical) })
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let err = rd_kafka_assign(client.handle, list)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaClientError(err, "assign") }
    }

    /// Moves an assigned partition's read position.
    public func seek(_ offset: PartitionOffset, timeout: Duration = .seconds(10)) async throws {
        let handle = UncheckedSendable(client.handle)
        let ms = Consumer.seekTimeoutArgument(timeout)
        try await offCooperativePool {
            let list = TopicPartitionList.make([offset])
            defer { rd_kafka_topic_partition_list_destroy(list) }
            if let error = rd_kafka_seek_partitions(handle.value, list, ms) {
                throw KafkaClientError(consuming: error, context: "seek \(offset)")
            }
            for (tp, _, err) in TopicPartitionList.offsets(in: list) where err != RD_KAFKA_RESP_ERR_NO_ERROR {
                throw KafkaClientError(err, "seek \(tp)")
            }
        }
    }

    /// The `timeout_ms` argument for `rd_kafka_seek_partitions`. librdkafka before 2.0.3 waited
    /// a thousandth of it (librdkafka #4230: milliseconds passed where microseconds were
    /// expected), so a seek of a partition whose fetcher was busy failed with `_TIMED_OUT`
    /// after 10 ms; on those versions the value is scaled up to wait as long as asked.
    static func seekTimeoutArgument(_ timeout: Duration) -> Int32 {
        let ms = milliseconds(timeout)
        guard rd_kafka_version() < 0x0200_03ff else { return ms }
        return Int32(clamping: Int64(ms) * 1000)
    }

    /// The earliest and the next-to-be-written offsets of a partition, asked of the broker.
    public func watermarks(_ tp: TopicPartition, timeout: Duration = .seconds(10)) async throws -> (low: Offset, high: Offset) {
        let handle = UncheckedSendable(client.handle)
        let ms = milliseconds(timeout)
        return try await offCooperativePool {
            var low: Int64 = 0
            var high: Int64 = 0
            let err = rd_kafka_query_watermark_offsets(handle.value, tp.topic, tp.partition, &low, &high, ms)
            if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaClientError(err, "watermarks of \(tp)") }
            return (Offset(low), Offset(high))
        }
    }

    /// Moves an assigned partition's read position to its start or end.
    public func seek(_ tp: TopicPartition, to start: StartPosition, timeout: Duration = .seconds(10)) async throws {
        let logical = start == .earliest ? LogicalOffset.beginning : LogicalOffset.end
        let handle = UncheckedSendable(client.handle)
        let ms = Consumer.seekTimeoutArgument(timeout)
        try await offCooperativePool {
            let list = TopicPartitionList.make([(tp, logical)])
            defer { rd_kafka_topic_partition_list_destroy(list) }
            if let error = rd_kafka_seek_partitions(handle.value, list, ms) {
                throw KafkaClientError(consuming: error, context: "seek \(tp) to \(start)")
            }
        }
    }

    /// Waits up to `timeout` for records or events and returns what arrived, in order: records
    /// are grouped, and a rebalance splits groups so that nothing read after it appears before it.
    public func poll(maxRecords: Int? = nil, timeout: Duration = .milliseconds(100)) async throws -> [ConsumerEvent] {
        let limit = max(1, min(maxRecords ?? configuration.maxPollRecords, configuration.maxPollRecords))
        let ms = milliseconds(timeout)
        let client = self.client
        return try await withCheckedThrowingContinuation { continuation in
            pollQueue.async {
                continuation.resume(with: Result { try Consumer.pollBlocking(client, limit: limit, timeoutMilliseconds: ms) })
            }
        }
    }

    /// How many messages one `rd_kafka_consume_batch_queue` call takes off the queue.
    static let drainChunk = 1024

    private static func pollBlocking(_ client: RDKafkaClient, limit: Int, timeoutMilliseconds: Int32) throws -> [ConsumerEvent] {
        var out: [ConsumerEvent] = []
        var records: [Record] = []
        var lastTopic: (handle: OpaquePointer, name: String)?
        func takeRebalances() {
            let events = client.context.state.withLock { s -> [RebalanceEvent] in
                defer { s.rebalanceEvents.removeAll() }
                return s.rebalanceEvents
            }
            guard !events.isEmpty else { return }
            if !records.isEmpty { out.append(.records(records)); records.removeAll() }
            out.append(contentsOf: events.map(ConsumerEvent.rebalance))
        }
        /// Converts and releases one message.
        func take(_ message: UnsafeMutablePointer<rd_kafka_message_t>) throws {
            defer { rd_kafka_message_destroy(message) }
            let m = message.pointee
            if m.err == RD_KAFKA_RESP_ERR__PARTITION_EOF {
                if !records.isEmpty { out.append(.records(records)); records.removeAll() }
                let topic = m.rkt.map { String(cString: rd_kafka_topic_name($0)) } ?? "?"
                out.append(.endOfPartition(TopicPartition(topic, m.partition), Offset(m.offset)))
                return
            }
            if m.err != RD_KAFKA_RESP_ERR_NO_ERROR {
                try client.checkFatal()
                let error = KafkaClientError(m.err, m.payload.map {
                    String(decoding: UnsafeRawBufferPointer(start: $0, count: m.len), as: UTF8.self)
                })
                // Unknown topics and offset-out-of-range are the caller's business; transient
                // broker errors are retried by librdkafka itself.
                if error.isRetriable {
                    client.context.logger.warning("consumer: \(error)")
                    return
                }
                if let rkt = m.rkt {
                    if !records.isEmpty { out.append(.records(records)); records.removeAll() }
                    out.append(.partitionError(TopicPartition(String(cString: rd_kafka_topic_name(rkt)), m.partition), error))
                    return
                }
                throw error
            }
            // Records come in runs of one topic: its name is converted once per run.
            if m.rkt != lastTopic?.handle {
                lastTopic = m.rkt.map { ($0, String(cString: rd_kafka_topic_name($0))) }
            }
            records.append(Consumer.record(from: message, topic: lastTopic?.name ?? "?"))
        }

        // Wait for the first message (or event) ...
        let first = rd_kafka_consumer_poll(client.handle, timeoutMilliseconds)
        takeRebalances()
        guard let first else {
            try client.checkFatal()
            return out
        }
        try take(first)
        // ... then drain what is already queued, many messages per call: one lock and one clock
        // reading per call rather than per message (per-message polling was ~3% of `nagare
        // run`'s CPU in librdkafka's queue and clock). A rebalance callback yields, so a drain
        // returns the messages that came before it and the event follows them.
        let queue = rd_kafka_queue_get_consumer(client.handle) ?? rd_kafka_queue_get_main(client.handle)
        defer { if let queue { rd_kafka_queue_destroy(queue) } }
        if let queue {
            var buffer = [UnsafeMutablePointer<rd_kafka_message_t>?](repeating: nil, count: Self.drainChunk)
            while records.count < limit {
                let wanted = min(Self.drainChunk, limit - records.count)
                let n = buffer.withUnsafeMutableBufferPointer {
                    rd_kafka_consume_batch_queue(queue, 0, $0.baseAddress, wanted)
                }
                takeRebalances()
                guard n > 0 else { break }
                var failure: (any Error)?
                for i in 0..<n {
                    guard let message = buffer[i] else { continue }
                    // After a failure the rest are only released.
                    if failure != nil { rd_kafka_message_destroy(message); continue }
                    do { try take(message) } catch { failure = error }
                }
                if let failure { throw failure }
            }
        }
        if !records.isEmpty { out.append(.records(records)) }
        try client.checkFatal()
        return out
    }

    static func record(from message: UnsafeMutablePointer<rd_kafka_message_t>, topic: String) -> Record {
        let m = message.pointee
        var tsType = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let ts = rd_kafka_message_timestamp(message, &tsType)
        var headers: [RecordHeader] = []
        var hdrs: OpaquePointer?
        if rd_kafka_message_headers(message, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR, let hdrs {
            var i = 0
            var name: UnsafePointer<CChar>?
            var value: UnsafeRawPointer?
            var size = 0
            while rd_kafka_header_get_all(hdrs, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR {
                headers.append(RecordHeader(
                    key: name.map { String(cString: $0) } ?? "",
                    value: value.map { Array(UnsafeRawBufferPointer(start: $0, count: size)) }))
                i += 1
            }
        }
        return Record(
            topicPartition: TopicPartition(topic, m.partition), offset: Offset(m.offset),
            timestampMilliseconds: ts,
            key: m.key.map { Array(UnsafeRawBufferPointer(start: $0, count: m.key_len)) },
            value: m.payload.map { Array(UnsafeRawBufferPointer(start: $0, count: m.len)) },
            headers: headers)
    }

    /// An endless sequence of poll results; ends when the task is cancelled, throws on errors.
    public var events: Events { Events(consumer: self) }

    public struct Events: AsyncSequence, Sendable {
        public typealias Element = [ConsumerEvent]
        let consumer: Consumer

        public struct AsyncIterator: AsyncIteratorProtocol {
            let consumer: Consumer
            public mutating func next() async throws -> [ConsumerEvent]? {
                while !Task.isCancelled {
                    let batch = try await consumer.poll(timeout: .milliseconds(200))
                    if !batch.isEmpty { return batch }
                }
                return nil
            }
        }

        public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(consumer: consumer) }
    }

    /// Commits these offsets (the next offset to read) for the group and waits for the broker.
    public func commit(_ offsets: [PartitionOffset]) async throws {
        guard !offsets.isEmpty else { return }
        let handle = UncheckedSendable(client.handle)
        try await offCooperativePool {
            let list = TopicPartitionList.make(offsets)
            defer { rd_kafka_topic_partition_list_destroy(list) }
            let err = rd_kafka_commit(handle.value, list, 0)
            if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaClientError(err, "commit") }
            for (tp, _, e) in TopicPartitionList.offsets(in: list) where e != RD_KAFKA_RESP_ERR_NO_ERROR {
                throw KafkaClientError(e, "commit \(tp)")
            }
        }
    }

    /// The group's committed offsets for these partitions (nil: none committed).
    public func committed(_ partitions: [TopicPartition], timeout: Duration = .seconds(10)) async throws -> [TopicPartition: Offset?] {
        let handle = UncheckedSendable(client.handle)
        let ms = milliseconds(timeout)
        return try await offCooperativePool {
            let list = TopicPartitionList.make(partitions)
            defer { rd_kafka_topic_partition_list_destroy(list) }
            let err = rd_kafka_committed(handle.value, list, ms)
            if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaClientError(err, "committed") }
            var result: [TopicPartition: Offset?] = [:]
            for (tp, offset, e) in TopicPartitionList.offsets(in: list) {
                if e != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaClientError(e, "committed \(tp)") }
                result[tp] = offset
            }
            return result
        }
    }

    /// The next offset this consumer will read per partition (nil: not yet known).
    public func position(_ partitions: [TopicPartition]) throws -> [TopicPartition: Offset?] {
        let list = TopicPartitionList.make(partitions)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let err = rd_kafka_position(client.handle, list)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaClientError(err, "position") }
        var result: [TopicPartition: Offset?] = [:]
        for (tp, offset, _) in TopicPartitionList.offsets(in: list) { result[tp] = offset }
        return result
    }

    /// The partitions currently assigned to this consumer.
    public func assignment() throws -> [TopicPartition] {
        var list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
        let err = rd_kafka_assignment(client.handle, &list)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaClientError(err, "assignment") }
        guard let list else { return [] }
        defer { rd_kafka_topic_partition_list_destroy(list) }
        return TopicPartitionList.partitions(in: list).sorted()
    }

    /// This member's current group metadata, for `TransactionalProducer.sendOffsetsToTransaction`.
    public func groupMetadata() throws -> ConsumerGroupMetadata {
        guard let pointer = rd_kafka_consumer_group_metadata(client.handle) else {
            throw KafkaClientError.client("this consumer has no group metadata (no groupID?)")
        }
        return ConsumerGroupMetadata(pointer: pointer)
    }

    /// Leaves the group (revoking partitions through the rebalance listener) and releases the
    /// client. Call once; the consumer is unusable afterwards.
    public func close() async throws {
        let client = self.client
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            pollQueue.async {
                let err = rd_kafka_consumer_close(client.handle)
                client.destroy()
                if err != RD_KAFKA_RESP_ERR_NO_ERROR {
                    continuation.resume(throwing: KafkaClientError(err, "close"))
                } else {
                    continuation.resume()
                }
            }
        }
    }
}
