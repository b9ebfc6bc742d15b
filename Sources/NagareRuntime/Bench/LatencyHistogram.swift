import Histogram

/// Latencies in microseconds in an HdrHistogram (3 significant digits, up to one hour): the
/// percentiles are within 0.1% of the recorded values at every scale.
struct LatencyHistogram: Sendable {
    private var histogram = Histogram<UInt64>(highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: .three)

    mutating func record(microseconds: Int64) {
        _ = histogram.record(UInt64(max(0, min(microseconds, 3_600_000_000))))
    }

    var count: UInt64 { histogram.totalCount }

    /// Milliseconds at `percentile` (0–100).
    func milliseconds(at percentile: Double) -> Double { Double(histogram.valueAtPercentile(percentile)) / 1000 }

    var maxMilliseconds: Double { Double(histogram.max) / 1000 }
    var meanMilliseconds: Double { histogram.mean / 1000 }
}
