import NagareCore
import Testing
@testable import NagareWire

@Suite("RecordBatchSplitter")
struct RecordBatchSplitterTests {
    static func batch(_ n: Int, base: Int64 = 0) -> [UInt8] {
        RecordBatch(
            baseOffset: base,
            entries: (0..<n).map { i in (Array("key\(i)".utf8), Array("value\(i)".utf8), [], Int64(1000 + i)) }
        ).encoded()
    }

    @Test func splitsConcatenatedBatches() throws {
        let a = Self.batch(1), b = Self.batch(5), c = Self.batch(2)
        let spans = try RecordBatchSplitter.split(a + b + c)
        #expect(spans.map(\.range) == [0..<a.count, a.count..<a.count + b.count, a.count + b.count..<a.count + b.count + c.count])
        #expect(spans.map(\.header.recordCount) == [1, 5, 2])
        #expect(try RecordBatchSplitter.ranges(a + b + c) == spans.map(\.range))
    }

    @Test func emptyInputHasNoBatches() throws {
        #expect(try RecordBatchSplitter.split([]).isEmpty)
    }

    @Test func splitsWithinASubrange() throws {
        let a = Self.batch(2)
        let padded = [0xFF, 0xFF] + a + [0xEE]
        let spans = try RecordBatchSplitter.split(padded, in: 2..<2 + a.count)
        #expect(spans.map(\.range) == [2..<2 + a.count])
    }

    /// Every strict prefix of a valid buffer that does not end on a batch boundary is
    /// rejected: a Produce request is all or nothing.
    @Test func everyStrictPrefixIsRejected() {
        let first = Self.batch(3)
        let bytes = first + Self.batch(1)
        for length in 1..<bytes.count where length != first.count {
            let prefix = Array(bytes[0..<length])
            #expect(throws: WireError.self, "prefix of \(length) bytes") { try RecordBatchSplitter.split(prefix) }
            // The same prefix at the start of a longer array, bounded by a range, is rejected too:
            // the splitter does not look past the range.
            #expect(throws: WireError.self) { try RecordBatchSplitter.split(bytes, in: 0..<length) }
        }
        #expect(throws: Never.self) { try RecordBatchSplitter.split(bytes) }
    }

    @Test func truncationIsReportedWithTheBatchSize() {
        let bytes = Self.batch(3)
        #expect(throws: WireError.truncated(needed: bytes.count, available: bytes.count - 1, what: "record batch")) {
            try RecordBatchSplitter.split(Array(bytes.dropLast()))
        }
    }

    @Test func tooSmallLengthIsRejected() {
        var bytes = Self.batch(1)
        bytes[8...11] = [0, 0, 0, 10]
        #expect(throws: WireError.invalidLength(10, what: "record batch length")) { try RecordBatchSplitter.split(bytes) }
        bytes[8...11] = [0xFF, 0xFF, 0xFF, 0xFF]
        #expect(throws: WireError.self) { try RecordBatchSplitter.split(bytes) }
    }

    /// Re-splitting the valid prefix made of the first k batches gives the same spans.
    @Test func validPrefixesReparseTheSame() throws {
        let parts = [Self.batch(1), Self.batch(2), Self.batch(3)]
        let all = parts.reduce([], +)
        let spans = try RecordBatchSplitter.split(all)
        var length = 0
        for (k, part) in parts.enumerated() {
            length += part.count
            #expect(try RecordBatchSplitter.split(Array(all[0..<length])) == Array(spans[0...k]))
        }
    }
}
