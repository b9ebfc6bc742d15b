public import Logging
import NagareCore
import NagareKafka
public import NagareHTTP
public import NagareStore
public import ServiceLifecycle
public import Synchronization

/// Feeds one datasource of the analytics store from its Kafka topic, exactly once.
///
/// The store's SQLite offsets are the truth, not the consumer group's: the ingestor assigns
/// the topic's partitions itself (no group membership, so no rebalance can move them), starting
/// each at the offset stored with the last committed batch, or at the log's start for a
/// partition never read. Each step polls a batch (read_committed), and `AnalyticsStore.ingest`
/// commits its rollup rows together with the next offsets in one SQLite transaction. A crash
/// before that commit loses nothing (the batch is read again); after it, nothing is read twice.
///
/// The next offset stored per partition is the consumer's position after the batch, not the
/// last record's offset + 1: in a transactional topic the log also holds commit/abort markers
/// and aborted records, which a read_committed consumer skips, so the position can be ahead of
/// the last record seen. Storing it keeps the lag shown to users at zero once caught up.
///
/// After each step the same offsets are committed to the Kafka group `nagare.store.<name>`,
/// only so that standard lag tools (kafka-consumer-groups, `nagare offsets`) see progress; the
/// ingestor never reads them back.
///
/// Stopping (graceful shutdown or `stop()`) is checked between steps: the step in progress
/// finishes its ingest and group commit, then the consumer is closed.
public final class StoreIngestor: Service, Sendable {
    let store: AnalyticsStore
    let datasource: String
    let topic: String
    let configuration: StoreIngestorConfiguration
    let logger: Logger
    private let stopRequested = Atomic<Bool>(false)
    /// Live figures for logs, the dashboard and `/metrics`.
    public let status = Mutex(StoreIngestorStatus())
    /// Told of each committed step, for the dashboard's live updates (`GET /api/live`).
    let live: LiveBroadcaster?

    public init(
        store: AnalyticsStore, datasource: String, configuration: StoreIngestorConfiguration, logger: Logger,
        live: LiveBroadcaster? = nil
    ) throws(StoreError) {
        self.live = live
        self.store = store
        self.datasource = datasource
        self.topic = try store.spec(of: datasource).topic
        self.configuration = configuration
        self.logger = logger
    }

    public func stop() { stopRequested.store(true, ordering: .relaxed) }

    var shouldStop: Bool { stopRequested.load(ordering: .relaxed) || Task.isCancelled }

    public func run() async throws {
        try await withGracefulShutdownHandler {
            try await ingestUntilStopped()
        } onGracefulShutdown: {
            self.stop()
        }
    }

    /// What the loop knows between steps.
    private struct LoopState {
        /// The topic's partitions, as last listed.
        var partitions: [TopicPartition] = []
        /// The next offset per partition as committed to the store: the consumer's truth.
        var stored: [TopicPartition: Offset] = [:]
        var lastPartitionRefresh = ContinuousClock.now
        var lastGroupCommitWarning: ContinuousClock.Instant?
    }

    func ingestUntilStopped() async throws {
        let groupID = StoreIngestorConfiguration.groupID(datasource: datasource)
        let admin = try Admin(configuration: configuration.client, logger: logger)
        defer { admin.close() }
        var consumerConfiguration = ConsumerConfiguration(client: configuration.client, groupID: groupID)
        consumerConfiguration.isolationLevel = .readCommitted
        consumerConfiguration.maxPollRecords = configuration.maxRecordsPerBatch
        // Never jump silently: a stored offset outside the log is an error to report, not a reset.
        consumerConfiguration.client.properties["auto.offset.reset"] = "error"
        let consumer = try Consumer(configuration: consumerConfiguration, logger: logger)
        var reporter = MalformedRecordReporter(datasource: datasource, interval: configuration.malformedLogInterval)
        do {
            var state = LoopState()
            guard let partitions = try await waitForPartitions(admin) else {
                try await consumer.close()
                return
            }
            state.partitions = partitions
            try await assign(consumer, admin, &state)
            // High watermarks for the lag in `/metrics`, apart from the ingest loop.
            let endOffsets = Task { await refreshEndOffsets(admin) }
            defer { endOffsets.cancel() }
            logger.info("datasource '\(datasource)': ingesting \(topic) (\(partitions.count) partitions) as group \(groupID), read_committed")

            while !shouldStop {
                do {
                    try await step(consumer, admin, &state, &reporter)
                } catch let error as StoreError where error.isRetriable {
                    // The batch was not committed: rewind every partition to the stored offsets.
                    logger.warning("datasource '\(datasource)': ingest failed, retrying from the stored offsets: \(error)")
                    status.withLock { $0.retries += 1 }
                    try await pause(configuration.retryBackoff)
                    try await assign(consumer, admin, &state)
                } catch let error as KafkaClientError where error.isRetriable && !error.isFatal {
                    logger.warning("datasource '\(datasource)': Kafka error, retrying: \(error)")
                    status.withLock { $0.retries += 1 }
                    try await pause(configuration.retryBackoff)
                }
            }
            reporter.flush(now: .now, logger: logger, force: true)
            logger.info("datasource '\(datasource)': ingestion stopped at \(describe(state.stored))")
        } catch {
            reporter.flush(now: .now, logger: logger, force: true)
            try? await consumer.close()
            throw error
        }
        try await consumer.close()
    }

    /// One poll, one ingest (rows + offsets in one SQLite transaction), one group commit.
    private func step(
        _ consumer: Consumer, _ admin: Admin, _ state: inout LoopState, _ reporter: inout MalformedRecordReporter
    ) async throws {
        if ContinuousClock.now - state.lastPartitionRefresh >= configuration.partitionRefreshInterval {
            state.lastPartitionRefresh = .now
            let current = try await listPartitions(admin)
            if !Set(current).isSubset(of: state.partitions) {
                let added = current.filter { !state.partitions.contains($0) }
                logger.info("datasource '\(datasource)': new partitions \(added.map(\.description).joined(separator: ", ")); reading them from their start")
                state.partitions = current
                try await assign(consumer, admin, &state)
            }
        }

        var records: [Record] = []
        for event in try await consumer.poll(maxRecords: configuration.maxRecordsPerBatch, timeout: configuration.pollTimeout) {
            switch event {
            case .records(let batch): records += batch
            case .partitionError(let tp, let error): try await checkPartitionError(tp, error, admin, state)
            case .rebalance, .endOfPartition: continue
            }
        }

        // Next offsets: the consumer's position (past markers and aborted records), never less
        // than the last record seen + 1, and only where it moved past what is stored.
        var next: [TopicPartition: Offset] = [:]
        for (tp, position) in try consumer.position(state.partitions) {
            guard let position, position.rawValue >= 0 else { continue }
            if position > (state.stored[tp] ?? Offset(-1)) { next[tp] = position }
        }
        for record in records {
            let after = record.offset.advanced(by: 1)
            if next[record.topicPartition].map({ $0 < after }) ?? true { next[record.topicPartition] = after }
        }
        guard !records.isEmpty || !next.isEmpty else { return }

        let polled = ContinuousClock.now
        let result = try store.ingest(records, into: datasource, nextOffsets: next)
        let ingested = ContinuousClock.now
        state.stored.merge(result.committedOffsets) { _, new in new }
        reporter.record(result, now: .now, logger: logger)
        status.withLock {
            $0.accepted += result.accepted
            $0.malformed += result.malformed
            $0.batches += 1
            $0.offsets = state.stored
            $0.rowsWritten += result.rowsWritten
            $0.commitSeconds.observe(ingested - polled)
        }
        if result.accepted > 0 {
            live?.publish(LiveCommit(
                datasource: datasource, rows: result.accepted,
                newestTimestampMilliseconds: records.lazy.map(\.timestampMilliseconds).max()))
        }
        await commitToGroup(consumer, result.committedOffsets, &state)
        let batchTime = ContinuousClock.now - polled
        status.withLock { $0.batchSeconds.observe(batchTime) }
    }

    /// Asks for the stored partitions' high watermarks about once a second until cancelled; a
    /// failed request leaves the previous value (the lag is a figure to watch, not to act on).
    private func refreshEndOffsets(_ admin: Admin) async {
        while !Task.isCancelled {
            let partitions = status.withLock { Array($0.offsets.keys) }
            for tp in partitions {
                guard let (_, high) = try? await admin.watermarks(tp, timeout: .seconds(2)) else { continue }
                status.withLock { $0.endOffsets[tp] = high }
            }
            try? await Task.sleep(for: .seconds(1))
        }
    }

    /// Mirrors the stored offsets into the Kafka group for lag tools. A failure is logged (at
    /// most once a minute) and otherwise ignored: the store already holds the truth.
    private func commitToGroup(_ consumer: Consumer, _ offsets: [TopicPartition: Offset], _ state: inout LoopState) async {
        do {
            try await consumer.commit(offsets.sorted { $0.key < $1.key }.map { PartitionOffset($0.key, $0.value) })
        } catch {
            let now = ContinuousClock.now
            if state.lastGroupCommitWarning.map({ now - $0 >= .seconds(60) }) ?? true {
                state.lastGroupCommitWarning = now
                logger.warning("datasource '\(datasource)': could not commit offsets to the Kafka group (lag tools will lag; ingestion is unaffected): \(error)")
            }
        }
    }

    /// Assigns every known partition at its stored offset, or at the log's start if none is
    /// stored. Re-assigning also discards anything prefetched, so after a failed ingest the
    /// consumer reads again from exactly what the store holds.
    private func assign(_ consumer: Consumer, _ admin: Admin, _ state: inout LoopState) async throws {
        state.stored = try store.storedOffsets(for: datasource)
        var offsets: [PartitionOffset] = []
        for tp in state.partitions {
            if let stored = state.stored[tp] {
                offsets.append(PartitionOffset(tp, stored))
            } else {
                offsets.append(PartitionOffset(tp, try await admin.watermarks(tp).low))
            }
        }
        try consumer.assign(offsets)
        status.withLock { $0.offsets = state.stored }
        logger.debug("datasource '\(datasource)': assigned \(offsets.map(\.description).joined(separator: ", "))")
    }

    /// The topic's partitions, waiting (with a log line) while the topic does not exist or the
    /// brokers cannot be reached. Nil if stopped while waiting.
    private func waitForPartitions(_ admin: Admin) async throws -> [TopicPartition]? {
        var announced = false
        while !shouldStop {
            do {
                let partitions = try await listPartitions(admin)
                if !partitions.isEmpty {
                    status.withLock { $0.isWaitingForTopic = false }
                    if announced { logger.info("datasource '\(datasource)': topic '\(topic)' exists now") }
                    return partitions
                }
                if !announced {
                    logger.warning("datasource '\(datasource)': topic '\(topic)' does not exist yet; waiting for it (checking every \(configuration.missingTopicRetryInterval))")
                }
            } catch let error as KafkaClientError where !error.isFatal {
                if !announced {
                    logger.warning("datasource '\(datasource)': cannot list topics yet (\(error)); retrying every \(configuration.missingTopicRetryInterval)")
                }
            }
            announced = true
            status.withLock { $0.isWaitingForTopic = true }
            try await pause(configuration.missingTopicRetryInterval)
        }
        return nil
    }

    private func listPartitions(_ admin: Admin) async throws -> [TopicPartition] {
        let topics = try await admin.listTopics([topic])
        return topics.first { $0.name == topic }.map { $0.partitions.map { TopicPartition(topic, $0) } } ?? []
    }

    /// A partition could not be read. With `auto.offset.reset=error` that means its offset is
    /// not in the log; it can also be a stale error queued before an assignment. Real only if
    /// the stored offset lies outside the log's current range.
    private func checkPartitionError(
        _ tp: TopicPartition, _ error: KafkaClientError, _ admin: Admin, _ state: LoopState
    ) async throws {
        let (low, high) = try await admin.watermarks(tp)
        let offset = state.stored[tp] ?? low
        if offset >= low && offset <= high {
            logger.debug("datasource '\(datasource)': ignoring \(tp): \(error) (stored offset \(offset) is within [\(low), \(high)])")
            return
        }
        throw StoreError(.offsetOutOfRange,
            "datasource '\(datasource)': the stored offset \(offset) of \(tp) is outside the log [\(low), \(high)] (\(error.message)); were its records deleted by retention, or the topic recreated? Delete the datasource's rows (or the data directory) to rebuild it from the log")
    }

    /// Sleeps up to `duration`, waking early when asked to stop.
    private func pause(_ duration: Duration) async throws {
        let deadline = ContinuousClock.now + duration
        while !shouldStop, ContinuousClock.now < deadline {
            try await Task.sleep(for: min(.milliseconds(100), deadline - .now))
        }
    }

    private func describe(_ offsets: [TopicPartition: Offset]) -> String {
        offsets.isEmpty ? "no offsets" : offsets.sorted { $0.key < $1.key }.map { "\($0.key)@\($0.value)" }.joined(separator: ", ")
    }
}
