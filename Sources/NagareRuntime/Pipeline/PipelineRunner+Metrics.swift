public import NagareHTTP

extension PipelineRunner {
    /// `GET /metrics` of `nagare run --status`: the runner's figures in Prometheus's text format,
    /// labelled by pipeline and instance. One read of the status per scrape.
    public var metricsRoutes: MetricsRoutes { MetricsRoutes { self.writeMetrics(to: &$0) } }

    public func writeMetrics(to w: inout PrometheusTextWriter) {
        let s = status.withLock { $0 }
        let labels: PrometheusTextWriter.Labels = [("pipeline", definition.name), ("instance", options.instanceID)]
        func counter(_ name: String, _ help: String, _ value: Int) {
            w.counter(name, help: help, [.init(labels, value)])
        }
        counter("nagare_pipeline_events_in_total", "Input events of committed batches.", s.inputRecords)
        counter("nagare_pipeline_events_out_total", "Output events of committed batches.", s.totals.outputRecords)
        counter("nagare_pipeline_duplicates_total", "Events dropped as duplicates by dedup.", s.totals.duplicates)
        counter("nagare_pipeline_filtered_total", "Events dropped by filters.", s.totals.filtered)
        counter("nagare_pipeline_dead_letters_total", "Events sent to the dead-letter topic.", s.totals.deadLettered)
        counter("nagare_pipeline_late_events_total", "Events that arrived after their window closed.", s.totals.lateEvents)
        counter("nagare_pipeline_window_results_total", "Window results emitted.", s.totals.windowResults)
        counter("nagare_pipeline_batches_total", "Batches committed (one Kafka transaction each).", s.batches)
        counter("nagare_pipeline_aborted_batches_total", "Batches aborted and retried from the committed state.", s.abortedBatches)
        counter("nagare_pipeline_task_restores_total", "Partition tasks restored from the changelog (at start and on each assignment).", s.taskRestores)
        counter("nagare_pipeline_rebalances_total", "Assignment changes (partitions assigned, revoked or lost) applied between batches.", s.rebalances)
        w.histogram("nagare_pipeline_batch_duration_seconds", help: "Committed batches, from the poll to the transaction's commit.",
                    [(labels: labels, histogram: s.batchSeconds)])
        w.histogram("nagare_pipeline_commit_duration_seconds", help: "The transaction's commit call (outputs, state and offsets at once).",
                    [(labels: labels, histogram: s.commitSeconds)])
        w.gauge("nagare_pipeline_assigned_partitions", help: "Input partitions assigned to this process.", [.init(labels, s.assigned.count)])
        var lag: [PrometheusTextWriter.Sample] = []
        for tp in s.assigned {
            guard let committed = s.committedOffsets[tp], let end = s.endOffsets[tp] else { continue }
            lag.append(.init(labels + [("topic", tp.topic), ("partition", String(tp.partition))],
                             Int(max(0, end.rawValue - committed.rawValue))))
        }
        w.gauge("nagare_pipeline_consumer_lag_events", help: "Events in the input partition not yet committed by the pipeline (high watermark minus committed offset).", lag)
        w.gauge("nagare_process_start_time_seconds", help: "When this process started, in seconds since the Unix epoch.",
                [.init(startedAt.timeIntervalSince1970)])
    }
}
