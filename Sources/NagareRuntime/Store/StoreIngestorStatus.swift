public import NagareCore
public import NagareHTTP

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
    /// Rollup rows inserted or updated since start.
    public var rowsWritten = 0
    /// Steps that failed and were read again from the stored offsets.
    public var retries = 0
    /// Per committed step: from the poll's return to the group commit's end.
    public var batchSeconds = PrometheusHistogram()
    /// Per committed step: the store's ingest call, i.e. the rollup and the SQLite transaction
    /// that commits rows and offsets together.
    public var commitSeconds = PrometheusHistogram()
    /// The partitions' high watermarks, refreshed about once a second while ingesting.
    public var endOffsets: [TopicPartition: Offset] = [:]

    /// Events in the log not yet committed to the store, per partition whose stored offset and
    /// end are both known.
    public var lag: [TopicPartition: Int64] {
        var lag: [TopicPartition: Int64] = [:]
        for (tp, end) in endOffsets {
            guard let stored = offsets[tp] else { continue }
            lag[tp] = max(0, end.rawValue - stored.rawValue)
        }
        return lag
    }

    public init() {}
}
