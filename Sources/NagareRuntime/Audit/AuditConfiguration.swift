/// What `nagare audit` runs: sizes, chaos and where the example pipeline lives.
public struct AuditConfiguration: Sendable {
    public enum KillMode: String, Sendable, CaseIterable {
        case sigkill, sigterm, mixed
    }

    /// Events generated (including duplicates, late and malformed ones). Default: 10000.
    public var events = 10_000
    /// Process kills (pipeline workers and the store). Default: 3.
    public var kills = 3
    /// Default: `.mixed` (SIGKILL or SIGTERM, chosen by the seeded schedule).
    public var mode = KillMode.mixed
    /// Pipeline processes (`nagare run --instance 1…W`). Default: 2.
    public var workers = 2
    /// Broker SIGKILLs (restarted on the same data directory and port). Default: 0.
    public var brokerKills = 0
    /// Input events per second. Default: 2000.
    public var rate = 2000
    /// Seeds the generator and the chaos schedule. Default: 1.
    public var seed: UInt64 = 1
    /// An existing cluster instead of a broker child (no broker kills then).
    public var brokers: String?
    /// The pipelines run with `--delivery at-least-once` (a demonstration that the audit fails).
    public var atLeastOnce = false
    /// Default: `examples/access-logs/pipeline.yml`.
    public var pipelinePath = "examples/access-logs/pipeline.yml"
    /// Default: `examples/access-logs/datasource.yml`.
    public var datasourcePath = "examples/access-logs/datasource.yml"
    /// Logs and data; a new temporary directory when nil.
    public var workDirectory: String?
    /// How long to wait for the pipeline to drain after the last event and kill. Default: 300.
    public var drainTimeoutSeconds = 300

    public init() {}

    public func validate() throws(AuditError) {
        if events < 100 { throw AuditError("--events: at least 100, got \(events)") }
        if kills < 0 { throw AuditError("--kills: must not be negative, got \(kills)") }
        if brokerKills < 0 { throw AuditError("--broker-kills: must not be negative, got \(brokerKills)") }
        if !(1...6).contains(workers) { throw AuditError("--workers: 1 to 6 (the input has 6 partitions), got \(workers)") }
        if rate < 1 { throw AuditError("--rate: at least 1 event per second, got \(rate)") }
        if brokers != nil && brokerKills > 0 {
            throw AuditError("--broker-kills: the audit can only kill a broker it started; drop --brokers or --broker-kills")
        }
    }
}
