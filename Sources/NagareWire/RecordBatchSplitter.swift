/// One complete, checked record batch inside a larger buffer.
public struct RecordBatchSpan: Hashable, Sendable {
    public var header: RecordBatchHeader
    /// The batch's bytes in the buffer it was found in, header included.
    public var range: Range<Int>

    public init(header: RecordBatchHeader, range: Range<Int>) {
        self.header = header
        self.range = range
    }
}

/// Walks a buffer of concatenated RecordBatch v2 batches — the `records` field of a Produce
/// request, or a stretch of a log segment — and finds each batch.
///
/// The buffer must consist of whole batches only: a batch cut short (a producer bug or a torn
/// write) or a bad CRC is an error, because a broker must accept all of a Produce partition's
/// records or none. Nothing is read past the input and nothing traps, whatever the bytes.
public enum RecordBatchSplitter {
    /// Every batch in `bytes[range]` (all of `bytes` when `range` is nil), in order.
    public static func split(
        _ bytes: [UInt8], in range: Range<Int>? = nil, verifyingCRC: Bool = true
    ) throws(WireError) -> [RecordBatchSpan] {
        let r = (range ?? 0..<bytes.count).clamped(to: 0..<bytes.count)
        var spans: [RecordBatchSpan] = []
        var position = r.lowerBound
        while position < r.upperBound {
            let span = try nextBatch(in: bytes, at: position, end: r.upperBound, verifyingCRC: verifyingCRC)
            spans.append(span)
            position = span.range.upperBound
        }
        return spans
    }

    /// The byte ranges of the batches in `bytes` (see `split`).
    public static func ranges(_ bytes: [UInt8], verifyingCRC: Bool = true) throws(WireError) -> [Range<Int>] {
        try split(bytes, verifyingCRC: verifyingCRC).map(\.range)
    }

    /// The one batch that starts at `position` and must end by `end`.
    public static func nextBatch(
        in bytes: [UInt8], at position: Int, end: Int, verifyingCRC: Bool = true
    ) throws(WireError) -> RecordBatchSpan {
        let end = min(end, bytes.count)
        guard position >= 0, position <= end else {
            throw .truncated(needed: RecordBatchHeader.size, available: 0, what: "record batch header")
        }
        let available = end - position
        // Read the length first, so that a short buffer is reported as a truncated batch of a
        // known size rather than as a short header.
        if available >= RecordBatchHeader.logOverheadBytes, available < RecordBatchHeader.size {
            var r = WireReader(bytes, from: position + RecordBatchHeader.batchLengthOffset, to: end)
            let length = try r.readInt32("batchLength")
            if length < RecordBatchHeader.minimumBatchLength {
                throw .invalidLength(Int64(length), what: "record batch length")
            }
        }
        let header = try RecordBatchHeader(parsing: bytes, at: position, end: end)
        guard header.totalBytes <= available else {
            throw .truncated(needed: header.totalBytes, available: available, what: "record batch")
        }
        let range = position..<position + header.totalBytes
        if verifyingCRC { try RecordBatch.verifyCRC(of: bytes, batch: range, header: header) }
        return RecordBatchSpan(header: header, range: range)
    }
}
