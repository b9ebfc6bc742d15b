import Dispatch
import Foundation
import NagareCore
import Synchronization

/// Makes appended data durable with as few fsyncs as possible: every append asks for a flush of
/// its partition; a partition has at most one fsync running, and everything appended before it
/// started is covered by it, so the writes of many requests share one fsync (group commit) and
/// those that arrive meanwhile share the next one.
///
/// Partitions are flushed independently, by up to `maxConcurrentFlushes` workers taking them in
/// the order they asked. A small fsync (a transaction's log record, staged offsets, markers)
/// never waits for a round over every other partition: with one flusher doing rounds over all
/// partitions, each durable step of a transaction's commit waited for the fsyncs of megabytes of
/// output in other partitions.
final class GroupCommit: Sendable {
    private struct Waiter {
        var offset: Offset
        var continuation: CheckedContinuation<Void, any Error>
    }

    /// One partition that asked for a flush, or whose flush is running.
    private struct Entry {
        var partition: PartitionState
        var waiters: [Waiter] = []
        /// Appended to (or waited on) since its running flush started: it needs another.
        var requested = false
        /// In `ready` or being flushed.
        var scheduled = false
    }

    private struct State {
        var entries: [ObjectIdentifier: Entry] = [:]
        /// Partitions waiting for a worker, oldest request first.
        var ready: [ObjectIdentifier] = []
        var readyHead = 0
        /// Workers (their queues' indices) not running.
        var idleWorkers: [Int]
        var fsyncCount: UInt64 = 0
    }

    private let state: Mutex<State>
    /// One serial queue per worker: each runs on a thread of its own while it blocks in fsync
    /// (a concurrent queue would share, and could starve, the width-limited pool that Swift's
    /// concurrency runs on).
    private let queues: [DispatchQueue]
    /// Extra wait when a worker starts, so that more writes can join its first flush.
    let lingerMicroseconds: UInt32
    /// fsyncs that may run at once (on different partitions).
    let maxConcurrentFlushes: Int
    /// Called after a flush made new data durable (consumers may now see it).
    let onDurable: @Sendable () -> Void
    /// fsyncs a partition's log and returns the offset it is now durable through (tests
    /// replace it to hold a flush back).
    let flushLog: @Sendable (PartitionState) throws -> Offset

    init(
        lingerMilliseconds: Int, maxConcurrentFlushes: Int = 4,
        flushLog: @escaping @Sendable (PartitionState) throws -> Offset = { try $0.log.flush() },
        onDurable: @escaping @Sendable () -> Void
    ) {
        lingerMicroseconds = UInt32(max(0, lingerMilliseconds) * 1000)
        self.maxConcurrentFlushes = max(1, maxConcurrentFlushes)
        state = Mutex(State(idleWorkers: Array((0..<self.maxConcurrentFlushes).reversed())))
        queues = (0..<self.maxConcurrentFlushes).map { DispatchQueue(label: "nagare.broker.group-commit-\($0)") }
        self.flushLog = flushLog
        self.onDurable = onDurable
    }

    /// fsync calls made so far (for metrics and the benchmark note).
    var fsyncCount: UInt64 { state.withLock { $0.fsyncCount } }

    /// Waiters of `partition` not yet resumed (for tests).
    func waiterCount(_ partition: PartitionState) -> Int {
        state.withLock { $0.entries[ObjectIdentifier(partition)]?.waiters.count ?? 0 }
    }

    /// Asks for a flush of `partition` without waiting for it.
    func requestFlush(_ partition: PartitionState) {
        let worker = state.withLock { s in Self.request(partition, waiter: nil, &s) }
        start(worker)
    }

    /// Waits until `partition` is on disk through `offset` (exclusive).
    func waitUntilDurable(_ partition: PartitionState, through offset: Offset) async throws {
        if partition.highWatermark >= offset { return }
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
            let worker = state.withLock { s in Self.request(partition, waiter: Waiter(offset: offset, continuation: c), &s) }
            start(worker)
        }
    }

    /// Records the request; schedules the partition unless it already is. Returns the worker
    /// to start, if one should.
    private static func request(_ partition: PartitionState, waiter: Waiter?, _ s: inout State) -> Int? {
        let id = ObjectIdentifier(partition)
        var entry = s.entries[id] ?? Entry(partition: partition)
        if let waiter { entry.waiters.append(waiter) }
        entry.requested = true
        let schedule = !entry.scheduled
        entry.scheduled = true
        s.entries[id] = entry
        guard schedule else { return nil }
        s.ready.append(id)
        return idleWorkerIfNeeded(&s)
    }

    /// An idle worker, now taken, when partitions wait for one.
    private static func idleWorkerIfNeeded(_ s: inout State) -> Int? {
        guard s.readyHead < s.ready.count else { return nil }
        return s.idleWorkers.popLast()
    }

    private func start(_ worker: Int?) {
        guard let worker else { return }
        queues[worker].async { self.work(worker) }
    }

    /// Runs on the worker's queue: flushes ready partitions until none is left.
    private func work(_ worker: Int) {
        if lingerMicroseconds > 0 { usleep(lingerMicroseconds) }
        while let (id, partition) = next(worker) {
            let result = Result { try flushLog(partition) }
            if case .success(let durable) = result { partition.markDurable(through: durable) }
            let (resumed, failed, another) = state.withLock { s in finish(id, result, &s) }
            for w in resumed { w.continuation.resume() }
            if case .failure(let error) = result {
                for w in failed { w.continuation.resume(throwing: error) }
            } else {
                onDurable()
            }
            start(another)
        }
    }

    /// The next ready partition, its request now being served; nil (and this worker ends) when
    /// none is ready.
    private func next(_ worker: Int) -> (ObjectIdentifier, PartitionState)? {
        state.withLock { s in
            guard s.readyHead < s.ready.count else {
                s.idleWorkers.append(worker)
                return nil
            }
            let id = s.ready[s.readyHead]
            s.readyHead += 1
            if s.readyHead == s.ready.count {
                s.ready.removeAll(keepingCapacity: true)
                s.readyHead = 0
            } else if s.readyHead >= 256 && s.readyHead * 2 >= s.ready.count {
                // Under constant load the queue never empties: drop what was taken.
                s.ready.removeFirst(s.readyHead)
                s.readyHead = 0
            }
            s.entries[id]!.requested = false
            return (id, s.entries[id]!.partition)
        }
    }

    /// After a flush of `id`: the waiters it covered (or, when it failed, every waiter), and
    /// whether another worker should start. A partition asked for again meanwhile goes to the
    /// back of the queue.
    private func finish(
        _ id: ObjectIdentifier, _ result: Result<Offset, any Error>, _ s: inout State
    ) -> (resumed: [Waiter], failed: [Waiter], start: Int?) {
        var entry = s.entries[id]!
        var resumed: [Waiter] = []
        var failed: [Waiter] = []
        switch result {
        case .success(let durable):
            s.fsyncCount += 1
            var remaining: [Waiter] = []
            for w in entry.waiters {
                if w.offset <= durable { resumed.append(w) } else { remaining.append(w) }
            }
            entry.waiters = remaining
            // Waiters come after their appends, so a flush that started after them covers them;
            // should one not be, it is not left waiting.
            if !remaining.isEmpty { entry.requested = true }
        case .failure:
            failed = entry.waiters
            entry.waiters = []
        }
        if entry.requested {
            s.entries[id] = entry
            s.ready.append(id)
        } else {
            s.entries[id] = nil
        }
        return (resumed, failed, Self.idleWorkerIfNeeded(&s))
    }
}
