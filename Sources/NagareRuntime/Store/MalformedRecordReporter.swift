import Logging
import NagareStore

/// Logs malformed records at most once per interval: a bad producer can send millions, and one
/// line per record would drown the log (and slow ingestion). Each line says how many were
/// skipped since the last line, the total, and one example with its partition, offset and reason.
struct MalformedRecordReporter {
    let datasource: String
    let interval: Duration
    private(set) var total = 0
    private var sinceLastLine = 0
    private var example: MalformedRecord?
    private var lastLine: ContinuousClock.Instant?

    init(datasource: String, interval: Duration) {
        self.datasource = datasource
        self.interval = interval
    }

    mutating func record(_ result: IngestResult, now: ContinuousClock.Instant, logger: Logger) {
        guard result.malformed > 0 else { return }
        total += result.malformed
        sinceLastLine += result.malformed
        if example == nil { example = result.malformedSamples.first }
        flush(now: now, logger: logger, force: false)
    }

    /// Writes the pending line if the interval has passed (or `force`, on stop).
    mutating func flush(now: ContinuousClock.Instant, logger: Logger, force: Bool) {
        guard sinceLastLine > 0 else { return }
        if !force, let lastLine, now - lastLine < interval { return }
        let sample = example.map { "; e.g. \($0)" } ?? ""
        logger.warning("datasource '\(datasource)': skipped \(sinceLastLine) malformed records (\(total) since start)\(sample)")
        sinceLastLine = 0
        example = nil
        lastLine = now
    }
}
