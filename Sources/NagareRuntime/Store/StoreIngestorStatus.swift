public import NagareCore

/// Live figures of a `StoreIngestor`, for logs, the dashboard and `/metrics`.
public struct StoreIngestorStatus: Sendable, Hashable {
    /// Records rolled up since start.
    public var accepted = 0
    /// Records skipped as malformed since start.
    public var malformed = 0
    /// Ingest steps committed since start.
    public var batches = 0
    /// The next offset to read per partition, as last committed to the store.
    public var offsets: [TopicPartition: Offset] = [:]
    /// True while the datasource's topic does not exist.
    public var isWaitingForTopic = false

    public init() {}
}
