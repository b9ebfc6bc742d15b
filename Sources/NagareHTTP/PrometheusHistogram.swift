/// A latency histogram in Prometheus's shape: fixed upper bounds (seconds), a count per bucket,
/// the sum and the count of observations. A value type, so that its owner keeps it inside the
/// state it already guards (one `Mutex` update per batch, never a lock per event).
public struct PrometheusHistogram: Sendable, Hashable {
    /// The default bounds for batch and commit times of Nagare's loops, in seconds: from one
    /// millisecond (an idle SQLite commit) to ten seconds (a stalled transaction commit).
    public static let defaultBounds: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    /// Upper bounds, ascending; the `+Inf` bucket is implicit.
    public let bounds: [Double]
    /// Observations per bucket, not cumulative; one more than `bounds` (the last is `+Inf`).
    public private(set) var bucketCounts: [Int]
    public private(set) var sum: Double = 0
    public private(set) var count: Int = 0

    /// `bounds` must be ascending and finite; anything else is a programming error.
    public init(bounds: [Double] = PrometheusHistogram.defaultBounds) {
        precondition(zip(bounds, bounds.dropFirst()).allSatisfy { $0 < $1 }, "histogram bounds must be ascending")
        precondition(bounds.allSatisfy(\.isFinite), "histogram bounds must be finite")
        self.bounds = bounds
        bucketCounts = Array(repeating: 0, count: bounds.count + 1)
    }

    /// Adds one observation; a value equal to a bound falls in that bound's bucket (`le`).
    public mutating func observe(_ value: Double) {
        var index = bounds.count
        for (i, bound) in bounds.enumerated() where value <= bound {
            index = i
            break
        }
        bucketCounts[index] += 1
        sum += value
        count += 1
    }

    /// Adds one duration, in seconds.
    public mutating func observe(_ duration: Duration) {
        observe(duration.fractionalSeconds)
    }

    /// Observations at or below each bound, then the total (the `+Inf` bucket): what
    /// `_bucket{le=...}` shows.
    public var cumulativeCounts: [Int] {
        var running = 0
        return bucketCounts.map { running += $0; return running }
    }
}

extension Duration {
    /// The duration in seconds, as a `Double`.
    public var fractionalSeconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
