public import NagareCore

/// What `nagare bench` measures and at which sizes. The defaults make `nagare bench all` take
/// about three minutes on a 2-core machine (throughput with its preload ~30 s, quixstreams
/// ~25 s, latency ~40 s, broker and machine limits ~15 s, plus process start-ups).
public struct BenchConfiguration: Sendable {
    public enum Mode: String, CaseIterable, Sendable {
        /// `nagare run` on preloaded events, exactly-once.
        case throughput
        /// Produce → visible in the store at a fixed rate.
        case latency
        /// `throughput`, then the same job in quixstreams on the same broker and events.
        case quix
        /// The broker alone, and the machine's fsync latency and loopback bandwidth.
        case broker
        case all
    }

    public var mode: Mode = .all
    /// Events preloaded for `nagare run`. Default: 1000000.
    public var events = 1_000_000
    /// Events for quixstreams: the first ones of the same sequence. Default: 100000.
    public var quixEvents = 100_000
    /// Events per second of the latency run's paced producer. Default: 2000.
    public var rate = 2_000
    /// Length of the latency run. Default: 30.
    public var durationSeconds = 30
    /// Events are sent in numbered time slots of this length; the store shows when each slot is
    /// complete. Default: 20.
    public var slotMilliseconds = 20
    /// How often the latency run queries the store. Default: 10.
    public var pollMilliseconds = 10
    /// Messages the broker benchmark produces and consumes. Default: 1000000.
    public var brokerMessages = 1_000_000
    /// Value size of the broker benchmark's messages. Default: 100.
    public var messageBytes = 100
    /// The example folder (pipeline.yml, datasource.yml, tables). Default: found from the
    /// working directory or the executable (`examples/access-logs`).
    public var examplePath: String?
    /// The folder holding quix_access_logs.py and its .venv. Default: found like the example.
    public var benchmarksPath: String?
    /// Where brokers, stores and logs go. Default: a new temporary directory, removed afterwards.
    public var workDirectory: String?
    /// `all` without quixstreams.
    public var skipsQuix = false
    /// Keep the work directory.
    public var keepsWorkDirectory = false

    public init() {}

    public var runsThroughput: Bool { mode == .throughput || mode == .quix || mode == .all }
    public var runsQuix: Bool { mode == .quix || (mode == .all && !skipsQuix) }
    public var runsLatency: Bool { mode == .latency || mode == .all }
    public var runsBroker: Bool { mode == .broker || mode == .all }

    public func validate() throws(ConfigurationError) {
        func positive(_ value: Int, _ name: String) throws(ConfigurationError) {
            if value <= 0 { throw ConfigurationError("--\(name): must be positive, got \(value)") }
        }
        try positive(events, "events")
        try positive(quixEvents, "quix-events")
        try positive(rate, "rate")
        try positive(durationSeconds, "duration")
        try positive(slotMilliseconds, "slot-ms")
        try positive(pollMilliseconds, "poll-ms")
        try positive(brokerMessages, "broker-messages")
        try positive(messageBytes, "message-bytes")
        if rate * slotMilliseconds < 1000 {
            throw ConfigurationError("--rate \(rate) with --slot-ms \(slotMilliseconds): a slot would hold no event; raise one of them")
        }
        if messageBytes > 1_000_000 { throw ConfigurationError("--message-bytes: at most 1000000, got \(messageBytes)") }
    }
}
