public import NagareCore

/// Drives the partition tasks of one process in exactly-once micro-batches.
///
/// Per batch, for all tasks together (DESIGN.md, "Exactly-once, precisely"):
///
///     poll ≤ maxRecordsPerBatch ─▶ each task: process ─▶ begin ─▶ send outputs, dead letters,
///     changelog ─▶ sendOffsets(next offsets) ─▶ commit ─▶ tasks mark the offsets committed
///
///     abortable error ─▶ abort ─▶ every task is replaced by one restored from the changelog
///                        at the committed offsets ─▶ the next batch re-reads them (at most
///                        maxBatchRetries times in a row)
///     fenced          ─▶ abort (best effort) ─▶ throw: another process owns the partitions,
///                        nothing more may be written
///     fail policy, other errors ─▶ abort ─▶ throw
///
/// While a batch's transaction commits, the next batch is polled and processed ("read ahead"),
/// so the broker's commit work and the processing overlap. The read-ahead batch is only sent
/// once the commit has succeeded, in the next transaction; if the commit fails, the read-ahead
/// results are dropped with the aborted batch and every task is restored. Tasks only move
/// forward, so after any failure the state is rebuilt the one way a new owner builds it: from
/// the changelog, which holds exactly the committed state.
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
    /// The newest Kafka timestamp (ms) among the records of the last committed batch.
    public private(set) var newestTimestampOfLastCommit: Int64?
    /// A batch processed while the previous one committed, not yet sent.
    private var readAhead: ProcessedBatch?
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
        try await assign(partitions, firstOffsets: [:])
    }

    /// `assign`, where a partition without a committed offset rewinds to `firstOffsets[tp]` (where
    /// a replaced task of it first read) rather than to the source's start position.
    private func assign(
        _ partitions: [TopicPartition], firstOffsets: [TopicPartition: Offset]
    ) async throws(EngineError) {
        let new = partitions.filter { tasks[$0] == nil }
        guard !new.isEmpty else { return }
        let committed = try await io("read committed offsets") { try await source.committedOffsets(for: new) }
        for tp in new {
            let task = pipeline.makeTask(for: tp)
            let records = try await io("read changelog of \(tp)") {
                try await changelogReader.readChangelog(topic: pipeline.definition.changelogTopic, partition: tp.partition)
            }
            try task.restore(from: records)
            task.setCommittedOffset(committed[tp], firstOffset: firstOffsets[tp])
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
            _ = try await runBatch(readAhead: !shouldStop())
        }
    }

    /// One partition's part of a processed batch, with the task that produced it (a task
    /// replaced since, by a revocation or an abort, makes the part stale).
    private struct ProcessedPart {
        let task: PartitionTask
        let result: TaskBatchResult
    }

    /// Records polled and processed, waiting to be sent in a transaction.
    private struct ProcessedBatch {
        var parts: [ProcessedPart]
        var newestTimestamp: Int64?
    }

    /// Sends one batch in one transaction and commits it: the batch read ahead during the
    /// previous commit, or else one polled now. While the commit runs, the next batch is polled
    /// and processed when `readAhead` is true (pass false when about to stop, so that no work is
    /// done only to be dropped). Returns when the transaction committed or aborted.
    public func runBatch(readAhead: Bool = true) async throws(EngineError) -> BatchOutcome {
        for message in pipeline.refreshTables(now: clock.now()) { onEvent(.tableReloadFailed(message)) }
        var batch: ProcessedBatch
        if let ahead = self.readAhead {
            self.readAhead = nil
            // Parts of tasks replaced since (revoked, or restored) are stale: their records
            // are read again from the committed offsets.
            batch = ProcessedBatch(parts: ahead.parts.filter { tasks[$0.task.topicPartition] === $0.task },
                                   newestTimestamp: ahead.newestTimestamp)
        } else {
            do {
                guard let polled = try await pollAndProcess() else { return .idle }
                batch = polled
            } catch {
                return try await recover(from: error)
            }
        }
        guard !batch.parts.isEmpty else { return .idle }

        var statistics = TaskStatistics()
        var offsets: [PartitionOffset] = []
        var skipped: [String] = []
        do {
            try await sink.beginTransaction()
            for part in batch.parts {
                let result = part.result
                if !result.outputs.isEmpty { try await sink.send(result.outputs) }
                if !result.deadLetters.isEmpty { try await sink.send(result.deadLetters) }
                if !result.changelog.isEmpty { try await sink.send(result.changelog) }
                if let next = result.nextOffset { offsets.append(PartitionOffset(result.topicPartition, next)) }
                statistics += result.statistics
                skipped += result.skippedReasons
            }
            try await sink.sendOffsets(offsets, groupID: pipeline.definition.source.group)
        } catch {
            return try await recover(from: error)
        }

        // Commit, and meanwhile read the next batch ahead.
        let committing = UncheckedSink(sink)
        async let commitOutcome: Result<Void, any Error> = {
            do {
                try await committing.value.commitTransaction()
                return .success(())
            } catch {
                return .failure(error)
            }
        }()
        var ahead: Result<ProcessedBatch?, EngineError> = .success(nil)
        if readAhead {
            do throws(EngineError) { ahead = .success(try await pollAndProcess()) } catch { ahead = .failure(error) }
        }
        if case .failure(let error) = await commitOutcome {
            return try await recover(from: error)
        }
        for part in batch.parts { part.task.markCommitted(part.result.nextOffset) }
        self.statistics += statistics
        committedBatches += 1
        consecutiveAborts = 0
        newestTimestampOfLastCommit = batch.newestTimestamp
        for reason in skipped { onEvent(.recordSkipped(reason)) }
        switch ahead {
        case .success(let next): self.readAhead = next
        // The commit succeeded; what failed is reading or processing the next batch, which
        // nothing was sent for. Fatal errors stop the loop as they would have in that batch.
        case .failure(let error): _ = try await recover(from: error, abort: false)
        }
        return .committed(statistics)
    }

    /// Polls once and runs the records through their tasks; nil when nothing arrived.
    private func pollAndProcess() async throws(EngineError) -> ProcessedBatch? {
        let records = try await io("poll") {
            try await source.poll(maxRecords: settings.maxRecordsPerBatch, timeout: settings.commitInterval)
        }
        guard !records.isEmpty else { return nil }

        // Group per partition, keeping offset order; records of unassigned partitions (a
        // revocation racing a poll) are not ours to process. Records come in runs per
        // partition: a group is a list of runs (slices of `records`, not copies).
        var order: [TopicPartition] = []
        var groups: [TopicPartition: [ArraySlice<Record>]] = [:]
        var newest: Int64?
        let taken = records.prefix(settings.maxRecordsPerBatch)
        var runStart = taken.startIndex
        while runStart < taken.endIndex {
            let tp = taken[runStart].topicPartition
            var runEnd = runStart
            while runEnd < taken.endIndex && taken[runEnd].topicPartition == tp {
                if taken[runEnd].timestampMilliseconds > newest ?? .min { newest = taken[runEnd].timestampMilliseconds }
                runEnd += 1
            }
            if tasks[tp] != nil {
                if groups[tp] == nil { order.append(tp) }
                groups[tp, default: []].append(taken[runStart..<runEnd])
            }
            runStart = runEnd
        }
        guard !order.isEmpty else { return nil }
        let results = try await processAll(order, groups)
        return ProcessedBatch(
            parts: zip(order, results).map { ProcessedPart(task: tasks[$0.0]!, result: $0.1) },
            newestTimestamp: newest)
    }

    /// Runs each partition's records through its task, up to `parallelism` tasks at a time
    /// (tasks share only the pipeline's read-only tables); results come back in `order`.
    /// The first task error (the `fail` policy) is thrown; the caller rolls back every task.
    private func processAll(
        _ order: [TopicPartition], _ groups: [TopicPartition: [ArraySlice<Record>]]
    ) async throws(EngineError) -> [TaskBatchResult] {
        let counts = groups.mapValues { $0.reduce(0) { $0 + $1.count } }
        let workers = min(order.count, settings.parallelism > 0 ? settings.parallelism : Self.processorCount)
        if workers <= 1 {
            var results: [TaskBatchResult] = []
            for tp in order { results.append(try tasks[tp]!.process(groups[tp]!.joined())) }
            return results
        }
        // Deal the partitions to the workers, biggest first, each to the least loaded one.
        var shares = Array(repeating: [Int](), count: workers)
        var loads = Array(repeating: 0, count: workers)
        for i in order.indices.sorted(by: { counts[order[$0]]! > counts[order[$1]]! }) {
            let w = loads.indices.min { loads[$0] < loads[$1] }!
            shares[w].append(i)
            loads[w] += counts[order[i]]!
        }
        let jobs = shares.map { share in share.map { (index: $0, task: UncheckedTask(tasks[order[$0]]!), records: groups[order[$0]]!) } }
        let outcomes = await withTaskGroup(of: Result<[(Int, TaskBatchResult)], EngineError>.self) { group in
            for job in jobs {
                group.addTask {
                    var done: [(Int, TaskBatchResult)] = []
                    for item in job {
                        let result = Result { () throws(EngineError) in try item.task.value.process(item.records.joined()) }
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

    /// Aborts the open transaction, replaces every task by one restored from the changelog at
    /// the committed offsets, and decides whether to go on.
    /// `abort: false` when no transaction is open (what failed was the read-ahead).
    private func recover(from error: any Error, abort: Bool = true) async throws(EngineError) -> BatchOutcome {
        let engineError = (error as? EngineError) ?? EngineError(.ioFailed, "\(error)", cause: error)
        // Abort may itself fail (e.g. fenced); the first error is the one reported.
        if abort { try? await sink.abortTransaction() }
        readAhead = nil
        abortedBatches += 1
        guard engineError.isRetriable else { throw engineError }
        consecutiveAborts += 1
        onEvent(.aborted(attempt: consecutiveAborts, reason: engineError.description))
        if consecutiveAborts > settings.maxBatchRetries {
            throw EngineError(.retriesExhausted,
                "batch aborted \(consecutiveAborts) times in a row (execution.maxBatchRetries: \(settings.maxBatchRetries)); last: \(engineError.message)",
                cause: engineError)
        }
        let partitions = tasks.keys.sorted()
        let firstOffsets = tasks.compactMapValues(\.firstOffset)
        tasks.removeAll()
        try await assign(partitions, firstOffsets: firstOffsets)
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

/// The sink, for the commit that runs beside the read-ahead. Safe because the loop makes no
/// other sink call until the commit has finished.
private struct UncheckedSink: @unchecked Sendable {
    let value: any TransactionalSink
    init(_ value: any TransactionalSink) { self.value = value }
}
