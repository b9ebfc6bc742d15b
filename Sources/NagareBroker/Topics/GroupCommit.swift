import Dispatch
import Foundation
import NagareCore
import Synchronization

/// Makes appended data durable with as few fsyncs as possible: every append asks for a flush of
/// its partition; one flusher thread fsyncs each partition that asked since its last round, and
/// wakes everyone whose data that covered. Many producers' writes share one fsync (group
/// commit), and a round starts as soon as the previous one ends, so under load the fsync rate
/// is what the disk allows rather than one per request.
final class GroupCommit: Sendable {
    private struct Waiter {
        var offset: Offset
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct Pending {
        var partition: PartitionState
        var waiters: [Waiter] = []
    }

    private struct State {
        var pending: [ObjectIdentifier: Pending] = [:]
        var isFlushing = false
        var fsyncCount: UInt64 = 0
    }

    private let state = Mutex(State())
    private let queue = DispatchQueue(label: "nagare.broker.group-commit")
    /// Extra wait before a round so that more writes can join it.
    let lingerMicroseconds: UInt32
    /// Called after a round made new data durable (consumers may now see it).
    let onDurable: @Sendable () -> Void

    init(lingerMilliseconds: Int, onDurable: @escaping @Sendable () -> Void) {
        lingerMicroseconds = UInt32(max(0, lingerMilliseconds) * 1000)
        self.onDurable = onDurable
    }

    /// fsync calls made so far (for metrics and the benchmark note).
    var fsyncCount: UInt64 { state.withLock { $0.fsyncCount } }

    /// Asks for a flush of `partition` without waiting for it.
    func requestFlush(_ partition: PartitionState) {
        let start = state.withLock { s -> Bool in
            s.pending[ObjectIdentifier(partition), default: Pending(partition: partition)].partition = partition
            return startRoundIfIdle(&s)
        }
        if start { queue.async { self.runRounds() } }
    }

    /// Waits until `partition` is on disk through `offset` (exclusive).
    func waitUntilDurable(_ partition: PartitionState, through offset: Offset) async throws {
        if partition.highWatermark >= offset { return }
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
            let start = state.withLock { s -> Bool in
                s.pending[ObjectIdentifier(partition), default: Pending(partition: partition)]
                    .waiters.append(Waiter(offset: offset, continuation: c))
                return startRoundIfIdle(&s)
            }
            if start { queue.async { self.runRounds() } }
        }
    }

    private func startRoundIfIdle(_ s: inout State) -> Bool {
        if s.isFlushing { return false }
        s.isFlushing = true
        return true
    }

    /// Runs on `queue`: rounds until nothing is pending.
    private func runRounds() {
        while true {
            if lingerMicroseconds > 0 { usleep(lingerMicroseconds) }
            let round = state.withLock { s -> [Pending] in
                let r = Array(s.pending.values)
                s.pending.removeAll(keepingCapacity: true)
                if r.isEmpty { s.isFlushing = false }
                return r
            }
            if round.isEmpty { return }
            var flushed = 0
            for item in round {
                do {
                    let durable = try item.partition.log.flush()
                    flushed += 1
                    item.partition.markDurable(through: durable)
                    for w in item.waiters {
                        if w.offset <= durable {
                            w.continuation.resume()
                        } else {
                            // Appended after this flush started: it joins the next round.
                            state.withLock { s in
                                s.pending[ObjectIdentifier(item.partition), default: Pending(partition: item.partition)]
                                    .waiters.append(w)
                            }
                        }
                    }
                } catch {
                    for w in item.waiters { w.continuation.resume(throwing: error) }
                }
            }
            state.withLock { $0.fsyncCount += UInt64(flushed) }
            onDurable()
        }
    }
}
