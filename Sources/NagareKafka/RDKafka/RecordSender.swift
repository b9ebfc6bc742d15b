import CRdKafka
import Logging
import NagareCore
import Synchronization

/// The produce path shared by `Producer` and `TransactionalProducer`: enqueue a record into
/// librdkafka with a delivery handler, bounded by an in-flight limit.
final class RecordSender: Sendable {
    let client: RDKafkaClient
    let limiter: InFlightLimiter

    init(client: RDKafkaClient, maxInFlight: Int) {
        self.client = client
        let limiter = InFlightLimiter(maximum: maxInFlight)
        self.limiter = limiter
        client.context.bulkDelivery.attach(limiter)
    }

    /// Sends and waits for the broker's acknowledgement.
    func send(_ record: OutgoingRecord) async throws -> DeliveryReport {
        try client.checkFatal()
        await limiter.acquire()
        return try await withCheckedThrowingContinuation { continuation in
            do {
                try enqueue(record) { result in continuation.resume(with: result) }
            } catch {
                continuation.resume(throwing: error)
            }
        }
    }

    /// Queues the record, waiting only for an in-flight slot; a failed delivery is reported by
    /// the next `flush`. No per-record handler is registered: the report goes to the client's
    /// bulk delivery handler, which releases the slot and keeps the first failure.
    func produce(_ record: OutgoingRecord) async throws {
        try client.checkFatal()
        await limiter.acquire()
        try enqueue(record, id: ClientContext.bulkDeliveryID)
    }

    /// `produce` for each record in order, taking in-flight slots a run at a time.
    func produce(contentsOf records: [OutgoingRecord]) async throws {
        try client.checkFatal()
        var next = 0
        while next < records.count {
            let slots = await limiter.acquire(upTo: records.count - next)
            let start = next
            // Through the buffer, so that no record is copied (retained) on the way.
            let failure: KafkaClientError? = records.withUnsafeBufferPointer { buffer in
                // Records come in runs of one topic: its handle is looked up once per run.
                var topic: (name: String, handle: OpaquePointer?)?
                for i in start..<start + slots {
                    if topic?.name != buffer[i].topic {
                        topic = (buffer[i].topic, client.topicHandle(buffer[i].topic))
                    }
                    do throws(KafkaClientError) {
                        try enqueue(buffer[i], id: ClientContext.bulkDeliveryID, topic: topic?.handle)
                    } catch {
                        // Slots taken for the records after the failed one go back unused.
                        for _ in i + 1..<start + slots { limiter.release() }
                        return error
                    }
                }
                return nil
            }
            if let failure { throw failure }
            next = start + slots
        }
    }

    /// Loads the topics' partitions and leaders now (`RDKafkaClient.loadMetadata`).
    func loadMetadata(for topics: [String], timeout: Duration) async throws {
        let client = self.client
        let ms = milliseconds(timeout)
        try await offCooperativePool { try client.loadMetadata(topics: topics, timeoutMilliseconds: ms) }
    }

    /// Waits until every queued record is acknowledged or failed; throws the first failure.
    func flush(timeout: Duration) async throws {
        let ms = milliseconds(timeout)
        let client = self.client
        let err = try await offCooperativePool { rd_kafka_flush(client.handle, ms) }
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw KafkaClientError(err, "flush: \(rd_kafka_outq_len(client.handle)) records still queued")
        }
        try client.checkFatal()
        let (failure, count) = client.context.bulkDelivery.takeFailures()
        if var failure {
            failure.message += " (\(count) record(s) failed)"
            throw failure
        }
    }

    /// Hands the record to librdkafka. `onDelivery` runs on the poll thread; the in-flight slot
    /// is released before it.
    private func enqueue(
        _ record: OutgoingRecord,
        onDelivery: @escaping @Sendable (Result<DeliveryReport, KafkaClientError>) -> Void
    ) throws(KafkaClientError) {
        let limiter = self.limiter
        let id = client.context.registerDelivery { result in
            limiter.release()
            onDelivery(result)
        }
        try enqueue(record, id: id)
    }

    /// Hands the record to librdkafka under delivery id `id`, retrying briefly while its local
    /// queue is full; on failure the slot is released and the handler (if any) dropped.
    private func enqueue(_ record: OutgoingRecord, id: UInt, topic: OpaquePointer? = nil) throws(KafkaClientError) {
        let topic = topic ?? client.topicHandle(record.topic)
        var attempt = 0
        while true {
            let err = produceOnce(record, id: id, topic: topic)
            if err == RD_KAFKA_RESP_ERR_NO_ERROR { return }
            // The local queue is full only if librdkafka is behind our own limit; give its
            // threads a moment rather than failing the record.
            if err == RD_KAFKA_RESP_ERR__QUEUE_FULL && attempt < 1000 {
                attempt += 1
                rd_kafka_poll(client.handle, 10)
                continue
            }
            if id != ClientContext.bulkDeliveryID { _ = client.context.takeDelivery(id) }
            limiter.release()
            try client.checkFatal()
            throw KafkaClientError(err, "cannot produce to \(record.topic)")
        }
    }

    /// `topic`: the topic's handle; without one, librdkafka finds the topic by name.
    private func produceOnce(_ record: OutgoingRecord, id: UInt, topic handle: OpaquePointer?) -> rd_kafka_resp_err_t {
        var headers: OpaquePointer?
        if !record.headers.isEmpty {
            headers = rd_kafka_headers_new(record.headers.count)
            for h in record.headers {
                if let v = h.value {
                    v.withUnsafeBytes { _ = rd_kafka_header_add(headers, h.key, -1, $0.baseAddress, $0.count) }
                } else {
                    _ = rd_kafka_header_add(headers, h.key, -1, nil, 0)
                }
            }
        }
        let err: rd_kafka_resp_err_t = record.topic.withCString { topic in
            withOptionalBytes(record.key) { keyPtr, keyLen in
                withOptionalBytes(record.value) { valuePtr, valueLen in
                  withUnsafeTemporaryAllocation(of: rd_kafka_vu_t.self, capacity: 8) { vus in
                    var n = 0
                    if let handle {
                        vus[n].vtype = RD_KAFKA_VTYPE_RKT; vus[n].u.rkt = handle; n += 1
                    } else {
                        vus[n].vtype = RD_KAFKA_VTYPE_TOPIC; vus[n].u.cstr = topic; n += 1
                    }
                    vus[n].vtype = RD_KAFKA_VTYPE_PARTITION; vus[n].u.i32 = record.partition ?? -1; n += 1
                    vus[n].vtype = RD_KAFKA_VTYPE_MSGFLAGS; vus[n].u.i = RD_KAFKA_MSG_F_COPY; n += 1
                    vus[n].vtype = RD_KAFKA_VTYPE_VALUE
                    vus[n].u.mem.ptr = UnsafeMutableRawPointer(mutating: valuePtr); vus[n].u.mem.size = valueLen; n += 1
                    if record.key != nil {
                        vus[n].vtype = RD_KAFKA_VTYPE_KEY
                        vus[n].u.mem.ptr = UnsafeMutableRawPointer(mutating: keyPtr); vus[n].u.mem.size = keyLen; n += 1
                    }
                    vus[n].vtype = RD_KAFKA_VTYPE_OPAQUE; vus[n].u.ptr = UnsafeMutableRawPointer(bitPattern: id); n += 1
                    if let ts = record.timestampMilliseconds {
                        vus[n].vtype = RD_KAFKA_VTYPE_TIMESTAMP; vus[n].u.i64 = ts; n += 1
                    }
                    if let headers {
                        vus[n].vtype = RD_KAFKA_VTYPE_HEADERS; vus[n].u.headers = headers; n += 1
                    }
                    let error = rd_kafka_produceva(client.handle, vus.baseAddress, n)
                    guard let error else { return RD_KAFKA_RESP_ERR_NO_ERROR }
                    let code = rd_kafka_error_code(error)
                    rd_kafka_error_destroy(error)
                    return code
                  }
                }
            }
        }
        // On failure librdkafka did not take the headers.
        if err != RD_KAFKA_RESP_ERR_NO_ERROR, let headers { rd_kafka_headers_destroy(headers) }
        return err
    }
}

private func withOptionalBytes<R>(_ bytes: [UInt8]?, _ body: (UnsafeRawPointer?, Int) -> R) -> R {
    guard let bytes else { return body(nil, 0) }
    // An empty value is not a null value: give librdkafka a valid pointer with length 0.
    if bytes.isEmpty {
        var zero: UInt8 = 0
        return withUnsafePointer(to: &zero) { body(UnsafeRawPointer($0), 0) }
    }
    return bytes.withUnsafeBytes { body($0.baseAddress, $0.count) }
}
