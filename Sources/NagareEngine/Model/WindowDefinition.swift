/// Event-time windowed aggregation per key: count and sums, emitted when a window closes.
///
/// Time: the task's watermark is the largest event time seen minus `maxDelay`. A window
/// `[start, start + size)` closes, and its result is emitted, when the watermark reaches
/// `start + size + allowedLateness`. An event is late when every window it belongs to has
/// closed; late events go where `late` says and are not counted. An event behind the watermark
/// whose window is still open (within the allowed lateness) is counted normally.
public struct WindowDefinition: Hashable, Sendable {
    public enum Kind: Hashable, Sendable {
        /// Back-to-back windows of `size`.
        case tumbling
        /// Windows of `size` starting every `hop`; an event belongs to `size / hop` of them.
        case hopping(hop: Duration)
    }

    /// Where late events go.
    public enum LatePolicy: Hashable, Sendable {
        /// The dead-letter topic, reason `late event`.
        case deadLetter
        /// A topic of their own, unchanged, with a `nagare.error` header.
        case sideTopic(String)
        /// Nowhere; counted in the task's statistics only.
        case drop
    }

    /// The field to group by (e.g. `site_id`); events without it are rejected per the error
    /// policy.
    public var keyField: String
    public var kind: Kind
    public var size: Duration
    /// How far behind the newest event time the watermark trails. Default: 5s.
    public var maxDelay: Duration
    /// How long after its end a window still accepts events. Default: 0s.
    public var allowedLateness: Duration
    /// Numeric fields summed per window; each result has `<field>_sum`. Missing or non-numeric
    /// values add nothing.
    public var sums: [String]
    /// Default: `.deadLetter`.
    public var late: LatePolicy
    /// The most windows (key × start) one task keeps open; the bound on window state. A new
    /// window beyond it is rejected per the error policy. Default: 100000.
    public var maxOpenWindows: Int

    public init(
        keyField: String, kind: Kind = .tumbling, size: Duration, maxDelay: Duration = .seconds(5),
        allowedLateness: Duration = .zero, sums: [String] = [], late: LatePolicy = .deadLetter,
        maxOpenWindows: Int = 100_000
    ) {
        self.keyField = keyField
        self.kind = kind
        self.size = size
        self.maxDelay = maxDelay
        self.allowedLateness = allowedLateness
        self.sums = sums
        self.late = late
        self.maxOpenWindows = maxOpenWindows
    }
}
