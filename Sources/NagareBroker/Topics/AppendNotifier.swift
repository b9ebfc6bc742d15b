import Synchronization

/// Wakes parked Fetch requests when new data becomes visible.
///
/// A fetch reads `version`, looks for data, and if there is not enough waits for the version to
/// change, so a wake-up between looking and waiting is never lost.
final class AppendNotifier: Sendable {
    private struct State {
        var version: UInt64 = 0
        var nextID: UInt64 = 0
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
    }

    private let state = Mutex(State())

    var version: UInt64 { state.withLock { $0.version } }

    func notify() {
        let waiters = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            s.version &+= 1
            defer { s.waiters.removeAll(keepingCapacity: true) }
            return Array(s.waiters.values)
        }
        for w in waiters { w.resume() }
    }

    /// Returns when the version differs from `version` or `deadline` passes.
    func wait(since version: UInt64, until deadline: ContinuousClock.Instant) async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let id = state.withLock { s -> UInt64? in
                if s.version != version { return nil }
                s.nextID &+= 1
                s.waiters[s.nextID] = c
                return s.nextID
            }
            guard let id else { c.resume(); return }
            Task {
                try? await Task.sleep(until: deadline, clock: .continuous)
                self.state.withLock { $0.waiters.removeValue(forKey: id) }?.resume()
            }
        }
    }
}
