// libFuzzer target: the `records` bytes of a Produce partition, decoded as the broker and the log
// decode them — `RecordBatchSplitter.split`, then `RecordBatch(decoding:)` and
// `RecordBatch.decodeRecords` on each batch found.
//
// Invariants (a violation traps, which libFuzzer reports as a crash):
// - nothing traps and nothing reads past the input (AddressSanitizer checks the latter, because
//   the input is copied into an array of exactly its size);
// - each batch the splitter finds lies inside the input, and splitting just its range finds it
//   again (re-parsing the valid prefix gives the same result);
// - a batch that decodes re-encodes to bytes that decode to the same header and records. Length
//   and CRC are recomputed on encoding, and a producer may have used longer varints than
//   needed, so those two fields are the only ones allowed to differ.
import NagareWire

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRecordBatch(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    // With the CRC check, as a Produce is validated; without it, so that mutated records (whose
    // CRC the fuzzer almost never fixes up) still reach the record decoder.
    for verifyingCRC in [true, false] {
        guard let spans = try? RecordBatchSplitter.split(bytes, verifyingCRC: verifyingCRC) else { continue }
        var end = 0
        for span in spans {
            guard span.range.lowerBound == end, span.range.upperBound <= bytes.count else {
                fatalError("split returned \(span.range) after \(end) in \(bytes.count) bytes")
            }
            end = span.range.upperBound
            checkSplitAlone(bytes, span, verifyingCRC: verifyingCRC)
            checkDecoding(bytes, span, verifyingCRC: verifyingCRC)
        }
        guard end == bytes.count else { fatalError("split covered \(end) of \(bytes.count) bytes") }
    }
    // The decoder on its own, for inputs the splitter refuses (trailing bytes after one batch).
    if let batch = try? RecordBatch(decoding: bytes, verifyingCRC: false) { checkRoundTrip(of: batch) }
    return 0
}

func checkSplitAlone(_ bytes: [UInt8], _ span: RecordBatchSpan, verifyingCRC: Bool) {
    do {
        let alone = try RecordBatchSplitter.split(bytes, in: span.range, verifyingCRC: verifyingCRC)
        guard alone == [span] else { fatalError("splitting \(span.range) alone found \(alone), not \(span)") }
    } catch {
        fatalError("splitting \(span.range) alone failed: \(error)")
    }
}

func checkDecoding(_ bytes: [UInt8], _ span: RecordBatchSpan, verifyingCRC: Bool) {
    let records = try? RecordBatch.decodeRecords(in: bytes, batch: span.range, header: span.header)
    let batch = try? RecordBatch(decoding: bytes, in: span.range, verifyingCRC: verifyingCRC)
    // Both paths read the same bytes, so they must agree.
    guard batch?.records == records, batch == nil || batch?.header == span.header else {
        fatalError("decodeRecords and RecordBatch(decoding:) disagree on \(span.range)")
    }
    if let batch { checkRoundTrip(of: batch) }
}

func checkRoundTrip(of batch: RecordBatch) {
    let encoded = batch.encoded()
    do {
        let again = try RecordBatch(decoding: encoded)
        var expected = batch.header
        expected.batchLength = again.header.batchLength
        expected.crc = again.header.crc
        guard again.header == expected, again.records == batch.records, again.header.totalBytes == encoded.count else {
            fatalError("record batch changed on re-encoding: \(batch) became \(again)")
        }
    } catch {
        fatalError("re-encoded record batch does not decode: \(error); batch \(batch)")
    }
}
