public import Foundation
public import NagareHTTP

/// `GET /metrics` of `nagare serve`: each ingestor's figures, labelled by datasource, in
/// Prometheus's text format. Reads each ingestor's status once per scrape (one lock each).
public struct StoreMetrics: Sendable {
    let ingestors: [StoreIngestor]
    /// When the server was created: a restart shows as a new value.
    let startedAt: Date

    public init(ingestors: [StoreIngestor], startedAt: Date = Date()) {
        self.ingestors = ingestors
        self.startedAt = startedAt
    }

    public var routes: MetricsRoutes { MetricsRoutes { self.write(to: &$0) } }

    public func write(to w: inout PrometheusTextWriter) {
        let figures = ingestors.map { (datasource: $0.datasource, status: $0.status.withLock { $0 }) }
        func each(_ value: (StoreIngestorStatus) -> Int) -> [PrometheusTextWriter.Sample] {
            figures.map { .init([("datasource", $0.datasource)], value($0.status)) }
        }
        w.counter("nagare_store_events_ingested_total", help: "Events rolled up into the datasource.", each(\.accepted))
        w.counter("nagare_store_events_malformed_total", help: "Events skipped as malformed (not JSON, no valid timestamp, wrong field type).", each(\.malformed))
        w.counter("nagare_store_rows_written_total", help: "Rollup rows inserted or updated.", each(\.rowsWritten))
        w.counter("nagare_store_ingest_batches_total", help: "Ingest steps committed (rows and offsets in one SQLite transaction).", each(\.batches))
        w.counter("nagare_store_ingest_retries_total", help: "Ingest steps that failed and were read again from the stored offsets.", each(\.retries))
        w.histogram("nagare_store_batch_duration_seconds", help: "One ingest step, from the poll's return to the end of its commit.",
                    figures.map { (labels: [("datasource", $0.datasource)], histogram: $0.status.batchSeconds) })
        w.histogram("nagare_store_commit_duration_seconds", help: "The store's ingest call of one step: rollup and the SQLite transaction committing rows and offsets.",
                    figures.map { (labels: [("datasource", $0.datasource)], histogram: $0.status.commitSeconds) })
        var lag: [PrometheusTextWriter.Sample] = []
        for (datasource, status) in figures {
            for (tp, events) in status.lag.sorted(by: { $0.key < $1.key }) {
                lag.append(.init([("datasource", datasource), ("topic", tp.topic), ("partition", String(tp.partition))], Int(events)))
            }
        }
        w.gauge("nagare_store_consumer_lag_events", help: "Events in the partition's log not yet committed to the store (high watermark minus stored offset).", lag)
        w.gauge("nagare_store_waiting_for_topic", help: "1 while the datasource's topic does not exist.", each { $0.isWaitingForTopic ? 1 : 0 })
        w.gauge("nagare_process_start_time_seconds", help: "When this process started, in seconds since the Unix epoch.", [.init(startedAt.timeIntervalSince1970)])
    }
}
