public import NagareCore

/// How many replicas must have a record before the broker acknowledges it.
public enum Acks: String, Sendable, CaseIterable {
    /// No acknowledgement: fastest, records may be lost silently.
    case none = "0"
    /// The leader wrote it.
    case leader = "1"
    /// All in-sync replicas have it (on Nagare's broker: it is on disk). Required for idempotence.
    case all = "all"
}

/// Settings shared by every client: where the brokers are and the raw escape hatch.
public struct ClientConfiguration: Sendable {
    /// `host:port` addresses of one or more brokers to bootstrap from.
    /// Default: `127.0.0.1:9092`.
    public var bootstrapServers: [HostPort] = [HostPort(host: "127.0.0.1", port: 9092)]
    /// Default: `nagare`.
    public var clientID: String = "nagare"
    /// Raw librdkafka properties applied last, overriding the typed settings (escape hatch for
    /// anything not modelled here, e.g. `security.protocol`, `debug`).
    public var properties: [String: String] = [:]

    public init() {}

    public init(bootstrapServers: [HostPort]) { self.bootstrapServers = bootstrapServers }

    /// Parses `host:port[,host:port…]`.
    public init(brokers: String) throws(ConfigurationError) {
        let parts = brokers.split(separator: ",").map(String.init)
        guard !parts.isEmpty else { throw ConfigurationError("brokers: empty list (expected HOST:PORT[,HOST:PORT])") }
        var servers: [HostPort] = []
        for p in parts {
            do { servers.append(try HostPort(parsing: p)) } catch {
                throw ConfigurationError("brokers: \(error.message)")
            }
        }
        self.bootstrapServers = servers
    }

    func validate() throws(ConfigurationError) {
        if bootstrapServers.isEmpty { throw ConfigurationError("bootstrapServers: must name at least one broker") }
        if clientID.isEmpty { throw ConfigurationError("clientID: must not be empty") }
    }

    var baseProperties: [String: String] {
        ["bootstrap.servers": bootstrapServers.map(\.description).joined(separator: ","),
         "client.id": clientID]
    }
}

/// Producer settings. Idempotence is on by default so that retries never duplicate.
public struct ProducerConfiguration: Sendable {
    public var client = ClientConfiguration()
    /// Default: true.
    public var isIdempotenceEnabled = true
    /// Default: `.all` (forced by idempotence).
    public var acks: Acks = .all
    /// The most records sent but not yet acknowledged; `send` waits for a free slot beyond it
    /// (backpressure instead of unbounded memory). Default: 100000.
    public var maxInFlightRecords = 100_000
    /// How long to wait to fill a batch. Default: 5.
    public var lingerMilliseconds = 5
    /// `none`, `gzip`, `snappy`, `lz4` or `zstd`. Default: `none`.
    public var compression = "none"
    /// How records with a key but no explicit partition are placed. `murmur2_random` matches the
    /// Java client, so Nagare and JVM producers put a key on the same partition. Default:
    /// `murmur2_random`.
    public var partitioner = "murmur2_random"
    /// How long librdkafka keeps retrying one record before failing it. Default: 120000.
    public var deliveryTimeoutMilliseconds = 120_000

    public init() {}
    public init(client: ClientConfiguration) { self.client = client }

    public func validate() throws(ConfigurationError) {
        try client.validate()
        if maxInFlightRecords < 1 { throw ConfigurationError("maxInFlightRecords: must be at least 1, got \(maxInFlightRecords)") }
        if lingerMilliseconds < 0 { throw ConfigurationError("lingerMilliseconds: must not be negative") }
        if !["none", "gzip", "snappy", "lz4", "zstd"].contains(compression) {
            throw ConfigurationError("compression: '\(compression)' is not one of none, gzip, snappy, lz4, zstd")
        }
        if isIdempotenceEnabled && acks != .all {
            throw ConfigurationError("acks: idempotence requires acks=all, got \(acks.rawValue)")
        }
    }

    var rdkafkaProperties: [String: String] {
        var p = client.baseProperties
        p["enable.idempotence"] = isIdempotenceEnabled ? "true" : "false"
        p["acks"] = acks.rawValue
        p["linger.ms"] = String(lingerMilliseconds)
        p["compression.codec"] = compression
        p["partitioner"] = partitioner
        p["message.timeout.ms"] = String(deliveryTimeoutMilliseconds)
        // librdkafka's own queue is sized above ours so that our limit is the one that applies.
        p["queue.buffering.max.messages"] = String(max(maxInFlightRecords + 1000, 100_000))
        p.merge(client.properties) { _, new in new }
        return p
    }
}

/// A transactional producer's settings: a producer plus its stable transactional id.
public struct TransactionalProducerConfiguration: Sendable {
    public var producer = ProducerConfiguration()
    /// Identifies this producer across restarts; a new instance with the same id fences the old.
    public var transactionalID: String
    /// The broker aborts a transaction left open longer than this. Default: 60000.
    public var transactionTimeoutMilliseconds = 60_000

    public init(transactionalID: String, client: ClientConfiguration = ClientConfiguration()) {
        self.transactionalID = transactionalID
        self.producer = ProducerConfiguration(client: client)
    }

    public func validate() throws(ConfigurationError) {
        try producer.validate()
        if transactionalID.isEmpty { throw ConfigurationError("transactionalID: must not be empty") }
        if !producer.isIdempotenceEnabled { throw ConfigurationError("isIdempotenceEnabled: transactions require idempotence") }
        if transactionTimeoutMilliseconds < 1000 {
            throw ConfigurationError("transactionTimeoutMilliseconds: must be at least 1000, got \(transactionTimeoutMilliseconds)")
        }
    }

    var rdkafkaProperties: [String: String] {
        var p = producer.rdkafkaProperties
        p["transactional.id"] = transactionalID
        p["transaction.timeout.ms"] = String(transactionTimeoutMilliseconds)
        // A record cannot outlive its transaction: librdkafka requires the delivery timeout to be
        // at most the transaction timeout.
        p["message.timeout.ms"] = String(min(producer.deliveryTimeoutMilliseconds, transactionTimeoutMilliseconds))
        p.merge(producer.client.properties) { _, new in new }
        return p
    }
}

/// Which records a consumer sees of transactional producers.
public enum IsolationLevel: String, Sendable, CaseIterable {
    /// Only records of committed transactions (and non-transactional ones). Default.
    case readCommitted = "read_committed"
    /// Everything written, including open and aborted transactions.
    case readUncommitted = "read_uncommitted"
}

/// Consumer settings. Offsets are committed only when the caller says so.
public struct ConsumerConfiguration: Sendable {
    public var client = ClientConfiguration()
    /// The consumer group; required for `subscribe` and commits.
    public var groupID: String?
    /// Default: `.readCommitted`.
    public var isolationLevel: IsolationLevel = .readCommitted
    /// Where to start a partition that has no committed offset. Default: `.earliest`.
    public var startFrom: StartPosition = .earliest
    /// Default: false — the caller commits explicitly.
    public var isAutoCommitEnabled = false
    /// `cooperative-sticky`, `range`, `roundrobin` (comma-separated list allowed).
    /// Default: `cooperative-sticky`.
    public var partitionAssignmentStrategy = "cooperative-sticky"
    /// Default: 10000.
    public var sessionTimeoutMilliseconds = 10_000
    /// Default: 300000.
    public var maxPollIntervalMilliseconds = 300_000
    /// The most records one poll returns. Default: 10000.
    public var maxPollRecords = 10_000
    /// Emit `.endOfPartition` events. Default: false.
    public var reportsEndOfPartition = false
    /// Decide each assigned partition's start before the assignment takes effect: the group's
    /// committed offset, else `startFrom`. With `auto.offset.reset=error` this makes an
    /// out-of-range committed offset an error instead of a silent jump. Default: false.
    public var resolvesStartOnAssignment = false
    /// With `resolvesStartOnAssignment`: a committed offset outside the partition's log starts
    /// the partition at the log's start (offset below it) or end (offset beyond it) instead of
    /// failing the fetch. Silent here: the caller compares with the committed offset and says
    /// what moved (`nagare run --allow-reset`). Default: false.
    public var startsOutOfRangeOffsetsInLog = false
    /// The most input prefetched and not yet polled, in KiB; the only bound on the prefetch
    /// (librdkafka's `queued.max.messages.kbytes`). Its count bound `queued.min.messages` is
    /// lifted to the maximum: librdkafka 2.0.2 stops fetching for about a second once either is
    /// passed, and at 100,000 messages (its default) a consumer reading 50,000-record polls
    /// ran dry several times a second. Default: 65536 (librdkafka's).
    public var maxPrefetchKilobytes = 65_536
    /// Called on the polling thread before the assignment changes (see `RebalanceEvent`).
    public var rebalanceListener: (@Sendable (RebalanceEvent) -> Void)?

    public init() {}
    public init(client: ClientConfiguration, groupID: String?) {
        self.client = client
        self.groupID = groupID
    }

    public func validate() throws(ConfigurationError) {
        try client.validate()
        if let groupID, groupID.isEmpty { throw ConfigurationError("groupID: must not be empty") }
        if maxPollRecords < 1 { throw ConfigurationError("maxPollRecords: must be at least 1, got \(maxPollRecords)") }
        if sessionTimeoutMilliseconds < 1 { throw ConfigurationError("sessionTimeoutMilliseconds: must be positive") }
        if !(1...2_097_151).contains(maxPrefetchKilobytes) {
            throw ConfigurationError("maxPrefetchKilobytes: must be 1...2097151, got \(maxPrefetchKilobytes)")
        }
    }

    var rdkafkaProperties: [String: String] {
        var p = client.baseProperties
        // A consumer without a group still needs a group.id for librdkafka; it is never used to
        // commit because commits require an explicit groupID.
        p["group.id"] = groupID ?? "nagare-unused-\(UInt32.random(in: 0...UInt32.max))"
        p["isolation.level"] = isolationLevel.rawValue
        p["auto.offset.reset"] = startFrom.rawValue
        p["enable.auto.commit"] = isAutoCommitEnabled ? "true" : "false"
        p["enable.auto.offset.store"] = "true"
        p["partition.assignment.strategy"] = partitionAssignmentStrategy
        p["session.timeout.ms"] = String(sessionTimeoutMilliseconds)
        p["max.poll.interval.ms"] = String(maxPollIntervalMilliseconds)
        p["enable.partition.eof"] = reportsEndOfPartition ? "true" : "false"
        p["queued.min.messages"] = "10000000"
        p["queued.max.messages.kbytes"] = String(maxPrefetchKilobytes)
        p.merge(client.properties) { _, new in new }
        return p
    }
}
