import Foundation
import ServiceLifecycle
public import Logging
public import NagareCore
public import NagareHTTP

extension PipelineRunner: PipelineStatusProviding {
    public func statusReport() -> PipelineStatusReport {
        let s = status.withLock { $0 }
        let rfc3339 = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        let partitions = s.assigned.map { tp in
            PipelineStatusReport.Partition(
                topic: tp.topic, partition: tp.partition,
                committedOffset: s.committedOffsets[tp]?.rawValue, endOffset: s.endOffsets[tp]?.rawValue)
        }
        let lastBatch = s.lastBatchCompletedAt.map { completedAt in
            PipelineStatusReport.Batch(
                inputRecords: s.lastBatchRecords, outputRecords: s.lastBatchOutputRecords,
                processingTimeMs: s.lastBatchDuration.milliseconds,
                delayMs: s.lastBatchDelayMilliseconds, completedAt: completedAt.formatted(rfc3339))
        }
        var totals = PipelineStatusReport.Totals()
        totals.batches = s.batches
        totals.abortedBatches = s.abortedBatches
        totals.inputRecords = s.inputRecords
        totals.outputRecords = s.totals.outputRecords
        totals.duplicates = s.totals.duplicates
        totals.filtered = s.totals.filtered
        totals.deadLetters = s.totals.deadLettered
        totals.lateEvents = s.totals.lateEvents
        totals.windowResults = s.totals.windowResults
        var report = PipelineStatusReport(
            pipeline: definition.name, instance: options.instanceID, group: definition.source.group,
            state: s.state.rawValue, startedAt: startedAt.formatted(rfc3339),
            uptimeSeconds: (ContinuousClock.now - startedInstant).milliseconds / 1000,
            partitions: partitions, lastBatch: lastBatch, totals: totals)
        report.build = BuildIdentity.current
        return report
    }

    public func requestStop() {
        logger.info("stop requested over HTTP: stopping after the current batch")
        stop()
    }
}

extension Duration {
    fileprivate var milliseconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) * 1000 + Double(attoseconds) / 1e15
    }
}

/// The HTTP status endpoint of `nagare run --status`: `GET /status`, `POST /stop`,
/// `GET /metrics` and `GET /status/health`; with `authToken`, all but the health check need it. The command handles SIGTERM/SIGINT itself (stopping the runner) and
/// ends this server with `shutdown()` once the runner has returned.
public final class PipelineStatusServer: Sendable {
    private let group: ServiceGroup

    /// Serves `runner`'s status on `address` (port 0: any free port) once `run()` is called.
    /// `onListening` receives the bound port once connections are accepted.
    public init(
        runner: PipelineRunner, address: HostPort, authToken: String? = nil, logger: Logger,
        onListening: @escaping @Sendable (Int) async -> Void
    ) {
        let app = StoreHTTPServer.make(
            routes: [HealthRoutes(), PipelineStatusRoutes(pipeline: runner), runner.metricsRoutes],
            host: address.host, port: address.port, authToken: authToken, logger: logger, onListening: onListening)
        group = ServiceGroup(configuration: ServiceGroupConfiguration(services: [app], logger: logger))
    }

    /// Serves until `shutdown()`; throws when the address cannot be bound.
    public func run() async throws { try await group.run() }

    /// Stops accepting connections and lets requests in flight finish.
    public func shutdown() async { await group.triggerGracefulShutdown() }
}

/// The running executable's size and modification time, read once: what tells a deploy (a new
/// binary) from a plain restart.
enum BuildIdentity {
    static let current: String = {
        let path = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
              let size = attributes[.size] as? NSNumber, let modified = attributes[.modificationDate] as? Date else {
            return "unknown"
        }
        return "\(size.int64Value)-\(Int64(modified.timeIntervalSince1970))"
    }()
}
