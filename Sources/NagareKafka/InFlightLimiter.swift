import Synchronization

/// Counts records sent but not yet acknowledged and makes senders wait beyond a maximum, so a
/// fast producer gets backpressure instead of growing memory without bound.
final class InFlightLimiter: Sendable {
    let maximum: Int
    private let state: Mutex<State>

    private struct State {
        var inFlight = 0
        var waiters: [CheckedContinuation<Void, Never>] = []
        var drainWaiters: [CheckedContinuation<Void, Never>] = []
    }

    init(maximum: Int) {
        self.maximum = maximum
        self.state = Mutex(State())
    }

    var inFlight: Int { state.withLock { $0.inFlight } }

    /// Takes a slot, waiting while all are taken.
    func acquire() async {
        if state.withLock({ s -> Bool in
            if s.inFlight < maximum { s.inFlight += 1; return true }
            return false
        }) { return }
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let resumeNow = state.withLock { s -> Bool in
                if s.inFlight < maximum { s.inFlight += 1; return true }
                s.waiters.append(c)
                return false
            }
            if resumeNow { c.resume() }
        }
    }

    /// Takes between 1 and `wanted` slots, as many as are free, waiting while none is; returns
    /// how many it took. One lock for a run of records instead of one per record.
    func acquire(upTo wanted: Int) async -> Int {
        precondition(wanted >= 1, "acquire(upTo:) needs at least one slot")
        let taken = state.withLock { s -> Int in
            let n = min(wanted, maximum - s.inFlight)
            guard n > 0 else { return 0 }
            s.inFlight += n
            return n
        }
        if taken > 0 { return taken }
        await acquire()
        return 1
    }

    /// Gives a slot back; the oldest waiter, if any, takes it over.
    func release() {
        let (waiter, drained) = state.withLock { s -> (CheckedContinuation<Void, Never>?, [CheckedContinuation<Void, Never>]) in
            if !s.waiters.isEmpty { return (s.waiters.removeFirst(), []) }
            s.inFlight -= 1
            if s.inFlight == 0 {
                let d = s.drainWaiters
                s.drainWaiters = []
                return (nil, d)
            }
            return (nil, [])
        }
        waiter?.resume()
        for d in drained { d.resume() }
    }

    /// Waits until nothing is in flight.
    func drained() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let now = state.withLock { s -> Bool in
                if s.inFlight == 0 { return true }
                s.drainWaiters.append(c)
                return false
            }
            if now { c.resume() }
        }
    }
}
