public import NagareCore
public import NagareKafka

/// How `StoreIngestor` reads the datasource's topic.
public struct StoreIngestorConfiguration: Sendable {
    /// The Kafka cluster.
    public var client = ClientConfiguration()
    /// Records per ingest step (one SQLite transaction each). Default: 10,000.
    public var maxRecordsPerBatch = 10_000
    /// How long one poll waits for records before an empty step. Default: 200 ms.
    public var pollTimeout: Duration = .milliseconds(200)
    /// How often the topic's partitions are listed again, to pick up new ones. Default: 5 s.
    public var partitionRefreshInterval: Duration = .seconds(5)
    /// How long to wait before looking again for a topic that does not exist yet. Default: 2 s.
    public var missingTopicRetryInterval: Duration = .seconds(2)
    /// At most one log line about malformed records per this interval. Default: 10 s.
    public var malformedLogInterval: Duration = .seconds(10)
    /// How long to wait before retrying after a retriable error (busy database, broker
    /// unreachable). Default: 1 s.
    public var retryBackoff: Duration = .seconds(1)

    public init() {}
    public init(client: ClientConfiguration) { self.client = client }

    /// The consumer group whose offsets mirror the store's, for lag tools: `nagare.store.<name>`.
    public static func groupID(datasource: String) -> String { "nagare.store.\(datasource)" }

    public func validate() throws(ConfigurationError) {
        guard maxRecordsPerBatch > 0 else {
            throw ConfigurationError("ingest.maxRecordsPerBatch must be positive (got \(maxRecordsPerBatch))")
        }
        for (key, value) in [("ingest.pollTimeout", pollTimeout), ("ingest.partitionRefreshInterval", partitionRefreshInterval),
                             ("ingest.missingTopicRetryInterval", missingTopicRetryInterval),
                             ("ingest.malformedLogInterval", malformedLogInterval), ("ingest.retryBackoff", retryBackoff)]
        where value <= .zero {
            throw ConfigurationError("\(key) must be positive (got \(value))")
        }
    }
}
