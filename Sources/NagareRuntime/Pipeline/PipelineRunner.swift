public import Foundation
public import Logging
public import NagareCore
public import NagareEngine
public import NagareHTTP
public import NagareKafka
public import Synchronization

/// Runs one pipeline process (`nagare run`): the engine's batch loop bound to Kafka.
///
/// Start-up order matters for exactly-once: the transactional producer initialises first, which
/// fences an earlier instance with the same transactional id and aborts its open transaction, so
/// the changelog and the group's offsets read afterwards are exactly those of the last committed
/// batch. Then the consumer joins the group; tasks are created as partitions are assigned.
///
/// Stopping (SIGTERM/SIGINT, the stop file, `stop()`) is checked between batches: the current
/// batch finishes and commits, then the consumer leaves the group and the process exits.
public final class PipelineRunner: Sendable {
    public struct Options: Sendable {
        public var client = ClientConfiguration()
        /// Distinguishes processes of the same pipeline: part of the transactional id, which must
        /// be stable across restarts of one process and different between processes.
        public var instanceID = "0"
        /// When this file exists, the runner stops after the current batch (and deletes it).
        public var stopFile: String?
        /// Partitions for output topics created because they were missing.
        public var defaultPartitions: Int32 = 6
        /// A committed offset outside the partition's log starts the partition at the log's
        /// start (offset below it) or end (offset above it), with a warning saying how many
        /// events that skips, instead of stopping the run. Default: false.
        public var allowsOffsetReset = false
        /// `.atLeastOnce` is a demonstration mode (see `AtLeastOnceSink`): outputs without a
        /// transaction, offsets committed after them. Default: `.exactlyOnce`.
        public var delivery = Delivery.exactlyOnce
        public init() {}
    }

    /// How a batch's outputs and input offsets are committed.
    public enum Delivery: String, Sendable, CaseIterable {
        /// One Kafka transaction per batch: outputs, changelog and offsets, all or nothing.
        case exactlyOnce = "exactly-once"
        /// Demonstration only: outputs produced plainly, then a plain offset commit; a crash
        /// in between duplicates the batch.
        case atLeastOnce = "at-least-once"
    }

    let definition: PipelineDefinition
    let options: Options
    let logger: Logger
    private let stopRequested = Atomic<Bool>(false)
    /// Live figures for logs and the status endpoint.
    public let status = Mutex(RunnerStatus())
    /// When this runner was created (the process's start, for the status endpoint).
    public let startedAt = Date()
    let startedInstant = ContinuousClock.now

    public init(definition: PipelineDefinition, options: Options, logger: Logger) {
        self.definition = definition
        self.options = options
        self.logger = logger
    }

    public func stop() {
        stopRequested.store(true, ordering: .relaxed)
        status.withLock { $0.state = .stopping }
    }

    var shouldStop: Bool {
        if stopRequested.load(ordering: .relaxed) { return true }
        if let path = options.stopFile, FileManager.default.fileExists(atPath: path) {
            logger.info("stop file \(path) found: stopping after the current batch")
            try? FileManager.default.removeItem(atPath: path)
            stop()
            return true
        }
        return false
    }

    public func run() async throws {
        let pipeline = try Pipeline(definition, now: EngineClock.continuous.now())
        try await createTopics()

        var producerConfig = TransactionalProducerConfiguration(
            transactionalID: "nagare.\(definition.name).\(options.instanceID)", client: options.client)
        // Each commit flushes, so the linger adds no latency to a batch; a long one lets
        // librdkafka build fewer, fuller produce requests while a big batch is sent (at 5 ms its
        // broker thread woke for every few records: bench throughput job CPU 7.5-9.1 s per
        // million events at 5 ms, 6.6-7.5 at 100; latency p50 127 ms both).
        producerConfig.producer.lingerMilliseconds = 100
        let producer = options.delivery == .exactlyOnce
            ? try TransactionalProducer(configuration: producerConfig, logger: logger) : nil
        defer { producer?.close() }
        try await producer?.initTransactions()
        // --delivery at-least-once (demonstration): a plain producer, no fencing.
        let plainProducer = producer == nil ? try Producer(configuration: producerConfig.producer, logger: logger) : nil
        let written = [definition.sinks.output, definition.sinks.windows, definition.sinks.deadLetter,
                       definition.changelogTopic].compactMap { $0 }
        do {
            try await producer?.loadMetadata(for: written)
            try await plainProducer?.loadMetadata(for: written)
        } catch {
            // Only a head start: librdkafka still finds the topics on its own refresh.
            logger.warning("could not load the metadata of \(written.joined(separator: ", ")): \(error)")
        }
        if plainProducer != nil {
            logger.warning("delivery at-least-once: a demonstration mode; a crash duplicates what was processed since the last offset commit (every 5 s)")
        }

        var consumerConfig = ConsumerConfiguration(client: options.client, groupID: definition.source.group)
        consumerConfig.isolationLevel = .readCommitted
        consumerConfig.maxPollRecords = definition.execution.maxRecordsPerBatch
        // Never jump silently: an out-of-range committed offset is an error, not a reset.
        consumerConfig.client.properties["auto.offset.reset"] = "error"
        // More than a second of catching up at full speed (~400,000 example events).
        consumerConfig.maxPrefetchKilobytes = 131_072
        consumerConfig.startFrom = definition.source.startFrom
        consumerConfig.resolvesStartOnAssignment = true
        // --allow-reset: the fetch starts inside the log; KafkaRecordSource warns per partition.
        consumerConfig.startsOutOfRangeOffsetsInLog = options.allowsOffsetReset
        let consumer = try Consumer(configuration: consumerConfig, logger: logger)
        try consumer.subscribe(definition.source.topics)

        let source = KafkaRecordSource(consumer: consumer, allowsReset: options.allowsOffsetReset, logger: logger)
        let atLeastOnce = plainProducer.map { AtLeastOnceSink(producer: $0, consumer: consumer, stateTopic: definition.changelogTopic) }
        let sink: any TransactionalSink = if let producer {
            KafkaTransactionalSink(producer: producer, consumer: consumer)
        } else {
            atLeastOnce!
        }
        let timedSink = CommitTimingSink(sink) { [self] time in
            status.withLock { $0.commitSeconds.observe(time) }
        }
        let loop = BatchLoop(pipeline: pipeline, source: source, sink: timedSink,
                             changelogReader: KafkaChangelogReader(client: options.client, logger: logger))
        let logger = self.logger
        loop.onEvent = { [self] event in
            switch event {
            case .restored(let tp, let n, let offset):
                status.withLock { $0.taskRestores += 1 }
                logger.info("restored \(tp) from \(n) changelog records, resuming at \(offset.map(String.init(describing:)) ?? "start")")
            case .offsetMismatch(let tp, let changelog, let group):
                logger.warning("\(tp): state recorded offset \(changelog) but the group's is \(group.map(String.init(describing:)) ?? "none")")
            case .aborted(let attempt, let reason): logger.warning("batch aborted (attempt \(attempt)): \(reason)")
            case .tableReloadFailed(let m): logger.error("table reload failed: \(m)")
            case .recordSkipped(let m): logger.warning("record skipped: \(m)")
            }
        }
        // End offsets for the status's lag, refreshed once a second apart from the batch loop.
        let endOffsets = Task { await refreshEndOffsets(consumer) }
        defer { endOffsets.cancel() }
        status.withLock { if $0.state == .starting { $0.state = .running } }
        logger.info("pipeline \(definition.name) running: \(definition.source.topics) → group \(definition.source.group)")
        do {
            while !shouldStop {
                for change in source.takeRebalances() {
                    status.withLock { $0.rebalances += 1 }
                    switch change {
                    case .assigned(let ps):
                        logger.info("assigned \(ps.map(\.description).joined(separator: ", "))")
                        try await loop.assign(ps)
                        recordAssignment(loop)
                    case .revoked(let ps), .lost(let ps):
                        logger.info("released \(ps.map(\.description).joined(separator: ", "))")
                        loop.revoke(ps)
                        recordAssignment(loop)
                    }
                }
                let started = ContinuousClock.now
                let outcome = try await loop.runBatch(readAhead: !shouldStop)
                record(outcome, loop: loop, duration: ContinuousClock.now - started,
                       newestTimestamp: loop.newestTimestampOfLastCommit)
                do { try await atLeastOnce?.commitPendingIfDue() } catch {
                    logger.warning("at-least-once offset commit failed (retried in the next interval): \(error)")
                }
            }
            // A batch read ahead before the stop was seen is open: commit it too.
            let started = ContinuousClock.now
            if let outcome = try await loop.finish() {
                record(outcome, loop: loop, duration: ContinuousClock.now - started,
                       newestTimestamp: loop.newestTimestampOfLastCommit)
            }
            try await atLeastOnce?.commitPending()
        } catch {
            try? await consumer.close()
            throw error
        }
        logger.info("stopping: last batch committed; leaving the group")
        try await consumer.close()
        logger.info("stopped after \(loop.committedBatches) batches, \(loop.statistics.inputRecords) records")
    }

    private func record(_ outcome: BatchLoop.BatchOutcome, loop: BatchLoop, duration: Duration, newestTimestamp: Int64?) {
        let now = Date()
        status.withLock { s in
            switch outcome {
            case .idle: break
            case .committed(let stats):
                s.batches += 1
                s.inputRecords += stats.inputRecords
                s.totals += stats
                s.lastBatchRecords = stats.inputRecords
                s.lastBatchOutputRecords = stats.outputRecords
                s.lastBatchDuration = duration
                s.batchSeconds.observe(duration)
                s.lastBatchCompletedAt = now
                s.lastBatchDelayMilliseconds = newestTimestamp.map { Int64((now.timeIntervalSince1970 * 1000).rounded()) - $0 }
            case .aborted: s.abortedBatches += 1
            }
        }
        recordAssignment(loop)
    }

    /// The assigned partitions and their committed offsets, as the tasks know them.
    private func recordAssignment(_ loop: BatchLoop) {
        let committed = loop.tasks.compactMapValues(\.committedOffset)
        let assigned = loop.tasks.keys.sorted()
        status.withLock { s in
            s.assigned = assigned
            s.committedOffsets = committed
            s.endOffsets = s.endOffsets.filter { assigned.contains($0.key) }
        }
    }

    /// Asks the broker for the assigned partitions' high watermarks once a second until
    /// cancelled. A failed request leaves the previous value.
    private func refreshEndOffsets(_ consumer: Consumer) async {
        while !Task.isCancelled {
            let partitions = status.withLock { $0.assigned }
            for tp in partitions {
                guard let (_, high) = try? await consumer.watermarks(tp, timeout: .seconds(2)) else { continue }
                status.withLock { s in
                    if s.assigned.contains(tp) { s.endOffsets[tp] = high }
                }
            }
            try? await Task.sleep(for: .seconds(1))
        }
    }

    /// Creates the pipeline's output, dead-letter, window and changelog topics if missing. The
    /// changelog is compacted and has as many partitions as the input (a task's state lives in
    /// the changelog partition with its input partition's number).
    private func createTopics() async throws {
        let admin = try Admin(configuration: options.client, logger: logger)
        defer { admin.close() }
        let existing = try await admin.listTopics()
        let byName = Dictionary(existing.map { ($0.name, $0.partitions.count) }, uniquingKeysWith: { a, _ in a })
        let inputPartitions = definition.source.topics.compactMap { byName[$0] }.max().map(Int32.init) ?? options.defaultPartitions
        var wanted: [NewTopic] = []
        for topic in definition.source.topics where byName[topic] == nil {
            wanted.append(NewTopic(name: topic, partitions: inputPartitions))
        }
        for topic in [definition.sinks.output, definition.sinks.windows, definition.sinks.deadLetter].compactMap({ $0 })
            where byName[topic] == nil {
            wanted.append(NewTopic(name: topic, partitions: inputPartitions))
        }
        if let changelogPartitions = byName[definition.changelogTopic] {
            guard changelogPartitions >= inputPartitions else {
                throw ConfigurationError("\(definition.changelogTopic) has \(changelogPartitions) partitions but the input has \(inputPartitions); a task's state needs the changelog partition of its input partition")
            }
        } else {
            wanted.append(NewTopic(name: definition.changelogTopic, partitions: inputPartitions, configs: ["cleanup.policy": "compact"]))
        }
        if !wanted.isEmpty {
            logger.info("creating topics \(wanted.map(\.name).joined(separator: ", "))")
            try await admin.createTopics(wanted)
        }
    }
}

/// What a running pipeline process has done so far.
public struct RunnerStatus: Sendable {
    public enum State: String, Sendable {
        case starting, running, stopping
    }

    public var state = State.starting
    public var batches = 0
    public var abortedBatches = 0
    public var inputRecords = 0
    public var lastBatchRecords = 0
    public var lastBatchDuration: Duration = .zero
    public var assigned: [TopicPartition] = []
    public var lastBatchOutputRecords = 0
    /// When the last batch committed minus the Kafka timestamp of the newest record it read.
    public var lastBatchDelayMilliseconds: Int64?
    public var lastBatchCompletedAt: Date?
    /// Over committed batches.
    public var totals = TaskStatistics()
    /// Per assigned partition: the next offset to read, as committed.
    public var committedOffsets: [TopicPartition: Offset] = [:]
    /// Per assigned partition: the high watermark, refreshed about once a second.
    public var endOffsets: [TopicPartition: Offset] = [:]
    /// Committed batches: from the poll to the transaction's commit.
    public var batchSeconds = PrometheusHistogram()
    /// Each successful `commitTransaction` call (in `--delivery at-least-once`: the flush and
    /// the offset commit that stand in for it).
    public var commitSeconds = PrometheusHistogram()
    /// Tasks restored from the changelog (at start and whenever a partition is assigned).
    public var taskRestores = 0
    /// Assignment changes (partitions assigned, revoked or lost) applied between batches.
    public var rebalances = 0
}
