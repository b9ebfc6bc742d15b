import NagareWire

/// What a compaction pass did.
public struct CompactionReport: Hashable, Sendable {
    /// `.log` files rewritten.
    public var rewrittenSegments: [String] = []
    /// Records dropped because a later record has the same key.
    public var supersededRecords = 0
    /// Tombstones (null values) dropped because they were older than `delete.retention.ms`.
    public var expiredTombstones = 0
    public var bytesBefore = 0
    public var bytesAfter = 0

    public init() {}
}

/// Log compaction for `cleanup.policy=compact`: in closed segments, keep only the latest
/// record of each key.
///
/// Rules:
/// - The active segment is never touched, and keys are collected from closed segments only,
///   so a record is removed only when a later record of its key sits in a closed segment.
/// - Offsets are preserved: batches keep their base offset and `lastOffsetDelta`, records
///   keep their offset deltas; the gaps are what consumers of compacted topics expect.
/// - A tombstone (null value) stays while it is the latest for its key and younger than
///   `delete.retention.ms` (measured from its own timestamp), then goes.
/// - Control batches (transaction markers) are kept. Transactional data batches are kept
///   untouched and their keys are not counted as "later", because an aborted record must not
///   remove a committed one; compacting transactional data would need the transaction index
///   this log does not keep. Compressed batches are kept untouched too (the broker does not
///   decompress). Records with a null key are kept.
/// - Segments are not merged afterwards; a segment can become small or empty.
///
/// Crash safety: the new file is written as `<name>.log.cleaned` and fsynced, the index
/// files are removed, then the new file is renamed over the old. A crash before the rename
/// leaves the old segment (leftover `.cleaned` files are deleted on open); a crash after it
/// leaves the new one; missing indexes are rebuilt on open either way.
enum LogCompactor {
    static let cleanedSuffix = ".cleaned"

    /// Batches the compactor may rewrite.
    static func isCompactable(_ header: RecordBatchHeader) -> Bool {
        header.compression == .none && !header.isControl && !header.isTransactional
    }

    static func forEachBatch(
        in segment: Segment, _ body: (RecordBatchHeader, [UInt8]) throws(LogError) -> Void
    ) throws(LogError) {
        var scanner = SegmentBatchScanner(file: segment.log, fileSize: segment.sizeBytes)
        while true {
            switch try scanner.next(verifyingCRC: true) {
            case .end: return
            case .invalid(let position, let reason):
                throw LogError(.corrupt, "\(segment.logPath): \(reason) at position \(position); not compacting")
            case .batch(let header, let range):
                try body(header, try scanner.bytes(of: range))
            }
        }
    }

    static func compact(
        _ s: inout PartitionLogState, directory: String, now: Int64
    ) throws(LogError) -> CompactionReport {
        var report = CompactionReport()
        let closedCount = s.segments.count - 1
        guard closedCount > 0 else { return report }

        // Pass 1: the latest offset of every key in the closed segments.
        var latest: [[UInt8]: Int64] = [:]
        for segment in s.segments[..<closedCount] {
            try forEachBatch(in: segment) { header, bytes throws(LogError) in
                guard isCompactable(header),
                      let records = try? RecordBatch.decodeRecords(in: bytes, batch: 0..<bytes.count, header: header)
                else { return }
                for record in records {
                    if let key = record.key { latest[key] = header.baseOffset &+ Int64(record.offsetDelta) }
                }
            }
        }

        // Pass 2: rewrite the segments that lose something.
        let tombstoneHorizon = now - s.configuration.deleteRetentionMilliseconds
        for index in 0..<closedCount {
            let segment = s.segments[index]
            var output: [UInt8] = []
            output.reserveCapacity(segment.sizeBytes)
            var changed = false
            try forEachBatch(in: segment) { header, bytes throws(LogError) in
                guard isCompactable(header),
                      let records = try? RecordBatch.decodeRecords(in: bytes, batch: 0..<bytes.count, header: header)
                else {
                    output.append(contentsOf: bytes)
                    return
                }
                let kept = records.filter { record in
                    guard let key = record.key else { return true }
                    guard latest[key] == header.baseOffset &+ Int64(record.offsetDelta) else {
                        report.supersededRecords += 1
                        return false
                    }
                    if record.value == nil {
                        let timestamp = header.attributes.timestampType == .logAppendTime
                            ? header.maxTimestamp : header.baseTimestamp &+ record.timestampDelta
                        if timestamp < tombstoneHorizon {
                            report.expiredTombstones += 1
                            return false
                        }
                    }
                    return true
                }
                if kept.count == records.count {
                    output.append(contentsOf: bytes)
                    return
                }
                changed = true
                // A batch left with no records is dropped; its offsets become a gap.
                if !kept.isEmpty {
                    output.append(contentsOf: RecordBatch(header: header, records: kept).encoded())
                }
            }
            guard changed else { continue }
            report.bytesBefore += segment.sizeBytes
            report.bytesAfter += output.count
            report.rewrittenSegments.append(Segment.fileName(baseOffset: segment.baseOffset, suffix: Segment.logSuffix))
            s.segments[index] = try replace(segment, with: output, directory: directory,
                                            indexIntervalBytes: s.configuration.indexIntervalBytes, now: now)
        }
        return report
    }

    /// Swaps a segment's log for `bytes` (see the type's crash-safety notes) and reopens it.
    static func replace(
        _ segment: Segment, with bytes: [UInt8], directory: String, indexIntervalBytes: Int, now: Int64
    ) throws(LogError) -> Segment {
        let cleanedPath = segment.logPath + cleanedSuffix
        do {
            let file = try FileIO.open(cleanedPath, create: true)
            try file.truncate(to: 0)
            try file.write(bytes, at: 0)
            try file.sync()
        }
        try FileSystem.remove(segment.offsetIndexPath)
        try FileSystem.remove(segment.timeIndexPath)
        try FileSystem.rename(cleanedPath, to: segment.logPath)
        try FileSystem.syncDirectory(directory)
        let (reopened, _) = try Segment.open(
            directory: directory, baseOffset: segment.baseOffset, indexIntervalBytes: indexIntervalBytes)
        let recovery = try reopened.recover(now: now)
        if let reason = recovery.reason {
            throw LogError(.corrupt, "\(reopened.logPath): compacted segment does not re-read: \(reason)")
        }
        try reopened.sealTimeIndex()
        try reopened.flushAll()
        return reopened
    }
}

extension PartitionLog {
    /// Compacts the closed segments of a `cleanup.policy=compact` log (see `LogCompactor` in
    /// the source for the rules); does nothing for other policies.
    ///
    /// Runs under the log's lock, so appends wait for it: call it from a background task,
    /// and size segments so that one pass stays short.
    @discardableResult
    public func compact() throws(LogError) -> CompactionReport {
        let now = currentTimeMilliseconds()
        let directory = self.directory
        return try withState { s throws(LogError) -> CompactionReport in
            guard s.configuration.cleanupPolicy == .compact else { return CompactionReport() }
            return try LogCompactor.compact(&s, directory: directory, now: now)
        }
    }
}
