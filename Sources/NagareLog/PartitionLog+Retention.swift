public import NagareCore

/// What a retention pass deleted.
public struct RetentionReport: Hashable, Sendable {
    /// `.log` file names of the deleted segments, oldest first.
    public var deletedSegments: [String] = []
    public var deletedBytes = 0
    /// The log start offset after the pass.
    public var logStartOffset: Offset

    public init(logStartOffset: Offset) { self.logStartOffset = logStartOffset }
}

extension PartitionLog {
    /// Deletes whole old segments that retention no longer keeps, oldest first, and advances
    /// the log start offset. Only for `cleanup.policy=delete`; a compacted log is left alone.
    ///
    /// - By age (`retention.ms`): a segment goes when its newest record is older than the
    ///   retention time.
    /// - By size (`retention.bytes`): the oldest segment goes while the log would still hold at
    ///   least `retention.bytes` without it.
    ///
    /// The active segment is never deleted, so a partition that stopped receiving data keeps
    /// its last segment until the next roll (as in Kafka without `segment.ms` rolls).
    @discardableResult
    public func enforceRetention() throws(LogError) -> RetentionReport {
        let now = currentTimeMilliseconds()
        return try withState { s throws(LogError) -> RetentionReport in
            var report = RetentionReport(logStartOffset: Offset(s.logStartOffset))
            let configuration = s.configuration
            guard configuration.cleanupPolicy == .delete else { return report }
            var totalBytes = s.segments.reduce(0) { $0 + $1.sizeBytes }
            while s.segments.count > 1 {
                let oldest = s.segments[0]
                let expired = configuration.retentionMilliseconds >= 0
                    && oldest.maxTimestamp < now - configuration.retentionMilliseconds
                let oversized = configuration.retentionBytes >= 0
                    && Int64(totalBytes - oldest.sizeBytes) >= configuration.retentionBytes
                guard expired || oversized else { break }
                try oldest.deleteFiles()
                s.segments.removeFirst()
                totalBytes -= oldest.sizeBytes
                report.deletedBytes += oldest.sizeBytes
                report.deletedSegments.append(Segment.fileName(baseOffset: oldest.baseOffset, suffix: Segment.logSuffix))
            }
            if !report.deletedSegments.isEmpty {
                s.logStartOffset = max(s.logStartOffset, s.segments[0].baseOffset)
                try FileSystem.syncDirectory(directory)
            }
            report.logStartOffset = Offset(s.logStartOffset)
            return report
        }
    }

    /// Removes every record at or after `offset` (to undo an append, or to start a partition
    /// over). Truncation is by whole batches: the batch holding `offset` goes entirely, so
    /// the new log end offset may be lower than `offset`. Truncating below the log start
    /// empties the log and restarts it at `offset`.
    public func truncate(to offset: Offset) throws(LogError) {
        let now = currentTimeMilliseconds()
        try withState { s throws(LogError) in
            let o = offset.rawValue
            guard o < s.logEndOffset else { return }
            let interval = s.configuration.indexIntervalBytes
            if o <= s.logStartOffset {
                // Nothing at or after the log start survives: start over at `offset`.
                for segment in s.segments { try segment.deleteFiles() }
                s.segments = [try Segment.create(directory: directory, baseOffset: o, indexIntervalBytes: interval)]
                s.logStartOffset = o
            } else {
                while s.segments.count > 1, s.active.baseOffset >= o {
                    try s.active.deleteFiles()
                    s.segments.removeLast()
                }
                try s.active.truncate(toBatchHolding: o, now: now)
                try s.active.flushAll()
            }
            s.logEndOffset = s.active.nextOffset
            try Self.writeRecoveryPoint(s.active.baseOffset, directory: directory)
        }
    }
}
