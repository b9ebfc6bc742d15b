import Foundation
public import Logging
public import NagareCore
public import NagareEngine
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
        public init() {}
    }

    let definition: PipelineDefinition
    let options: Options
    let logger: Logger
    private let stopRequested = Atomic<Bool>(false)
    /// Live figures for logs and the status endpoint.
    public let status = Mutex(RunnerStatus())

    public init(definition: PipelineDefinition, options: Options, logger: Logger) {
        self.definition = definition
        self.options = options
        self.logger = logger
    }

    public func stop() { stopRequested.store(true, ordering: .relaxed) }

    var shouldStop: Bool {
        if stopRequested.load(ordering: .relaxed) { return true }
        if let path = options.stopFile, FileManager.default.fileExists(atPath: path) {
            logger.info("stop file \(path) found: stopping after the current batch")
            try? FileManager.default.removeItem(atPath: path)
            stopRequested.store(true, ordering: .relaxed)
            return true
        }
        return false
    }

    public func run() async throws {
        let pipeline = try Pipeline(definition, now: EngineClock.continuous.now())
        try await createTopics()

        var producerConfig = TransactionalProducerConfiguration(
            transactionalID: "nagare.\(definition.name).\(options.instanceID)", client: options.client)
        producerConfig.producer.lingerMilliseconds = 5
        let producer = try TransactionalProducer(configuration: producerConfig, logger: logger)
        defer { producer.close() }
        try await producer.initTransactions()

        var consumerConfig = ConsumerConfiguration(client: options.client, groupID: definition.source.group)
        consumerConfig.isolationLevel = .readCommitted
        consumerConfig.maxPollRecords = definition.execution.maxRecordsPerBatch
        // Never jump silently: an out-of-range committed offset is an error, not a reset.
        consumerConfig.client.properties["auto.offset.reset"] = "error"
        consumerConfig.startFrom = definition.source.startFrom
        consumerConfig.resolvesStartOnAssignment = true
        let consumer = try Consumer(configuration: consumerConfig, logger: logger)
        try consumer.subscribe(definition.source.topics)

        let source = KafkaRecordSource(consumer: consumer)
        let sink = KafkaTransactionalSink(producer: producer, consumer: consumer)
        let loop = BatchLoop(pipeline: pipeline, source: source, sink: sink,
                             changelogReader: KafkaChangelogReader(client: options.client, logger: logger))
        let logger = self.logger
        loop.onEvent = { event in
            switch event {
            case .restored(let tp, let n, let offset):
                logger.info("restored \(tp) from \(n) changelog records, resuming at \(offset.map(String.init(describing:)) ?? "start")")
            case .offsetMismatch(let tp, let changelog, let group):
                logger.warning("\(tp): state recorded offset \(changelog) but the group's is \(group.map(String.init(describing:)) ?? "none")")
            case .aborted(let attempt, let reason): logger.warning("batch aborted (attempt \(attempt)): \(reason)")
            case .tableReloadFailed(let m): logger.error("table reload failed: \(m)")
            case .recordSkipped(let m): logger.warning("record skipped: \(m)")
            }
        }
        logger.info("pipeline \(definition.name) running: \(definition.source.topics) → group \(definition.source.group)")
        do {
            while !shouldStop {
                for change in source.takeRebalances() {
                    switch change {
                    case .assigned(let ps):
                        logger.info("assigned \(ps.map(\.description).joined(separator: ", "))")
                        try await loop.assign(ps)
                    case .revoked(let ps), .lost(let ps):
                        logger.info("released \(ps.map(\.description).joined(separator: ", "))")
                        loop.revoke(ps)
                    }
                }
                let started = ContinuousClock.now
                let outcome = try await loop.runBatch()
                record(outcome, loop: loop, duration: ContinuousClock.now - started)
            }
        } catch {
            try? await consumer.close()
            throw error
        }
        logger.info("stopping: last batch committed; leaving the group")
        try await consumer.close()
        logger.info("stopped after \(loop.committedBatches) batches, \(loop.statistics.inputRecords) records")
    }

    private func record(_ outcome: BatchLoop.BatchOutcome, loop: BatchLoop, duration: Duration) {
        status.withLock { s in
            switch outcome {
            case .idle: break
            case .committed(let stats):
                s.batches += 1
                s.inputRecords += stats.inputRecords
                s.lastBatchRecords = stats.inputRecords
                s.lastBatchDuration = duration
            case .aborted: s.abortedBatches += 1
            }
            s.assigned = loop.tasks.keys.sorted()
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
    public var batches = 0
    public var abortedBatches = 0
    public var inputRecords = 0
    public var lastBatchRecords = 0
    public var lastBatchDuration: Duration = .zero
    public var assigned: [TopicPartition] = []
}
