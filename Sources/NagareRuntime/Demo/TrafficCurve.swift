import Foundation

/// The generator's daily traffic curve, compressed: a whole simulated day passes every
/// `dayLength`, and the rate follows it from a night-time trough (about 04:00, 20% of the peak)
/// to an evening peak (about 20:00, when most matches are played), with a smaller lunchtime bump.
public struct TrafficCurve: Sendable {
    /// Events per second at the day's peak.
    public var peakRate: Double
    /// How long a simulated day lasts. Default: 10 minutes.
    public var dayLength: Duration = .seconds(600)
    /// The simulated time of day (hours) when the demo starts. Default: 18:00, so the first
    /// minutes show the climb to the evening peak.
    public var startHour: Double = 18

    public init(peakRate: Double) { self.peakRate = peakRate }

    /// The simulated hour of the day `elapsed` after the start, in [0, 24).
    public func hour(after elapsed: Duration) -> Double {
        let fraction = elapsed / dayLength
        return (startHour + fraction * 24).truncatingRemainder(dividingBy: 24)
    }

    /// Events per second `elapsed` after the start.
    public func rate(after elapsed: Duration) -> Double {
        let h = hour(after: elapsed)
        // A cosine with its low at 04:00 and its high at 16:00, shifted towards the evening by
        // a bump centred on 20:00, and a small one at 12:30.
        let base = (1 - cos(2 * Double.pi * (h - 4) / 24)) / 2
        let evening = exp(-pow((h - 20) / 2.0, 2))
        let lunch = 0.3 * exp(-pow((h - 12.5) / 1.0, 2))
        // 0.87 is the sum's value at 20:00, so the peak is `peakRate`.
        let shape = min(1, (0.55 * base + 0.45 * evening + 0.5 * lunch) / 0.87)
        return peakRate * (0.2 + 0.8 * shape)
    }
}
