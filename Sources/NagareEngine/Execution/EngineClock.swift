import Synchronization

/// Wall-clock time for the engine, as a monotonic `Duration` since an arbitrary origin.
///
/// Only paces housekeeping (table reload checks); windows and dedup use event time. A plain
/// function rather than `any Clock<Duration>` because the engine never sleeps on it, and an
/// existential clock's `Instant` cannot be subtracted without opening it.
public struct EngineClock: Sendable {
    public let now: @Sendable () -> Duration

    public init(now: @escaping @Sendable () -> Duration) {
        self.now = now
    }

    /// The process's continuous clock.
    public static var continuous: EngineClock {
        let origin = ContinuousClock.now
        return EngineClock { ContinuousClock.now - origin }
    }
}

/// A clock that moves only when told, for tests.
public final class ManualClock: Sendable {
    private let current: Mutex<Duration>

    public init(_ start: Duration = .zero) {
        current = Mutex(start)
    }

    public var now: Duration { current.withLock { $0 } }

    public func advance(by duration: Duration) {
        current.withLock { $0 += duration }
    }

    public var engineClock: EngineClock {
        EngineClock { [self] in self.now }
    }
}
