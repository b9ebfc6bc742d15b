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
/// While a batch's offsets join its transaction and it commits, the next batch is polled and
/// processed ("read ahead"), so the broker's commit work and the processing overlap; only while
/// catching up (the batch held at least 2% of `maxRecordsPerBatch`), since at lower rates it
/// costs latency. The read-ahead batch is only sent once the commit has succeeded, in the next
/// transaction; if the commit fails, the read-ahead results are dropped with the aborted batch
/// and every task is restored. Tasks only move forward, so after any failure the state is
/// rebuilt the one way a new owner builds it: from the changelog, which holds exactly the
/// committed state.
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
        // All the changelog partitions at once: at start-up one read per partition, one after
        // another, had taken ~10 ms each before the first record could be fetched.
        let changelogs = try await io("read changelog of \(new.map(\.description).joined(separator: ", "))") {
            try await changelogReader.readChangelogs(
                topic: pipeline.definition.changelogTopic, partitions: Set(new.map(\.partition)).sorted())
        }
        for tp in new {
            let task = pipeline.makeTask(for: tp)
            let records = changelogs[tp.partition] ?? []
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
        try await finish()
    }

    /// A batch whose transaction is open: begun, with each partition's part sent as soon as it
    /// was processed.
    private struct OpenBatch {
        var tasks: [PartitionTask] = []
        var offsets: [PartitionOffset] = []
        var statistics = TaskStatistics()
        var skipped: [String] = []
        var newestTimestamp: Int64?
    }

    /// The batch read ahead during the last commit, its transaction open; committed by the
    /// next `runBatch`.
    private var open: OpenBatch?

    /// Commits one batch's transaction: the batch read ahead during the previous commit, or
    /// else one polled now. While the commit runs, the next batch is polled and processed when
    /// `readAhead` is true (pass false when about to stop); its parts are sent into the next
    /// transaction once this one has committed. Returns when the transaction committed or
    /// aborted.
    public func runBatch(readAhead: Bool = true) async throws(EngineError) -> BatchOutcome {
        for message in pipeline.refreshTables(now: clock.now()) { onEvent(.tableReloadFailed(message)) }
        if open == nil {
            let first = await commitAndRead(commit: nil, poll: true)
            if let error = first.error { return try await recover(from: error, abort: first.batch != nil) }
            guard let batch = first.batch else { return .idle }
            open = batch
        }
        let batch = open!
        open = nil
        // Read ahead only while catching up (this batch held at least 2% of maxRecordsPerBatch;
        // a poll during catch-up can still come back with a few thousand records when the
        // consumer's fetch queue ran dry for a moment). At lower rates a record polled during
        // the commit would wait for one more commit: latency, not throughput, matters then.
        let catchingUp = batch.statistics.inputRecords * 50 >= settings.maxRecordsPerBatch
        let next = await commitAndRead(commit: batch.offsets, poll: readAhead && catchingUp)
        if case .failure(let error)? = next.commit { return try await recover(from: error) }
        for (task, offset) in zip(batch.tasks, batch.offsets) { task.markCommitted(offset.offset) }
        statistics += batch.statistics
        committedBatches += 1
        consecutiveAborts = 0
        newestTimestampOfLastCommit = batch.newestTimestamp
        for reason in batch.skipped { onEvent(.recordSkipped(reason)) }
        // The commit succeeded; a failure belongs to the next batch, whose transaction (if begun)
        // is aborted. Fatal errors stop the loop as they would have in that batch.
        if let error = next.error {
            _ = try await recover(from: error, abort: next.batch != nil)
        } else {
            open = next.batch
        }
        return .committed(batch.statistics)
    }

    /// Commits the batch the last `runBatch` read ahead, if any, reading nothing more: after
    /// it the loop can stop with nothing in flight. Returns that commit's outcome.
    @discardableResult
    public func finish() async throws(EngineError) -> BatchOutcome? {
        guard open != nil else { return nil }
        return try await runBatch(readAhead: false)
    }

    /// What `commitAndRead` did.
    private struct ReadOutcome {
        /// The commit's result; nil when there was nothing to commit.
        var commit: Result<Void, any Error>?
        /// The batch read: its transaction begun and every part sent. Nil when nothing was read
        /// (or nothing sent).
        var batch: OpenBatch?
        /// The first failure of reading, processing or sending.
        var error: (any Error)?
    }

    private enum Step: Sendable {
        case committed(Result<Void, any Error>)
        case processed(Int, Result<TaskBatchResult, EngineError>)
    }

    /// Adds `offsets` to the open transaction and commits it (when given), and meanwhile polls
    /// the next batch (when `poll`) and runs each partition's records through its task, up to
    /// `parallelism` tasks at a time (tasks share only the pipeline's read-only tables). Each processed part is
    /// sent into a new transaction as soon as the commit has succeeded; a partition's records
    /// stay in order in one part, so per-key output order holds.
    private func commitAndRead(commit offsets: [PartitionOffset]?, poll: Bool) async -> ReadOutcome {
        var outcome = ReadOutcome()
        let committing = UncheckedSink(sink)
        let groupID = pipeline.definition.source.group
        await withTaskGroup(of: Step.self) { group in
            if let offsets {
                group.addTask {
                    do {
                        // The offsets join the transaction off the loop's path too.
                        try await committing.value.sendOffsets(offsets, groupID: groupID)
                        try await committing.value.commitTransaction()
                        return .committed(.success(()))
                    } catch {
                        return .committed(.failure(error))
                    }
                }
            }
            var polled: PolledBatch?
            if poll {
                do throws(EngineError) { polled = try await pollBatch() } catch { outcome.error = error }
            }
            // Biggest partitions first, so the last one to finish is a small one.
            var queue = (polled?.order.indices).map { Array($0) } ?? []
            if let polled { queue.sort { polled.counts[$0] > polled.counts[$1] } }
            var cursor = 0
            func startNext() {
                // After a failure, whatever else is processed would only be dropped.
                if case .failure? = outcome.commit { return }
                guard outcome.error == nil, let polled, cursor < queue.count else { return }
                let index = queue[cursor]
                cursor += 1
                let task = UncheckedTask(tasks[polled.order[index]]!)
                let records = polled.groups[index]
                group.addTask {
                    .processed(index, Result { () throws(EngineError) in try task.value.process(runs: records) })
                }
            }
            let workers = settings.parallelism > 0 ? settings.parallelism : Self.processorCount
            for _ in 0..<workers { startNext() }
            var committed = offsets == nil
            var ready: [(index: Int, result: TaskBatchResult)] = []
            for await step in group {
                switch step {
                case .committed(let result):
                    outcome.commit = result
                    if case .success = result { committed = true }
                case .processed(let index, .success(let result)):
                    startNext()
                    ready.append((index, result))
                case .processed(_, .failure(let error)):
                    if outcome.error == nil { outcome.error = error }
                }
                guard committed, outcome.error == nil, let polled else { continue }
                for part in ready {
                    do {
                        try await send(part.result, task: tasks[polled.order[part.index]]!, into: &outcome.batch, newest: polled.newestTimestamp)
                    } catch {
                        outcome.error = error
                        break
                    }
                }
                ready.removeAll()
            }
        }
        return outcome
    }

    /// Sends one processed part, beginning the batch's transaction with the first.
    private func send(
        _ result: TaskBatchResult, task: PartitionTask, into batch: inout OpenBatch?, newest: Int64?
    ) async throws {
        if batch == nil {
            try await sink.beginTransaction()
            batch = OpenBatch(newestTimestamp: newest)
        }
        if !result.outputs.isEmpty {
            try await sink.send(result.outputs)
            task.recycle(result.outputs)
        }
        if !result.deadLetters.isEmpty { try await sink.send(result.deadLetters) }
        if !result.changelog.isEmpty { try await sink.send(result.changelog) }
        if let next = result.nextOffset {
            batch!.tasks.append(task)
            batch!.offsets.append(PartitionOffset(result.topicPartition, next))
        }
        batch!.statistics += result.statistics
        batch!.skipped += result.skippedReasons
    }

    /// Records polled, grouped per assigned partition.
    private struct PolledBatch {
        var order: [TopicPartition]
        /// Per partition in `order`: runs of its records, slices of the polled array.
        var groups: [[ArraySlice<Record>]]
        var counts: [Int]
        var newestTimestamp: Int64?
    }

    /// Polls once; nil when nothing for an assigned partition arrived.
    private func pollBatch() async throws(EngineError) -> PolledBatch? {
        let records = try await io("poll") {
            try await source.poll(maxRecords: settings.maxRecordsPerBatch, timeout: settings.commitInterval)
        }
        guard !records.isEmpty else { return nil }

        // Group per partition, keeping offset order; records of unassigned partitions (a
        // revocation racing a poll) are not ours to process. Records come in runs per
        // partition: a group is a list of runs (slices of `records`, not copies).
        var batch = PolledBatch(order: [], groups: [], counts: [])
        var position: [TopicPartition: Int] = [:]
        let taken = records.prefix(settings.maxRecordsPerBatch)
        var runStart = taken.startIndex
        while runStart < taken.endIndex {
            let tp = taken[runStart].topicPartition
            var runEnd = runStart
            while runEnd < taken.endIndex && taken[runEnd].topicPartition == tp {
                let time = taken[runEnd].timestampMilliseconds
                if time > batch.newestTimestamp ?? .min { batch.newestTimestamp = time }
                runEnd += 1
            }
            if tasks[tp] != nil {
                let i = position[tp] ?? batch.order.count
                if i == batch.order.count {
                    position[tp] = i
                    batch.order.append(tp)
                    batch.groups.append([])
                    batch.counts.append(0)
                }
                batch.groups[i].append(taken[runStart..<runEnd])
                batch.counts[i] += runEnd - runStart
            }
            runStart = runEnd
        }
        return batch.order.isEmpty ? nil : batch
    }

    private static let processorCount = max(1, systemProcessorCount())

    /// Aborts the open transaction, replaces every task by one restored from the changelog at
    /// the committed offsets, and decides whether to go on.
    /// `abort: false` when no transaction is open (what failed was the read-ahead).
    private func recover(from error: any Error, abort: Bool = true) async throws(EngineError) -> BatchOutcome {
        let engineError = (error as? EngineError) ?? EngineError(.ioFailed, "\(error)", cause: error)
        // Abort may itself fail (e.g. fenced); the first error is the one reported.
        if abort { try? await sink.abortTransaction() }
        open = nil
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
