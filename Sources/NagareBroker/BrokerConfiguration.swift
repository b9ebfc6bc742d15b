public import NagareCore

/// Settings of `nagare broker`. Every queue and size has a named maximum here.
public struct BrokerConfiguration: Sendable {
    /// Where topics, group offsets and metadata live. Default: `./nagare-data`.
    public var dataDirectory = "./nagare-data"
    /// Address to listen on. Default: `127.0.0.1:9092`.
    public var listen = HostPort(host: "127.0.0.1", port: 9092)
    /// Address given to clients in Metadata; nil means the listen address (or 127.0.0.1 when
    /// listening on all interfaces). Default: nil.
    public var advertised: HostPort?
    /// This broker's node id. Default: 1.
    public var nodeID: Int32 = 1
    /// Create a topic when a client first names it (Metadata, Produce). Default: true.
    public var isAutoCreateTopicsEnabled = true
    /// Partitions of an auto-created topic. Default: 1 (as Kafka's `num.partitions`).
    public var defaultPartitions: Int32 = 1
    /// Largest request frame accepted; a larger one closes the connection. Default: 104857600.
    public var maxFrameBytes = 100 * 1024 * 1024
    /// Requests read from one connection but not yet answered; reading pauses beyond it.
    /// Default: 64.
    public var maxInFlightRequestsPerConnection = 64
    /// Longest a Fetch may wait (clients ask for less). Default: 30000.
    public var maxFetchWaitMilliseconds = 30_000
    /// Extra wait before a group-commit worker flushes, so that more writes can join the
    /// fsync. Default: 0: writes that arrive while a partition's fsync runs share its next one
    /// anyway. A wait is paid by every durable step of a transaction (AddPartitionsToTxn, the
    /// produce acks, the staged offsets, PrepareCommit, the markers); the exactly-once benchmark
    /// was ~2% faster without the former 2 ms (eight pairs).
    public var groupCommitMilliseconds = 0
    /// Close connections idle for longer than this. Default: 600000 (Kafka's
    /// `connections.max.idle.ms`).
    public var idleConnectionMilliseconds = 600_000
    /// Group session timeouts clients may ask for. Default: 6000...300000.
    public var groupSessionTimeoutRangeMilliseconds: ClosedRange<Int32> = 6000...300_000
    /// How long a new group waits for more members before its first rebalance completes.
    /// Default: 0 (Kafka's `group.initial.rebalance.delay.ms` is 3000; 0 keeps tests fast).
    public var groupInitialRebalanceDelayMilliseconds = 0

    public init() {}

    public func validate() throws(ConfigurationError) {
        if dataDirectory.isEmpty { throw ConfigurationError("dataDirectory: must not be empty") }
        if defaultPartitions < 1 { throw ConfigurationError("defaultPartitions: must be at least 1, got \(defaultPartitions)") }
        if maxFrameBytes < 1024 { throw ConfigurationError("maxFrameBytes: must be at least 1024, got \(maxFrameBytes)") }
        if maxInFlightRequestsPerConnection < 1 {
            throw ConfigurationError("maxInFlightRequestsPerConnection: must be at least 1")
        }
        if groupCommitMilliseconds < 0 { throw ConfigurationError("groupCommitMilliseconds: must not be negative") }
    }

    /// What clients are told to connect to, given the port actually bound.
    public func advertisedAddress(boundPort: Int) -> HostPort {
        if let advertised { return advertised }
        let port = listen.port == 0 ? boundPort : listen.port
        if listen.host == "0.0.0.0" || listen.host == "::" { return HostPort(host: "127.0.0.1", port: port) }
        return HostPort(host: listen.host, port: port)
    }
}
