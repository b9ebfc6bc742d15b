import NagareWire

/// Reads a segment's `.log` file batch by batch, front to back, through a read-ahead buffer so
/// that small batches do not cost one system call each.
///
/// Used by recovery (with CRC checks), by lookups that walk from an index entry to the batch
/// wanted (headers only), and by the compactor. It never trusts the file: a short, malformed
/// or corrupt batch ends the scan with `.invalid`, saying where and why.
struct SegmentBatchScanner {
    enum Step {
        case batch(RecordBatchHeader, range: Range<Int>)
        case end
        /// The bytes at `position` are not a valid batch; `reason` is for the recovery report.
        case invalid(position: Int, reason: String)
    }

    /// Read-ahead size. Large enough to amortise system calls, small enough that a lookup
    /// reading one header does not drag in much.
    static let readAheadBytes = 64 * 1024

    let file: FileIO
    let fileSize: Int
    private(set) var position: Int
    private var buffer: [UInt8] = []
    private var bufferStart = 0

    init(file: FileIO, fileSize: Int, from position: Int = 0) {
        self.file = file
        self.fileSize = fileSize
        self.position = position
    }

    /// The next batch, checked for a sane header and for fitting in the file; with
    /// `verifyingCRC`, also for its CRC.
    mutating func next(verifyingCRC: Bool) throws(LogError) -> Step {
        let remaining = fileSize - position
        if remaining <= 0 { return .end }
        let headerBytes = min(remaining, RecordBatchHeader.size)
        try ensure(position, headerBytes)
        let header: RecordBatchHeader
        do {
            header = try RecordBatchHeader(parsing: buffer, at: position - bufferStart, end: position - bufferStart + headerBytes)
        } catch {
            if case .truncated = error {
                return .invalid(position: position, reason: "a torn batch (\(remaining) bytes, shorter than a batch header)")
            }
            return .invalid(position: position, reason: "a corrupt batch header (\(error))")
        }
        guard header.totalBytes <= remaining else {
            return .invalid(position: position,
                            reason: "a torn batch (header says \(header.totalBytes) bytes, \(remaining) in the file)")
        }
        let range = position..<position + header.totalBytes
        if verifyingCRC {
            try ensure(range.lowerBound, range.count)
            let local = range.lowerBound - bufferStart..<range.upperBound - bufferStart
            do {
                try RecordBatch.verifyCRC(of: buffer, batch: local, header: header)
            } catch {
                return .invalid(position: position, reason: "a batch with a bad CRC (\(error))")
            }
        }
        position = range.upperBound
        return .batch(header, range: range)
    }

    /// The bytes of a batch returned by `next`, as a standalone array.
    mutating func bytes(of range: Range<Int>) throws(LogError) -> [UInt8] {
        try ensure(range.lowerBound, range.count)
        return Array(buffer[range.lowerBound - bufferStart..<range.upperBound - bufferStart])
    }

    /// Makes `buffer` hold file bytes `at ..< at + count` (which must lie inside the file).
    private mutating func ensure(_ at: Int, _ count: Int) throws(LogError) {
        if at >= bufferStart, at + count <= bufferStart + buffer.count { return }
        let length = min(max(count, Self.readAheadBytes), fileSize - at)
        buffer = try file.read(at: at, count: length)
        bufferStart = at
        guard buffer.count >= count else {
            throw LogError(.io, "short read of \(file.path): wanted \(count) bytes at \(at), got \(buffer.count) (was the file truncated by another process?)")
        }
    }
}
