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

    /// `produce` for each record in order, taking in-flight slots a run at a time. librdkafka
    /// copies each key and value straight out of the block's bytes.
    func produce(contentsOf block: OutgoingRecordBlock) async throws {
        try client.checkFatal()
        // Handles per topic index, looked up once per call.
        let handles = block.topics.map { client.topicHandle($0) }
        var next = 0
        while next < block.count {
            let slots = await limiter.acquire(upTo: block.count - next)
            let start = next
            let failure: KafkaClientError? = block.bytes.withUnsafeBufferPointer { bytes in
                block.entries.withUnsafeBufferPointer { entries in
                    for i in start..<start + slots {
                        let entry = entries[i]
                        let topic = Int(entry.topic)
                        let headers = entry.headers < 0 ? [] : block.headerLists[Int(entry.headers)]
                        do throws(KafkaClientError) {
                            try enqueue(
                                topic: block.topics[topic], handle: handles[topic], partition: entry.partition,
                                key: Self.pointer(entry.key, in: bytes), value: Self.pointer(entry.value, in: bytes),
                                timestampMilliseconds: entry.timestampMilliseconds == .min ? nil : entry.timestampMilliseconds,
                                headers: headers, id: ClientContext.bulkDeliveryID)
                        } catch {
                            // Slots taken for the records after the failed one go back unused.
                            for _ in i + 1..<start + slots { limiter.release() }
                            return error
                        }
                    }
                    return nil
                }
            }
            if let failure { throw failure }
            next = start + slots
        }
    }

    /// A span of the block's bytes; nil for a null key or value.
    private static func pointer(_ span: OutgoingRecordBlock.Span, in bytes: UnsafeBufferPointer<UInt8>) -> UnsafeRawBufferPointer? {
        if span.isNull { return nil }
        return UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(bytes)[span.start..<span.start + span.count])
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

    /// Hands the record to librdkafka under delivery id `id` (see the raw `enqueue`).
    private func enqueue(_ record: OutgoingRecord, id: UInt) throws(KafkaClientError) {
        let failure: KafkaClientError? = withOptionalBytes(record.key) { key in
            withOptionalBytes(record.value) { value in
                do throws(KafkaClientError) {
                    try enqueue(
                        topic: record.topic, handle: client.topicHandle(record.topic), partition: record.partition ?? -1,
                        key: key, value: value, timestampMilliseconds: record.timestampMilliseconds,
                        headers: record.headers, id: id)
                    return nil
                } catch {
                    return error
                }
            }
        }
        if let failure { throw failure }
    }

    /// Hands a record to librdkafka (which copies the key and value) under delivery id `id`,
    /// retrying briefly while its local queue is full; on failure the slot is released and the
    /// handler (if any) dropped. `handle`: the topic's; without one, librdkafka finds the topic
    /// by name. A nil key or value is a null one.
    private func enqueue(
        topic: String, handle: OpaquePointer?, partition: Int32, key: UnsafeRawBufferPointer?,
        value: UnsafeRawBufferPointer?, timestampMilliseconds: Int64?, headers: [RecordHeader], id: UInt
    ) throws(KafkaClientError) {
        var attempt = 0
        while true {
            let err = produceOnce(
                topic: topic, handle: handle, partition: partition, key: key, value: value,
                timestampMilliseconds: timestampMilliseconds, headers: headers, id: id)
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
            throw KafkaClientError(err, "cannot produce to \(topic)")
        }
    }

    private func produceOnce(
        topic: String, handle: OpaquePointer?, partition: Int32, key: UnsafeRawBufferPointer?,
        value: UnsafeRawBufferPointer?, timestampMilliseconds: Int64?, headers recordHeaders: [RecordHeader], id: UInt
    ) -> rd_kafka_resp_err_t {
        var headers: OpaquePointer?
        if !recordHeaders.isEmpty {
            headers = rd_kafka_headers_new(recordHeaders.count)
            for h in recordHeaders {
                if let v = h.value {
                    v.withUnsafeBytes { _ = rd_kafka_header_add(headers, h.key, -1, $0.baseAddress, $0.count) }
                } else {
                    _ = rd_kafka_header_add(headers, h.key, -1, nil, 0)
                }
            }
        }
        let err: rd_kafka_resp_err_t = withUnsafeTemporaryAllocation(of: rd_kafka_vu_t.self, capacity: 8) { vus in
            var n = 0
            vus[n].vtype = RD_KAFKA_VTYPE_PARTITION; vus[n].u.i32 = partition; n += 1
            vus[n].vtype = RD_KAFKA_VTYPE_MSGFLAGS; vus[n].u.i = RD_KAFKA_MSG_F_COPY; n += 1
            // An empty key or value is not a null one: librdkafka gets a valid pointer (any will
            // do, nothing is read) with length 0.
            let somewhere = UnsafeMutableRawPointer(vus.baseAddress!)
            vus[n].vtype = RD_KAFKA_VTYPE_VALUE
            vus[n].u.mem.ptr = value.map { $0.baseAddress.map(UnsafeMutableRawPointer.init(mutating:)) ?? somewhere }
            vus[n].u.mem.size = value?.count ?? 0
            n += 1
            if let key {
                vus[n].vtype = RD_KAFKA_VTYPE_KEY
                vus[n].u.mem.ptr = key.baseAddress.map(UnsafeMutableRawPointer.init(mutating:)) ?? somewhere
                vus[n].u.mem.size = key.count
                n += 1
            }
            vus[n].vtype = RD_KAFKA_VTYPE_OPAQUE; vus[n].u.ptr = UnsafeMutableRawPointer(bitPattern: id); n += 1
            if let timestampMilliseconds {
                vus[n].vtype = RD_KAFKA_VTYPE_TIMESTAMP; vus[n].u.i64 = timestampMilliseconds; n += 1
            }
            if let headers {
                vus[n].vtype = RD_KAFKA_VTYPE_HEADERS; vus[n].u.headers = headers; n += 1
            }
            if let handle {
                vus[n].vtype = RD_KAFKA_VTYPE_RKT; vus[n].u.rkt = handle; n += 1
                return produceva(vus, n)
            }
            return topic.withCString { name in
                vus[n].vtype = RD_KAFKA_VTYPE_TOPIC; vus[n].u.cstr = name
                return produceva(vus, n + 1)
            }
        }
        // On failure librdkafka did not take the headers.
        if err != RD_KAFKA_RESP_ERR_NO_ERROR, let headers { rd_kafka_headers_destroy(headers) }
        return err
    }

    private func produceva(_ vus: UnsafeMutableBufferPointer<rd_kafka_vu_t>, _ count: Int) -> rd_kafka_resp_err_t {
        guard let error = rd_kafka_produceva(client.handle, vus.baseAddress, count) else { return RD_KAFKA_RESP_ERR_NO_ERROR }
        let code = rd_kafka_error_code(error)
        rd_kafka_error_destroy(error)
        return code
    }
}

private func withOptionalBytes<R>(_ bytes: [UInt8]?, _ body: (UnsafeRawBufferPointer?) -> R) -> R {
    guard let bytes else { return body(nil) }
    return bytes.withUnsafeBytes { body($0) }
}
