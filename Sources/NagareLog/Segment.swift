import NagareWire

/// One segment of a partition's log: the append-only file `<baseOffset, 20 digits>.log`
/// holding whole record batches exactly as produced (only baseOffset and leader epoch
/// rewritten), plus its sparse offset index (`.index`) and time index (`.timeindex`).
///
/// Not thread-safe: a `PartitionLog` owns its segments and serialises access to them.
final class Segment {
    let baseOffset: Int64
    let directory: String
    let log: FileIO
    let offsetIndex: SegmentIndexFile<OffsetIndexEntry>
    let timeIndex: SegmentIndexFile<TimeIndexEntry>
    let indexIntervalBytes: Int

    /// Bytes in the `.log` file that hold valid batches.
    private(set) var sizeBytes = 0
    /// The offset after the last batch (the base offset when the segment is empty).
    private(set) var nextOffset: Int64
    /// The largest batch maxTimestamp in the segment, -1 when it has none.
    private(set) var maxTimestamp: Int64 = -1
    /// The base offset of the batch carrying `maxTimestamp`.
    private(set) var offsetOfMaxTimestamp: Int64
    /// When this segment started, for rolling by `segment.ms`: the wall clock of its first
    /// append in this process, or after a restart the first batch's timestamp (if plausible).
    private(set) var rollBaseMilliseconds: Int64?
    private var bytesSinceLastIndexEntry = 0

    static let logSuffix = ".log"
    static let offsetIndexSuffix = ".index"
    static let timeIndexSuffix = ".timeindex"

    /// `00000000000000001234` for 1234: fixed width, so names sort like offsets.
    static func fileName(baseOffset: Int64, suffix: String) -> String {
        let digits = String(baseOffset)
        return String(repeating: "0", count: max(0, 20 - digits.count)) + digits + suffix
    }

    /// The base offset named by a `.log` file name, or nil for other files.
    static func baseOffset(ofLogFileName name: String) -> Int64? {
        guard name.hasSuffix(logSuffix) else { return nil }
        let stem = name.dropLast(logSuffix.count)
        guard stem.count == 20, stem.allSatisfy(\.isASCII), let value = Int64(stem), value >= 0 else { return nil }
        return value
    }

    var logPath: String { path(Self.logSuffix) }
    var offsetIndexPath: String { path(Self.offsetIndexSuffix) }
    var timeIndexPath: String { path(Self.timeIndexSuffix) }
    func path(_ suffix: String) -> String { directory + "/" + Self.fileName(baseOffset: baseOffset, suffix: suffix) }

    var isEmpty: Bool { sizeBytes == 0 }

    private init(baseOffset: Int64, directory: String, indexIntervalBytes: Int, log: FileIO,
                 offsetIndex: FileIO, timeIndex: FileIO) {
        self.baseOffset = baseOffset
        self.directory = directory
        self.indexIntervalBytes = indexIntervalBytes
        self.log = log
        self.offsetIndex = SegmentIndexFile(file: offsetIndex)
        self.timeIndex = SegmentIndexFile(file: timeIndex)
        self.nextOffset = baseOffset
        self.offsetOfMaxTimestamp = baseOffset
    }

    /// A new, empty segment; existing files of the same name are emptied.
    static func create(directory: String, baseOffset: Int64, indexIntervalBytes: Int) throws(LogError) -> Segment {
        let name = { (suffix: String) in directory + "/" + fileName(baseOffset: baseOffset, suffix: suffix) }
        let segment = Segment(
            baseOffset: baseOffset, directory: directory, indexIntervalBytes: indexIntervalBytes,
            log: try FileIO.open(name(logSuffix), create: true),
            offsetIndex: try FileIO.open(name(offsetIndexSuffix), create: true),
            timeIndex: try FileIO.open(name(timeIndexSuffix), create: true))
        try segment.log.truncate(to: 0)
        try segment.offsetIndex.file.truncate(to: 0)
        try segment.timeIndex.file.truncate(to: 0)
        return segment
    }

    /// Opens an existing segment without scanning it. Returns whether the indexes were present
    /// and well-formed; when they were not, the caller must `recover()` the segment, which
    /// rebuilds them.
    static func open(
        directory: String, baseOffset: Int64, indexIntervalBytes: Int
    ) throws(LogError) -> (segment: Segment, indexesAreUsable: Bool) {
        let name = { (suffix: String) in directory + "/" + fileName(baseOffset: baseOffset, suffix: suffix) }
        let indexesExisted = FileSystem.exists(name(offsetIndexSuffix)) && FileSystem.exists(name(timeIndexSuffix))
        let segment = Segment(
            baseOffset: baseOffset, directory: directory, indexIntervalBytes: indexIntervalBytes,
            log: try FileIO.open(name(logSuffix), create: false),
            offsetIndex: try FileIO.open(name(offsetIndexSuffix), create: true),
            timeIndex: try FileIO.open(name(timeIndexSuffix), create: true))
        let fileSize = try segment.log.size()
        segment.sizeBytes = fileSize
        let offsetsOK = try segment.offsetIndex.load { $0.relativeOffset >= 0 && Int($0.position) < fileSize }
        let timesOK = try segment.timeIndex.load { $0.relativeOffset >= 0 }
        return (segment, indexesExisted && offsetsOK && timesOK)
    }

    // MARK: Loading

    /// After a clean shutdown: reads the batch headers after the last offset-index entry to
    /// learn the segment's next offset and newest timestamp, without reading the whole file.
    /// Returns false when those bytes are not valid batches; the caller then recovers.
    func loadTail(now: Int64) throws(LogError) -> Bool {
        let start = offsetIndex.entries.last
        var scanner = SegmentBatchScanner(file: log, fileSize: sizeBytes, from: Int(start?.position ?? 0))
        nextOffset = baseOffset + Int64(start?.relativeOffset ?? 0)
        if let last = timeIndex.entries.last {
            maxTimestamp = last.timestamp
            offsetOfMaxTimestamp = baseOffset + Int64(last.relativeOffset)
        }
        loop: while true {
            switch try scanner.next(verifyingCRC: false) {
            case .end: break loop
            case .invalid: return false
            case .batch(let header, _):
                guard header.baseOffset >= nextOffset else { return false }
                nextOffset = header.nextOffset
                noteTimestamp(of: header)
            }
        }
        bytesSinceLastIndexEntry = sizeBytes - Int(start?.position ?? 0)
        try setRollBase(now: now)
        return true
    }

    private func setRollBase(now: Int64) throws(LogError) {
        guard !isEmpty else { rollBaseMilliseconds = nil; return }
        var scanner = SegmentBatchScanner(file: log, fileSize: sizeBytes)
        if case .batch(let first, _) = try scanner.next(verifyingCRC: false), first.maxTimestamp >= 0, first.maxTimestamp <= now {
            rollBaseMilliseconds = first.maxTimestamp
        } else {
            rollBaseMilliseconds = now
        }
    }

    /// What `recover()` found.
    struct Recovery {
        var validBytes: Int
        var truncatedBytes: Int
        var batchCount: Int
        /// Why the tail was cut, when it was.
        var reason: String?
    }

    /// Scans the whole segment checking every batch (length, header, CRC, increasing offsets),
    /// cuts the file after the last good batch, and rebuilds both indexes from what is left.
    func recover(now: Int64) throws(LogError) -> Recovery {
        let fileSize = try log.size()
        var scanner = SegmentBatchScanner(file: log, fileSize: fileSize)
        var offsets: [OffsetIndexEntry] = []
        var times: [TimeIndexEntry] = []
        resetStatistics()
        var batchCount = 0
        var reason: String?
        loop: while true {
            let step = try scanner.next(verifyingCRC: true)
            switch step {
            case .end:
                break loop
            case .invalid(_, let why):
                reason = why
                break loop
            case .batch(let header, let range):
                guard header.baseOffset >= nextOffset else {
                    reason = "a batch at offset \(header.baseOffset) that goes back before offset \(nextOffset)"
                    break loop
                }
                guard header.lastOffset - baseOffset <= Int64(Int32.max) else {
                    reason = "a batch at offset \(header.baseOffset) too far from the segment base offset \(baseOffset)"
                    break loop
                }
                indexEntries(for: header, at: range.lowerBound, offsets: &offsets, times: &times)
                sizeBytes = range.upperBound
                batchCount += 1
            }
        }
        let truncated = fileSize - sizeBytes
        if truncated > 0 { try log.truncate(to: sizeBytes) }
        try offsetIndex.replace(with: offsets)
        try timeIndex.replace(with: times)
        try setRollBase(now: now)
        return Recovery(validBytes: sizeBytes, truncatedBytes: truncated, batchCount: batchCount, reason: reason)
    }

    private func resetStatistics() {
        sizeBytes = 0
        nextOffset = baseOffset
        maxTimestamp = -1
        offsetOfMaxTimestamp = baseOffset
        bytesSinceLastIndexEntry = 0
    }

    private func noteTimestamp(of header: RecordBatchHeader) {
        if header.maxTimestamp > maxTimestamp {
            maxTimestamp = header.maxTimestamp
            offsetOfMaxTimestamp = header.baseOffset
        }
    }

    /// Accounts for a batch about to be placed at `position`: adds index entries when an index
    /// interval has passed, then updates the segment's statistics with the batch.
    ///
    /// The time-index entry is taken *before* the batch is counted, so it describes batches
    /// that all start before the offset-index entry written alongside it.
    private func indexEntries(
        for header: RecordBatchHeader, at position: Int,
        offsets: inout [OffsetIndexEntry], times: inout [TimeIndexEntry]
    ) {
        if bytesSinceLastIndexEntry >= indexIntervalBytes, position > 0 {
            offsets.append(OffsetIndexEntry(
                relativeOffset: Int32(header.baseOffset - baseOffset), position: Int32(position)))
            bytesSinceLastIndexEntry = 0
            let lastTimestamp = times.last?.timestamp ?? timeIndex.entries.last?.timestamp ?? -1
            if maxTimestamp > lastTimestamp {
                times.append(TimeIndexEntry(timestamp: maxTimestamp, relativeOffset: Int32(offsetOfMaxTimestamp - baseOffset)))
            }
        }
        bytesSinceLastIndexEntry += header.totalBytes
        noteTimestamp(of: header)
        nextOffset = header.nextOffset
    }

    // MARK: Appending

    /// Appends `bytes`, which hold exactly the batches `spans` (ranges relative to `bytes`) with
    /// offsets already assigned, in one write.
    func append(_ bytes: [UInt8], spans: [RecordBatchSpan], now: Int64) throws(LogError) {
        let start = sizeBytes
        var offsets: [OffsetIndexEntry] = []
        var times: [TimeIndexEntry] = []
        let saved = (nextOffset, maxTimestamp, offsetOfMaxTimestamp, bytesSinceLastIndexEntry)
        for span in spans {
            indexEntries(for: span.header, at: start + span.range.lowerBound, offsets: &offsets, times: &times)
        }
        do {
            try log.write(bytes, at: start)
        } catch {
            // Put the statistics back and cut off whatever part of the write landed, so the
            // next append starts from a clean end.
            (nextOffset, maxTimestamp, offsetOfMaxTimestamp, bytesSinceLastIndexEntry) = saved
            try? log.truncate(to: start)
            throw error
        }
        sizeBytes = start + bytes.count
        if rollBaseMilliseconds == nil { rollBaseMilliseconds = now }
        try offsetIndex.append(offsets)
        try timeIndex.append(times)
    }

    /// Appends a final time-index entry for the newest timestamp, so that a reopened segment
    /// knows its newest timestamp without a scan. Called when the segment stops being active.
    func sealTimeIndex() throws(LogError) {
        let last = timeIndex.entries.last?.timestamp ?? -1
        if maxTimestamp > last, maxTimestamp >= 0 {
            try timeIndex.append([TimeIndexEntry(
                timestamp: maxTimestamp, relativeOffset: Int32(offsetOfMaxTimestamp - baseOffset))])
        }
    }

    /// Forces the log to disk (data appended so far survives a crash).
    func flush() throws(LogError) { try log.sync() }

    /// Forces the log and both indexes to disk (when the segment is closed for good).
    func flushAll() throws(LogError) {
        try log.sync()
        try offsetIndex.file.sync()
        try timeIndex.file.sync()
    }

    // MARK: Reading

    /// The first batch whose last offset is at least `offset`, found from the nearest index
    /// entry below it. Nil when the segment has no such batch.
    func findBatch(atOrAfter offset: Int64) throws(LogError) -> (header: RecordBatchHeader, range: Range<Int>)? {
        let relative = offset - baseOffset
        let entry = relative > 0 ? offsetIndex.last(where: { Int64($0.relativeOffset) <= relative }) : nil
        var scanner = SegmentBatchScanner(file: log, fileSize: sizeBytes, from: Int(entry?.position ?? 0))
        while true {
            switch try scanner.next(verifyingCRC: false) {
            case .end: return nil
            case .invalid(let position, let reason):
                throw LogError(.corrupt, "\(logPath): \(reason) at position \(position)")
            case .batch(let header, let range):
                if header.lastOffset >= offset { return (header, range) }
            }
        }
    }

    /// Whole batches starting with the one that holds `offset`: at least one batch, then more
    /// while the total stays within `maxBytes`, stopping before any batch whose base offset is
    /// `maxOffset` or more. Nil when no batch of this segment reaches `offset`.
    func read(from offset: Int64, maxBytes: Int, maxOffset: Int64?) throws(LogError) -> [UInt8]? {
        guard let (first, firstRange) = try findBatch(atOrAfter: offset) else { return nil }
        if let maxOffset, first.baseOffset >= maxOffset { return [] }
        var end = firstRange.upperBound
        var scanner = SegmentBatchScanner(file: log, fileSize: sizeBytes, from: end)
        loop: while true {
            switch try scanner.next(verifyingCRC: false) {
            case .end, .invalid: break loop
            case .batch(let header, let range):
                if range.upperBound - firstRange.lowerBound > maxBytes { break loop }
                if let maxOffset, header.baseOffset >= maxOffset { break loop }
                end = range.upperBound
            }
        }
        let bytes = try log.read(at: firstRange.lowerBound, count: end - firstRange.lowerBound)
        guard bytes.count == end - firstRange.lowerBound else {
            throw LogError(.io, "short read of \(logPath) at position \(firstRange.lowerBound)")
        }
        return bytes
    }

    /// The first offset whose record timestamp is at least `timestamp`, or nil.
    ///
    /// The time index gives a batch before which every record is older than `timestamp`; the
    /// scan starts there. In an uncompressed batch the exact record is found; in a compressed
    /// one the batch's base offset is returned, since the broker does not decompress.
    func offset(forTimestamp timestamp: Int64) throws(LogError) -> Int64? {
        guard maxTimestamp >= timestamp else { return nil }
        var startPosition = 0
        if let entry = timeIndex.last(where: { $0.timestamp < timestamp }),
           let indexed = offsetIndex.last(where: { $0.relativeOffset <= entry.relativeOffset }) {
            startPosition = Int(indexed.position)
        }
        var scanner = SegmentBatchScanner(file: log, fileSize: sizeBytes, from: startPosition)
        while true {
            switch try scanner.next(verifyingCRC: false) {
            case .end: return nil
            case .invalid(let position, let reason):
                throw LogError(.corrupt, "\(logPath): \(reason) at position \(position)")
            case .batch(let header, let range):
                guard header.maxTimestamp >= timestamp else { continue }
                guard header.compression == .none, header.attributes.timestampType == .createTime else {
                    return header.baseOffset
                }
                let bytes = try scanner.bytes(of: range)
                guard let records = try? RecordBatch.decodeRecords(in: bytes, batch: 0..<bytes.count, header: header) else {
                    return header.baseOffset
                }
                for record in records where header.baseTimestamp &+ record.timestampDelta >= timestamp {
                    return header.baseOffset &+ Int64(record.offsetDelta)
                }
                return header.baseOffset
            }
        }
    }

    // MARK: Truncation and deletion

    /// Removes every batch from the one holding `offset` on (truncation is by whole batches),
    /// then rebuilds the indexes.
    func truncate(toBatchHolding offset: Int64, now: Int64) throws(LogError) {
        guard let (_, range) = try findBatch(atOrAfter: offset) else { return }
        try log.truncate(to: range.lowerBound)
        _ = try recover(now: now)
    }

    /// Deletes the segment's files. Open descriptors stay usable until released.
    func deleteFiles() throws(LogError) {
        try FileSystem.remove(logPath)
        try FileSystem.remove(offsetIndexPath)
        try FileSystem.remove(timeIndexPath)
    }
}
