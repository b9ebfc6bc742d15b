import CRdKafka
import Dispatch
import Foundation
import Logging
import NagareCore
import Synchronization

/// What librdkafka's callbacks reach: the logger, pending deliveries and rebalance events.
///
/// librdkafka calls back on its own threads (or on whichever thread polls); the state is guarded
/// by a `Mutex`, because callbacks must not suspend.
final class ClientContext: Sendable {
    let logger: Logger
    let state = Mutex(State())
    /// Called synchronously on the polling thread before an assignment changes, so that a caller
    /// can finish work on partitions it is about to lose (e.g. commit a transaction).
    let rebalanceListener: (@Sendable (RebalanceEvent) -> Void)?
    /// When set, newly assigned partitions start at the group's committed offset, or at this
    /// position when there is none, decided before the assignment takes effect; an
    /// out-of-range committed offset then follows `auto.offset.reset` (e.g. `error`).
    let initialPosition: StartPosition?
    /// With `initialPosition`: a committed offset outside the log starts at the log's nearer end.
    let startsOutOfRangeOffsetsInLog: Bool

    /// Where delivery reports of records sent with `bulkDeliveryID` go: no per-record handler,
    /// only the outcome. (A stored object rather than a stored closure: a closure kept in a
    /// `Mutex` and read back on every report was re-wrapped each time and overflowed the
    /// stack after enough records in a release build.)
    let bulkDelivery = BulkDelivery()
    /// The delivery id of records whose reports go to `bulkDelivery`.
    static let bulkDeliveryID: UInt = 0

    struct State {
        var nextDeliveryID: UInt = 1
        var deliveries: [UInt: @Sendable (Result<DeliveryReport, KafkaClientError>) -> Void] = [:]
        var rebalanceEvents: [RebalanceEvent] = []
        var fatalError: KafkaClientError?
        var rebalanceError: KafkaClientError?
        /// The consumer subscribed (joined a group), and whether a group assignment has arrived
        /// since: see `RDKafkaClient.destroy()`.
        var subscribed = false
        var assignmentReceived = false
    }

    init(logger: Logger, rebalanceListener: (@Sendable (RebalanceEvent) -> Void)? = nil,
         initialPosition: StartPosition? = nil, startsOutOfRangeOffsetsInLog: Bool = false) {
        self.startsOutOfRangeOffsetsInLog = startsOutOfRangeOffsetsInLog
        self.logger = logger
        self.rebalanceListener = rebalanceListener
        self.initialPosition = initialPosition
    }

    func registerDelivery(_ handler: @escaping @Sendable (Result<DeliveryReport, KafkaClientError>) -> Void) -> UInt {
        state.withLock { s in
            let id = s.nextDeliveryID
            s.nextDeliveryID &+= 1
            if s.nextDeliveryID == 0 { s.nextDeliveryID = 1 }
            s.deliveries[id] = handler
            return id
        }
    }

    func takeDelivery(_ id: UInt) -> (@Sendable (Result<DeliveryReport, KafkaClientError>) -> Void)? {
        state.withLock { $0.deliveries.removeValue(forKey: id) }
    }

    var fatalError: KafkaClientError? { state.withLock { $0.fatalError } }
}

/// An `rd_kafka_t` handle with its context and, for producers and admin clients, a thread that
/// serves callbacks by polling.
///
/// Sendable because librdkafka's handle is thread-safe for every call Nagare makes on it, except
/// `rd_kafka_consumer_poll`, which only `Consumer`'s serial poll queue calls.
final class RDKafkaClient: @unchecked Sendable {
    let handle: OpaquePointer
    let context: ClientContext
    private let contextPointer: UnsafeMutableRawPointer
    private let pollThreadRunning = Atomic<Bool>(false)
    private let pollThreadDone = DispatchSemaphore(value: 0)
    private let destroyed = Atomic<Bool>(false)
    /// Topic handles by name, made on first use and kept until the client is destroyed: a
    /// record produced by topic name makes librdkafka find the topic under its client-wide
    /// write lock, for every record.
    private let topicHandles = Mutex<[String: OpaquePointer]>([:])

    enum Kind { case producer, consumer }

    init(kind: Kind, properties: [String: String], context: ClientContext) throws(KafkaClientError) {
        let conf = try RDKafkaConfig.make(properties)
        let contextPointer = Unmanaged.passRetained(context).toOpaque()
        rd_kafka_conf_set_opaque(conf, contextPointer)
        RDKafkaClient.installCallbacks(conf, kind: kind)
        var errstr = [CChar](repeating: 0, count: 512)
        guard let handle = rd_kafka_new(kind == .producer ? RD_KAFKA_PRODUCER : RD_KAFKA_CONSUMER,
                                        conf, &errstr, errstr.count) else {
            rd_kafka_conf_destroy(conf)
            Unmanaged<ClientContext>.fromOpaque(contextPointer).release()
            let reason = string(fromCBuffer: errstr)
            throw .client("cannot create Kafka client: \(reason)")
        }
        self.handle = handle
        self.context = context
        self.contextPointer = contextPointer
    }

    /// Starts a thread that serves delivery reports, errors and logs every 100 ms.
    func startPollThread(name: String) {
        pollThreadRunning.store(true, ordering: .sequentiallyConsistent)
        let thread = Thread { [self] in
            while pollThreadRunning.load(ordering: .relaxed) {
                rd_kafka_poll(handle, 100)
            }
            pollThreadDone.signal()
        }
        thread.name = name
        thread.start()
    }

    func stopPollThread() {
        if pollThreadRunning.exchange(false, ordering: .sequentiallyConsistent) {
            // Wake the thread's poll rather than wait out its timeout (an admin client's close
            // had taken ~90 ms of `nagare run`'s start-up).
            if let queue = rd_kafka_queue_get_main(handle) {
                rd_kafka_queue_yield(queue)
                rd_kafka_queue_destroy(queue)
            }
            pollThreadDone.wait()
        }
    }

    /// Asks the broker for these topics' partitions and leaders now. librdkafka 2.0.2 otherwise
    /// learns a topic it has not seen on its one-second refresh of unavailable topics: the first
    /// transaction of a new `nagare run` waited ~0.45 s in its commit for the output topics.
    func loadMetadata(topics: [String], timeoutMilliseconds: Int32) throws(KafkaClientError) {
        for name in topics {
            guard let topic = topicHandle(name) else {
                throw .client("cannot create a topic handle for \(name)")
            }
            var metadata: UnsafePointer<rd_kafka_metadata>?
            let err = rd_kafka_metadata(handle, 0, topic, &metadata, timeoutMilliseconds)
            if let metadata { rd_kafka_metadata_destroy(metadata) }
            if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaClientError(err, "metadata of \(name)") }
        }
    }

    /// The handle of topic `name`, made once.
    func topicHandle(_ name: String) -> OpaquePointer? {
        topicHandles.withLock { handles in
            if let existing = handles[name] { return existing }
            let made = rd_kafka_topic_new(handle, name, nil)
            if let made { handles[name] = made }
            return made
        }
    }

    /// Destroys the handle once. Pending deliveries are failed by librdkafka's purge on destroy.
    ///
    /// librdkafka before 2.3.0 aborts the process (`rd_kafka_sticky_assignor_state_destroy:
    /// Assertion 'assignor_state' failed`, librdkafka issue #4312) when a cooperative-sticky
    /// group consumer is destroyed after joining but before its first assignment — e.g. a
    /// `nagare run` stopped while the group still waits for a crashed member. Such a handle is
    /// left undestroyed instead (its group was already left by `rd_kafka_consumer_close`); the
    /// leak is one handle, and only in that window.
    func destroy() {
        guard !destroyed.exchange(true, ordering: .sequentiallyConsistent) else { return }
        stopPollThread()
        let unsafeToDestroy = context.state.withLock { $0.subscribed && !$0.assignmentReceived }
        if unsafeToDestroy && rd_kafka_version() < 0x0203_00ff {
            context.logger.debug("consumer closed before its first assignment: handle not destroyed (librdkafka #4312)")
            return
        }
        for topic in topicHandles.withLock({ handles in defer { handles.removeAll() }; return Array(handles.values) }) {
            rd_kafka_topic_destroy(topic)
        }
        rd_kafka_destroy(handle)
        Unmanaged<ClientContext>.fromOpaque(contextPointer).release()
    }

    deinit { destroy() }

    /// Throws the fatal error that made this client unusable, if any.
    func checkFatal() throws(KafkaClientError) {
        if let error = context.fatalError { throw error }
        // The error callback may not have run yet: ask librdkafka directly. This runs once per
        // produced record, so the common case (no error) must not allocate: librdkafka writes
        // the text only when there is an error, and then we ask again with room for it.
        var probe: CChar = 0
        if rd_kafka_fatal_error(handle, &probe, 1) == RD_KAFKA_RESP_ERR_NO_ERROR { return }
        var buf = [CChar](repeating: 0, count: 512)
        let code = rd_kafka_fatal_error(handle, &buf, buf.count)
        if code != RD_KAFKA_RESP_ERR_NO_ERROR {
            let error = KafkaClientError(code, string(fromCBuffer: buf), fatal: true)
            context.state.withLock { if $0.fatalError == nil { $0.fatalError = error } }
            throw error
        }
    }

    var name: String { String(cString: rd_kafka_name(handle)) }

    static func context(of rk: OpaquePointer?) -> ClientContext? {
        guard let rk, let raw = rd_kafka_opaque(rk) else { return nil }
        return Unmanaged<ClientContext>.fromOpaque(raw).takeUnretainedValue()
    }

    private static func installCallbacks(_ conf: OpaquePointer, kind: Kind) {
        rd_kafka_conf_set_log_cb(conf) { rk, level, facility, message in
            guard let context = RDKafkaClient.context(of: rk) else { return }
            let logLevel: Logger.Level =
                switch level {
                case 0...3: .error
                case 4: .warning
                case 5, 6: .info
                default: .debug
                }
            let fac = facility.map { String(cString: $0) } ?? "?"
            let text = message.map { String(cString: $0) } ?? ""
            context.logger.log(level: logLevel, "\(text)", metadata: ["rdkafka": "\(fac)"])
        }
        rd_kafka_conf_set_error_cb(conf) { rk, err, reason, opaque in
            guard let opaque else { return }
            let context = Unmanaged<ClientContext>.fromOpaque(opaque).takeUnretainedValue()
            let code = rd_kafka_resp_err_t(rawValue: err)
            let text = reason.map { String(cString: $0) } ?? ""
            if code == RD_KAFKA_RESP_ERR__FATAL, let rk {
                var buf = [CChar](repeating: 0, count: 512)
                let original = rd_kafka_fatal_error(rk, &buf, buf.count)
                let detail = string(fromCBuffer: buf)
                let error = KafkaClientError(original, detail, fatal: true)
                context.state.withLock { if $0.fatalError == nil { $0.fatalError = error } }
                context.logger.error("fatal Kafka client error: \(error)")
            } else if code == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN || code == RD_KAFKA_RESP_ERR__TRANSPORT {
                // The log callback has already reported these connection failures.
                context.logger.debug("\(text)")
            } else {
                context.logger.warning("Kafka client error \(String(cString: rd_kafka_err2name(code))): \(text)")
            }
        }
        if kind == .producer {
            rd_kafka_conf_set_dr_msg_cb(conf) { _, message, opaque in
                guard let opaque, let message else { return }
                let context = Unmanaged<ClientContext>.fromOpaque(opaque).takeUnretainedValue()
                let id = UInt(bitPattern: message.pointee._private)
                let m = message.pointee
                if id == ClientContext.bulkDeliveryID {
                    let outcome = m.err == RD_KAFKA_RESP_ERR_NO_ERROR
                        ? nil : KafkaClientError(m.err, "delivery failed", fatal: context.fatalError != nil)
                    context.bulkDelivery.delivered(outcome)
                    return
                }
                guard let handler = context.takeDelivery(id) else { return }
                if m.err != RD_KAFKA_RESP_ERR_NO_ERROR {
                    handler(.failure(KafkaClientError(m.err, "delivery failed",
                                                      fatal: context.fatalError != nil)))
                } else {
                    let topic = String(cString: rd_kafka_topic_name(m.rkt))
                    handler(.success(DeliveryReport(
                        topicPartition: TopicPartition(topic, m.partition), offset: Offset(m.offset))))
                }
            }
        } else {
            rd_kafka_conf_set_rebalance_cb(conf) { rk, err, partitions, opaque in
                guard let rk, let opaque else { return }
                let context = Unmanaged<ClientContext>.fromOpaque(opaque).takeUnretainedValue()
                RDKafkaClient.rebalance(rk, err, partitions, context)
                // The poll that served this callback returns now rather than waiting out its
                // timeout for records: the caller has an assignment change to apply first
                // (at start-up the first poll had waited ~100 ms with the partitions assigned).
                rd_kafka_yield(rk)
            }
        }
    }

    /// Applies an assignment change the way the group's protocol requires (incremental for
    /// cooperative, whole for eager) and records the event for the consumer to report.
    private static func rebalance(
        _ rk: OpaquePointer, _ err: rd_kafka_resp_err_t,
        _ list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?, _ context: ClientContext
    ) {
        let partitions = list.map(TopicPartitionList.partitions(in:)) ?? []
        let cooperative = String(cString: rd_kafka_rebalance_protocol(rk)) == "COOPERATIVE"
        var failure: OpaquePointer?
        switch err {
        case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
            let event = RebalanceEvent.assigned(partitions)
            context.rebalanceListener?(event)
            if let start = context.initialPosition, let list {
                resolveStartOffsets(rk, list, start, context)
            }
            if cooperative {
                failure = rd_kafka_incremental_assign(rk, list)
            } else {
                let e = rd_kafka_assign(rk, list)
                if e != RD_KAFKA_RESP_ERR_NO_ERROR {
                    context.logger.error("assign failed: \(String(cString: rd_kafka_err2str(e)))")
                }
            }
            context.state.withLock {
                $0.rebalanceEvents.append(event)
                $0.assignmentReceived = true
            }
        case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
            let event: RebalanceEvent = rd_kafka_assignment_lost(rk) != 0
                ? .lost(partitions) : .revoked(partitions)
            context.rebalanceListener?(event)
            if cooperative {
                failure = rd_kafka_incremental_unassign(rk, list)
            } else {
                _ = rd_kafka_assign(rk, nil)
            }
            context.state.withLock { $0.rebalanceEvents.append(event) }
        default:
            context.logger.error("rebalance error: \(String(cString: rd_kafka_err2str(err)))")
            _ = rd_kafka_assign(rk, nil)
            let event = RebalanceEvent.lost(partitions)
            context.rebalanceListener?(event)
            context.state.withLock { $0.rebalanceEvents.append(event) }
        }
        if let failure {
            let error = KafkaClientError(consuming: failure, context: "incremental assignment")
            context.logger.error("\(error)")
            context.state.withLock { $0.rebalanceError = error }
        }
    }
}

/// Sets each partition's start offset in an assignment list: its committed offset, or the
/// start position when the group has none. Runs inside the rebalance callback, on the polling
/// thread, where a blocking committed-offsets lookup is allowed.
private func resolveStartOffsets(
    _ rk: OpaquePointer, _ list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>,
    _ start: StartPosition, _ context: ClientContext
) {
    let err = rd_kafka_committed(rk, list, 10_000)
    if err != RD_KAFKA_RESP_ERR_NO_ERROR {
        context.logger.error("reading committed offsets on assignment: \(String(cString: rd_kafka_err2str(err)))")
        return
    }
    for i in 0..<Int(list.pointee.cnt) where list.pointee.elems[i].offset < 0 {
        list.pointee.elems[i].offset = start == .earliest ? LogicalOffset.beginning : LogicalOffset.end
    }
    guard context.startsOutOfRangeOffsetsInLog else { return }
    for i in 0..<Int(list.pointee.cnt) where list.pointee.elems[i].offset >= 0 {
        let elem = list.pointee.elems[i]
        var low: Int64 = 0
        var high: Int64 = 0
        let err = rd_kafka_query_watermark_offsets(rk, elem.topic, elem.partition, &low, &high, 10_000)
        // Unknown range: keep the committed offset (the fetch then reports any problem).
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { continue }
        list.pointee.elems[i].offset = min(max(elem.offset, low), high)
    }
}

/// Runs a blocking librdkafka call on a Dispatch thread, off Swift's cooperative pool, so that a
/// call that waits seconds for a broker does not starve other tasks.
func offCooperativePool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async {
            continuation.resume(with: Result { try body() })
        }
    }
}

func milliseconds(_ duration: Duration) -> Int32 {
    let c = duration.components
    let ms = c.seconds * 1000 + c.attoseconds / 1_000_000_000_000_000
    return Int32(clamping: ms)
}

/// Outcomes of records produced without a per-record handler: releases their in-flight slot and
/// keeps the first failure (and the count) for the next flush or commit to report.
final class BulkDelivery: Sendable {
    private struct State {
        var limiter: InFlightLimiter?
        var firstFailure: KafkaClientError?
        var failures = 0
    }

    private let state = Mutex(State())

    func attach(_ limiter: InFlightLimiter) { state.withLock { $0.limiter = limiter } }

    func delivered(_ error: KafkaClientError?) {
        let limiter = state.withLock { s -> InFlightLimiter? in
            if let error {
                s.failures += 1
                if s.firstFailure == nil { s.firstFailure = error }
            }
            return s.limiter
        }
        limiter?.release()
    }

    /// The first failure since the last call and how many failed.
    func takeFailures() -> (first: KafkaClientError?, count: Int) {
        state.withLock { s in
            defer { s.firstFailure = nil; s.failures = 0 }
            return (s.firstFailure, s.failures)
        }
    }
}
