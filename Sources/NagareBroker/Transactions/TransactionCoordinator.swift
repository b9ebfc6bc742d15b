import Logging
import NagareCore
import NagareLog
import NagareWire

/// The transaction coordinator (KIP-98): hands out producer ids and epochs to transactional
/// ids, tracks each id's transaction (`TransactionState`, transitions drawn there), and ends
/// transactions by writing markers to their partitions and settling their group offsets.
///
/// Protocol, per transaction: InitProducerId fences older incarnations (epoch + 1) and aborts
/// their open transaction before answering; AddPartitionsToTxn / AddOffsetsToTxn record what
/// the transaction touches (durably, so that markers reach every partition even after a
/// crash); EndTxn writes PrepareCommit/PrepareAbort (fsynced: the decision), then the markers
/// (durable before the answer, so a consumer sees the result as soon as the producer does),
/// then the group offsets, then CompleteCommit/CompleteAbort.
///
/// Recovery: `init` replays `__transaction_state-0`; `run()` first finishes every
/// PrepareCommit/PrepareAbort found (writing the markers again is harmless: a marker for a
/// transaction a partition already ended changes nothing), then sweeps: Ongoing transactions
/// older than their timeout — including those left open by a crash, whose start time is
/// persisted — are aborted with an epoch bump, which fences the producer that let them time out.
///
/// Concurrency: an actor; its awaits are fsyncs and marker writes. A transaction being ended
/// is in a Prepare state the whole time, and requests for it meanwhile get
/// CONCURRENT_TRANSACTIONS, which clients retry — so no code after an await finds its
/// transaction changed under it, and `finishing` keeps the sweep from ending it twice.
///
/// Not supported: epoch exhaustion is handled only by InitProducerId (a new producer id once
/// the epoch reaches Int16.max - 1); a fencing bump at Int16.max aborts without raising the
/// epoch. Transactional ids never expire (Kafka's `transactional.id.expiration.ms`).
/// KIP-890 (server-side defence, EndTxn v4+) and KIP-939 (two-phase commit) are not supported.
actor TransactionCoordinator {
    nonisolated let configuration: TransactionCoordinatorConfiguration
    /// Records skipped by the replay (unknown versions, damage); for the startup log.
    nonisolated let skippedRecords: Int

    private let log: TransactionLog
    private let markers: any TransactionMarkerWriter
    private let groups: GroupCoordinator
    private let allocateProducerID: @Sendable () throws -> Int64
    private let partitionExists: @Sendable (TopicPartition) -> Bool
    private let now: @Sendable () -> Int64
    private let logger: Logger
    private var transactions: [String: TransactionMetadata]
    /// Ids whose transaction is being ended right now.
    private var finishing: Set<String> = []
    private var isClosed = false

    /// Opens (creating if needed) the transaction log and replays it.
    ///
    /// - Parameters:
    ///   - allocateProducerID: a never-reused producer id (the broker's `ProducerIDAllocator`).
    ///   - partitionExists: whether AddPartitionsToTxn may add a partition.
    ///   - now: the wall clock in milliseconds; transaction start times are persisted, so it is
    ///     wall time rather than monotonic; tests pass a manual clock.
    init(configuration: TransactionCoordinatorConfiguration, markers: any TransactionMarkerWriter, groups: GroupCoordinator,
         allocateProducerID: @escaping @Sendable () throws -> Int64,
         partitionExists: @escaping @Sendable (TopicPartition) -> Bool,
         now: @escaping @Sendable () -> Int64 = PartitionLog.systemTimeMilliseconds,
         logger: Logger = Logger(label: "nagare.broker.transactions")) throws {
        try configuration.validate()
        self.configuration = configuration
        self.markers = markers
        self.groups = groups
        self.allocateProducerID = allocateProducerID
        self.partitionExists = partitionExists
        self.now = now
        self.logger = logger
        log = try TransactionLog(dataDirectory: configuration.dataDirectory, segmentBytesMax: configuration.logSegmentBytesMax,
                                 currentTimeMilliseconds: now)
        let (states, skipped) = try log.replay()
        transactions = states
        skippedRecords = skipped
    }

    /// The state of a transactional id (tests, diagnostics).
    func metadata(_ transactionalID: String) -> TransactionMetadata? { transactions[transactionalID] }

    /// How many ids are in each state (the startup log).
    var stateCounts: [TransactionState: Int] {
        transactions.values.reduce(into: [:]) { $0[$1.state, default: 0] += 1 }
    }

    // MARK: Lifecycle

    /// Finishes transactions a crash left prepared, then aborts timed-out transactions every
    /// `sweepIntervalMilliseconds` until cancelled or closed. The broker runs it in its own task.
    func run() async {
        await completePreparedTransactions()
        let compactionEvery = Duration.milliseconds(Int64(configuration.compactionIntervalMilliseconds))
        var lastCompaction = ContinuousClock.now
        while !Task.isCancelled && !isClosed {
            try? await Task.sleep(for: .milliseconds(Int64(configuration.sweepIntervalMilliseconds)))
            if Task.isCancelled || isClosed { return }
            await sweep()
            if ContinuousClock.now - lastCompaction >= compactionEvery {
                lastCompaction = ContinuousClock.now
                if case .failure(let error) = await log.compact() { logger.error("compacting the transaction log: \(error)") }
            }
        }
    }

    /// Ends every PrepareCommit/PrepareAbort transaction (after a restart, or after a marker
    /// write failed).
    func completePreparedTransactions() async {
        for (id, m) in transactions where m.state.isPreparing && !finishing.contains(id) {
            let code = await complete(id)
            if code != .none { logger.warning("completing the transaction of '\(id)' failed (\(code)); retrying later") }
        }
    }

    /// Aborts Ongoing transactions past their timeout and retries unfinished ones.
    func sweep() async {
        let at = now()
        for (id, m) in transactions where m.hasTimedOut(at: at) && !finishing.contains(id) {
            logger.info("aborting the transaction of '\(id)' (producer \(m.producerID)): timed out after \(m.timeoutMilliseconds) ms")
            _ = await finish(id, commit: false, fence: true)
        }
        await completePreparedTransactions()
    }

    /// Closes the log; later requests get COORDINATOR_NOT_AVAILABLE.
    func close() -> LogError? {
        guard !isClosed else { return nil }
        isClosed = true
        do { try log.close() } catch { return error }
        return nil
    }

    // MARK: Requests

    /// The error for a request from a fenced epoch: PRODUCER_FENCED where the request version
    /// knows it (KIP-588), INVALID_PRODUCER_EPOCH for older clients.
    static func fencedError(_ api: ApiKey, version: Int16) -> KafkaErrorCode {
        let first: Int16 = switch api {
        case .initProducerID: 4
        case .addPartitionsToTxn, .addOffsetsToTxn, .endTxn: 2
        default: .max
        }
        return version >= first ? .producerFenced : .invalidProducerEpoch
    }

    /// InitProducerId with a transactional id (the broker answers the others itself).
    func initProducerID(_ request: InitProducerIDRequest, version: Int16) async -> InitProducerIDResponse {
        guard !isClosed else { return InitProducerIDResponse(errorCode: .coordinatorNotAvailable) }
        guard let id = request.transactionalID, !id.isEmpty else { return InitProducerIDResponse(errorCode: .invalidRequest) }
        let timeout = request.transactionTimeoutMilliseconds
        guard timeout > 0, timeout <= configuration.transactionTimeoutMaxMilliseconds else {
            return InitProducerIDResponse(errorCode: .invalidTransactionTimeout)
        }
        guard var m = transactions[id] else {
            guard transactions.count < configuration.transactionalIDsMax else {
                return InitProducerIDResponse(errorCode: .coordinatorNotAvailable)
            }
            let producerID: Int64
            do { producerID = try allocateProducerID() } catch {
                logger.error("allocating a producer id: \(error)")
                return InitProducerIDResponse(errorCode: .kafkaStorageError)
            }
            let fresh = TransactionMetadata(transactionalID: id, producerID: producerID, producerEpoch: 0,
                                            timeoutMilliseconds: timeout, state: .empty)
            transactions[id] = fresh
            return await persisted(fresh, durably: true)
                ? InitProducerIDResponse(producerID: producerID, producerEpoch: 0)
                : InitProducerIDResponse(errorCode: .coordinatorNotAvailable)
        }
        if finishing.contains(id) { return InitProducerIDResponse(errorCode: .concurrentTransactions) }
        if m.state.isPreparing {
            // A decided transaction (a crash or a failed marker write left it): finish it now.
            guard await complete(id) == .none, let updated = transactions[id] else {
                return InitProducerIDResponse(errorCode: .concurrentTransactions)
            }
            m = updated
        }
        // KIP-360: a producer re-initialising names its current id and epoch; any other is a zombie.
        if request.producerID >= 0 {
            if request.producerID == m.producerID, request.producerEpoch == m.lastProducerEpoch, m.state.isIdle {
                // A retry whose answer was lost: the bump already happened.
                return InitProducerIDResponse(producerID: m.producerID, producerEpoch: m.producerEpoch)
            }
            guard request.producerID == m.producerID, request.producerEpoch == m.producerEpoch else {
                return InitProducerIDResponse(errorCode: Self.fencedError(.initProducerID, version: version))
            }
        }
        if m.state == .ongoing {
            // Fence the previous incarnation and abort its transaction before answering, so the
            // new producer starts clean at once instead of after the timeout.
            let code = await finish(id, commit: false, fence: true)
            guard code == .none, let updated = transactions[id] else {
                return InitProducerIDResponse(errorCode: code == .none ? .concurrentTransactions : code)
            }
            m = updated
        } else if m.producerEpoch >= Int16.max - 1 {
            // Epoch exhausted: a new producer id, which fences the old one just as well.
            do { m.producerID = try allocateProducerID() } catch {
                return InitProducerIDResponse(errorCode: .kafkaStorageError)
            }
            m.producerEpoch = 0
            m.lastProducerEpoch = -1
        } else {
            m.bumpEpoch(requestedByProducer: request.producerID >= 0)
        }
        m.state = .empty
        m.timeoutMilliseconds = timeout
        m.startTimestampMilliseconds = -1
        m.partitions = []
        m.groupIDs = []
        transactions[id] = m
        return await persisted(m, durably: true)
            ? InitProducerIDResponse(producerID: m.producerID, producerEpoch: m.producerEpoch)
            : InitProducerIDResponse(errorCode: .coordinatorNotAvailable)
    }

    /// What `validate` found.
    private enum Validation {
        case valid(TransactionMetadata)
        case refused(KafkaErrorCode)
    }

    /// The checks shared by AddPartitionsToTxn, AddOffsetsToTxn and EndTxn.
    private func validate(_ id: String, _ producerID: Int64, _ epoch: Int16, _ api: ApiKey,
                          _ version: Int16) -> Validation {
        guard !isClosed else { return .refused(.coordinatorNotAvailable) }
        guard let m = transactions[id], m.producerID == producerID else { return .refused(.invalidProducerIDMapping) }
        guard m.producerEpoch == epoch else { return .refused(Self.fencedError(api, version: version)) }
        guard !m.state.isPreparing, !finishing.contains(id) else { return .refused(.concurrentTransactions) }
        return .valid(m)
    }

    func addPartitions(_ request: AddPartitionsToTxnRequest, version: Int16) async -> AddPartitionsToTxnResponse {
        func answer(_ code: (TopicPartition) -> KafkaErrorCode) -> AddPartitionsToTxnResponse {
            AddPartitionsToTxnResponse(results: request.topics.map { t in
                .init(name: t.name, resultsByPartition: t.partitions.map {
                    .init(partitionIndex: $0, partitionErrorCode: code(TopicPartition(t.name, $0)))
                })
            })
        }
        var m: TransactionMetadata
        switch validate(request.transactionalID, request.producerID, request.producerEpoch, .addPartitionsToTxn, version) {
        case .refused(let code): return answer { _ in code }
        case .valid(let found): m = found
        }
        let requested = request.topics.flatMap { t in t.partitions.map { TopicPartition(t.name, $0) } }
        let unknown = Set(requested.filter { !partitionExists($0) })
        if !unknown.isEmpty {
            return answer { unknown.contains($0) ? .unknownTopicOrPartition : .operationNotAttempted }
        }
        let before = m
        m.beginIfIdle(now: now())
        m.partitions.formUnion(requested)
        guard m.partitions.count <= configuration.partitionsPerTransactionMax else { return answer { _ in .invalidRequest } }
        guard m != before else { return answer { _ in .none } }
        transactions[request.transactionalID] = m
        return answer { _ in .none }.withError(await persisted(m, durably: true) ? nil : .coordinatorNotAvailable)
    }

    func addOffsets(_ request: AddOffsetsToTxnRequest, version: Int16) async -> AddOffsetsToTxnResponse {
        var m: TransactionMetadata
        switch validate(request.transactionalID, request.producerID, request.producerEpoch, .addOffsetsToTxn, version) {
        case .refused(let code): return AddOffsetsToTxnResponse(errorCode: code)
        case .valid(let found): m = found
        }
        guard !request.groupID.isEmpty else { return AddOffsetsToTxnResponse(errorCode: .invalidGroupID) }
        let before = m
        m.beginIfIdle(now: now())
        m.groupIDs.insert(request.groupID)
        guard m != before else { return AddOffsetsToTxnResponse() }
        transactions[request.transactionalID] = m
        return AddOffsetsToTxnResponse(errorCode: await persisted(m, durably: true) ? .none : .coordinatorNotAvailable)
    }

    func endTxn(_ request: EndTxnRequest, version: Int16) async -> EndTxnResponse {
        let m: TransactionMetadata
        switch validate(request.transactionalID, request.producerID, request.producerEpoch, .endTxn, version) {
        case .refused(let code): return EndTxnResponse(errorCode: code)
        case .valid(let found): m = found
        }
        switch (m.state, request.committed) {
        case (.ongoing, _):
            return EndTxnResponse(errorCode: await finish(request.transactionalID, commit: request.committed, fence: false))
        case (.completeCommit, true), (.completeAbort, false):
            // A retry of an EndTxn that succeeded.
            return EndTxnResponse()
        default:
            return EndTxnResponse(errorCode: .invalidTxnState)
        }
    }

    /// TxnOffsetCommit's transaction checks (the group coordinator does the group's): the
    /// producer is the current incarnation and its open transaction includes the group.
    func checkTxnOffsetCommit(transactionalID: String, producerID: Int64, producerEpoch: Int16,
                              groupID: String) -> KafkaErrorCode {
        guard !isClosed else { return .coordinatorNotAvailable }
        guard let m = transactions[transactionalID], m.producerID == producerID else { return .invalidProducerIDMapping }
        guard m.producerEpoch == producerEpoch else { return .invalidProducerEpoch }
        guard m.state == .ongoing, m.groupIDs.contains(groupID), !finishing.contains(transactionalID) else {
            return .invalidTxnState
        }
        return .none
    }

    // MARK: Ending transactions

    /// Decides the Ongoing transaction of `id` (PrepareCommit/PrepareAbort, durably) and
    /// completes it. With `fence`, the epoch is raised first, so the markers and every later
    /// request of the old incarnation are refused.
    private func finish(_ id: String, commit: Bool, fence: Bool) async -> KafkaErrorCode {
        guard var m = transactions[id], m.state == .ongoing, !finishing.contains(id) else { return .concurrentTransactions }
        let before = m
        if fence, m.producerEpoch < Int16.max { m.bumpEpoch(requestedByProducer: false) }
        m.state = commit ? .prepareCommit : .prepareAbort
        transactions[id] = m
        // Claimed before the first await, so that nothing else completes it meanwhile.
        finishing.insert(id)
        defer { finishing.remove(id) }
        guard await persisted(m, durably: true) else {
            transactions[id] = before
            return .coordinatorNotAvailable
        }
        return await completeClaimed(id)
    }

    /// Writes the markers and settles the group offsets of a prepared transaction, then records
    /// it complete. On failure it stays prepared (the sweep retries) and the caller gets a
    /// retriable error.
    private func complete(_ id: String) async -> KafkaErrorCode {
        guard transactions[id]?.state.isPreparing == true, !finishing.contains(id) else { return .concurrentTransactions }
        finishing.insert(id)
        defer { finishing.remove(id) }
        return await completeClaimed(id)
    }

    /// `complete` for a caller that has put `id` in `finishing`.
    private func completeClaimed(_ id: String) async -> KafkaErrorCode {
        guard let m = transactions[id], m.state.isPreparing else { return .concurrentTransactions }
        let commit = m.state == .prepareCommit
        guard await markers.writeMarkers(producerID: m.producerID, producerEpoch: m.producerEpoch, commit: commit,
                                         partitions: m.partitions.sorted()) else {
            return .coordinatorNotAvailable
        }
        if !m.groupIDs.isEmpty {
            let code = await groups.completeTransaction(producerID: m.producerID, groupIDs: m.groupIDs.sorted(), commit: commit)
            guard code == .none else { return .coordinatorNotAvailable }
        }
        var done = m
        done.state = commit ? .completeCommit : .completeAbort
        done.partitions = []
        done.groupIDs = []
        done.startTimestampMilliseconds = -1
        transactions[id] = done
        // Not fsynced: losing it only means the markers are written again after a crash, and
        // the next durable write of this log (any transaction's) makes it durable anyway.
        _ = await persisted(done, durably: false)
        return .none
    }

    private func persisted(_ m: TransactionMetadata, durably: Bool) async -> Bool {
        switch await log.write([m], timestampMilliseconds: now(), durably: durably) {
        case .success: return true
        case .failure(let error):
            logger.error("writing the transaction state of '\(m.transactionalID)': \(error)")
            return false
        }
    }
}

extension AddPartitionsToTxnResponse {
    /// The same response with every partition's error replaced by `code` when not nil.
    func withError(_ code: KafkaErrorCode?) -> AddPartitionsToTxnResponse {
        guard let code else { return self }
        var copy = self
        copy.results = results.map { t in
            var t = t
            t.resultsByPartition = t.resultsByPartition.map { var p = $0; p.partitionErrorCode = code; return p }
            return t
        }
        return copy
    }
}
