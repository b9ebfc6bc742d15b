public import NagareCore

/// Drives the partition tasks of one process in exactly-once micro-batches.
///
/// Per batch, for all tasks together (DESIGN.md, "Exactly-once, precisely"):
///
///     poll ≤ maxRecordsPerBatch ─▶ begin ─▶ each task: process ─▶ send outputs, dead letters,
///     changelog ─▶ sendOffsets(next offsets) ─▶ commit ─▶ tasks commit their state
///
///     abortable error ─▶ abort ─▶ every task rolls back state and position ─▶ seek source to
///                        the committed offsets ─▶ the next batch re-reads them (at most
///                        maxBatchRetries times in a row)
///     fenced          ─▶ abort (best effort) ─▶ roll back ─▶ throw: another process owns
///                        the partitions, nothing more may be written
///     fail policy, other errors ─▶ abort ─▶ roll back ─▶ throw
///
/// The tasks' state only becomes the new base after `commitTransaction` returns, so after any
/// failure the in-memory state is exactly the state of the committed offsets, as a task
/// restored from the changelog would have it.
///
/// Not `Sendable`: one loop runs in one task; the runtime calls `assign`/`revoke` between
/// batches (from its rebalance handling), never during one.
public final class BatchLoop {
    /// What happened, for the runtime's logs and status page.
    public enum Event: Sendable {
        case restored(TopicPartition, changelogRecords: Int, committedOffset: Offset?)
        /// The changelog's recorded offset and the group's committed offset differ: the group's
        /// offsets were reset by hand; the restored state is kept.
        case offsetMismatch(TopicPartition, changelog: Offset, group: Offset?)
        case aborted(attempt: Int, reason: String)
        case tableReloadFailed(String)
        case recordSkipped(String)
    }

    /// One batch's outcome.
    public enum BatchOutcome: Hashable, Sendable {
        /// No records arrived within the commit interval; nothing was written.
        case idle
        case committed(TaskStatistics)
        /// The transaction aborted and the tasks were rewound; the next batch retries.
        case aborted
    }

    public let pipeline: Pipeline
    private let source: any RecordSource
    private let sink: any TransactionalSink
    private let changelogReader: any ChangelogReader
    private let clock: EngineClock
    public private(set) var tasks: [TopicPartition: PartitionTask] = [:]
    /// Counts over committed batches only.
    public private(set) var statistics = TaskStatistics()
    public private(set) var committedBatches = 0
    public private(set) var abortedBatches = 0
    private var consecutiveAborts = 0
    /// Called synchronously for every `Event`.
    public var onEvent: (Event) -> Void = { _ in }

    public init(
        pipeline: Pipeline, source: any RecordSource, sink: any TransactionalSink,
        changelogReader: any ChangelogReader, clock: EngineClock = .continuous
    ) {
        self.pipeline = pipeline
        self.source = source
        self.sink = sink
        self.changelogReader = changelogReader
        self.clock = clock
    }

    private var settings: ExecutionSettings { pipeline.definition.execution }

    // MARK: - Assignment

    /// Creates tasks for newly assigned partitions: restores each one's state from the
    /// changelog, then seeks the source to the group's committed offset (or `startFrom` for a
    /// partition never committed).
    public func assign(_ partitions: [TopicPartition]) async throws(EngineError) {
        let new = partitions.filter { tasks[$0] == nil }
        guard !new.isEmpty else { return }
        let committed = try await io("read committed offsets") { try await source.committedOffsets(for: new) }
        for tp in new {
            let task = pipeline.makeTask(for: tp)
            let records = try await io("read changelog of \(tp)") {
                try await changelogReader.readChangelog(topic: pipeline.definition.changelogTopic, partition: tp.partition)
            }
            try task.restore(from: records)
            task.setCommittedOffset(committed[tp])
            if let restored = task.restoredOffset, restored != committed[tp] {
                onEvent(.offsetMismatch(tp, changelog: restored, group: committed[tp]))
            }
            try await seek(task)
            tasks[tp] = task
            onEvent(.restored(tp, changelogRecords: records.count, committedOffset: committed[tp]))
        }
    }

    /// Drops the tasks of revoked partitions. Between batches every task's state is committed,
    /// so nothing is lost: the next owner restores it from the changelog.
    public func revoke(_ partitions: [TopicPartition]) {
        for tp in partitions { tasks[tp] = nil }
    }

    // MARK: - Batches

    /// Runs batches until `shouldStop` returns true (checked between batches, so the current
    /// batch always finishes and commits first).
    public func run(until shouldStop: () -> Bool) async throws(EngineError) {
        while !shouldStop() {
            _ = try await runBatch()
        }
    }

    /// Polls once and processes what arrived in one transaction.
    public func runBatch() async throws(EngineError) -> BatchOutcome {
        for message in pipeline.refreshTables(now: clock.now()) { onEvent(.tableReloadFailed(message)) }
        let records = try await io("poll") {
            try await source.poll(maxRecords: settings.maxRecordsPerBatch, timeout: settings.commitInterval)
        }
        guard !records.isEmpty else { return .idle }

        // Group per partition, keeping offset order; records of unassigned partitions (a
        // revocation racing a poll) are not ours to process.
        // Records come in runs per partition, so the partition is looked up once per run.
        var order: [TopicPartition] = []
        var groups: [TopicPartition: [Record]] = [:]
        var run: (partition: TopicPartition, records: [Record])?
        for record in records.prefix(settings.maxRecordsPerBatch) {
            if let current = run, current.partition == record.topicPartition {
                run!.records.append(record)
                continue
            }
            if let finished = run { groups[finished.partition]! += finished.records }
            run = nil
            let tp = record.topicPartition
            guard tasks[tp] != nil else { continue }
            if groups[tp] == nil {
                order.append(tp)
                groups[tp] = []
            }
            run = (tp, [record])
        }
        if let finished = run { groups[finished.partition]! += finished.records }
        guard !order.isEmpty else { return .idle }

        do {
            try await sink.beginTransaction()
            var batchStatistics = TaskStatistics()
            var offsets: [PartitionOffset] = []
            var skipped: [String] = []
            for result in try await processAll(order, groups) {
                let tp = result.topicPartition
                if !result.outputs.isEmpty { try await sink.send(result.outputs) }
                if !result.deadLetters.isEmpty { try await sink.send(result.deadLetters) }
                if !result.changelog.isEmpty { try await sink.send(result.changelog) }
                if let next = result.nextOffset { offsets.append(PartitionOffset(tp, next)) }
                batchStatistics += result.statistics
                skipped += result.skippedReasons
            }
            try await sink.sendOffsets(offsets, groupID: pipeline.definition.source.group)
            try await sink.commitTransaction()
            for tp in order { tasks[tp]!.commit() }
            statistics += batchStatistics
            committedBatches += 1
            consecutiveAborts = 0
            for reason in skipped { onEvent(.recordSkipped(reason)) }
            return .committed(batchStatistics)
        } catch {
            return try await recover(from: error)
        }
    }

    /// Runs each partition's records through its task, up to `parallelism` tasks at a time
    /// (tasks share only the pipeline's read-only tables); results come back in `order`.
    /// The first task error (the `fail` policy) is thrown; the caller rolls back every task.
    private func processAll(
        _ order: [TopicPartition], _ groups: [TopicPartition: [Record]]
    ) async throws(EngineError) -> [TaskBatchResult] {
        let workers = min(order.count, settings.parallelism > 0 ? settings.parallelism : Self.processorCount)
        if workers <= 1 {
            var results: [TaskBatchResult] = []
            for tp in order { results.append(try tasks[tp]!.process(groups[tp]!)) }
            return results
        }
        // Deal the partitions to the workers, biggest first, each to the least loaded one.
        var shares = Array(repeating: [Int](), count: workers)
        var loads = Array(repeating: 0, count: workers)
        for i in order.indices.sorted(by: { groups[order[$0]]!.count > groups[order[$1]]!.count }) {
            let w = loads.indices.min { loads[$0] < loads[$1] }!
            shares[w].append(i)
            loads[w] += groups[order[i]]!.count
        }
        let jobs = shares.map { share in share.map { (index: $0, task: UncheckedTask(tasks[order[$0]]!), records: groups[order[$0]]!) } }
        let outcomes = await withTaskGroup(of: Result<[(Int, TaskBatchResult)], EngineError>.self) { group in
            for job in jobs {
                group.addTask {
                    var done: [(Int, TaskBatchResult)] = []
                    for item in job {
                        let result = Result { () throws(EngineError) in try item.task.value.process(item.records) }
                        switch result {
                        case .success(let r): done.append((item.index, r))
                        case .failure(let error): return .failure(error)
                        }
                    }
                    return .success(done)
                }
            }
            var all: [Result<[(Int, TaskBatchResult)], EngineError>] = []
            for await outcome in group { all.append(outcome) }
            return all
        }
        var results = [TaskBatchResult?](repeating: nil, count: order.count)
        for outcome in outcomes {
            for (index, result) in try outcome.get() { results[index] = result }
        }
        return results.map { $0! }
    }

    private static let processorCount = max(1, systemProcessorCount())

    /// Aborts the open transaction, rewinds every task, and decides whether to go on.
    private func recover(from error: any Error) async throws(EngineError) -> BatchOutcome {
        let engineError = (error as? EngineError) ?? EngineError(.ioFailed, "\(error)", cause: error)
        // Abort may itself fail (e.g. fenced); the tasks are rewound regardless, and the first
        // error is the one reported.
        try? await sink.abortTransaction()
        for task in tasks.values { task.rollback() }
        abortedBatches += 1
        guard engineError.isRetriable else { throw engineError }
        consecutiveAborts += 1
        onEvent(.aborted(attempt: consecutiveAborts, reason: engineError.description))
        if consecutiveAborts > settings.maxBatchRetries {
            throw EngineError(.retriesExhausted,
                "batch aborted \(consecutiveAborts) times in a row (execution.maxBatchRetries: \(settings.maxBatchRetries)); last: \(engineError.message)",
                cause: engineError)
        }
        for task in tasks.values { try await seek(task) }
        return .aborted
    }

    private func seek(_ task: PartitionTask) async throws(EngineError) {
        let position: SourcePosition = task.rewindOffset.map { .offset($0) } ?? .start(pipeline.definition.source.startFrom)
        try await io("seek \(task.topicPartition)") { try await source.seek(task.topicPartition, to: position) }
    }

    /// Runs a source call, wrapping foreign errors; `EngineError`s pass unchanged.
    private func io<T>(_ what: String, _ body: () async throws -> T) async throws(EngineError) -> T {
        do {
            return try await body()
        } catch let error as EngineError {
            throw error
        } catch {
            throw EngineError(.ioFailed, "\(what): \(error)", cause: error)
        }
    }
}

/// A partition task handed to one worker of a batch. Safe because each task goes to exactly
/// one worker, and the loop does not touch any task until every worker has finished.
private struct UncheckedTask: @unchecked Sendable {
    let value: PartitionTask
    init(_ value: PartitionTask) { self.value = value }
}
