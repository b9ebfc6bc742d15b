import NagareCore
import Testing
@testable import NagareWire

/// Seeded fuzzing: whatever the bytes, the splitter and the record decoder return or throw
/// `WireError` — they never trap and never read past their input (a trap would end the test
/// process, so "the loop finished" is the assertion).
@Suite("RecordBatch fuzz")
struct RecordBatchFuzzTests {
    static let iterations = 20_000

    static var seedBatches: [[UInt8]] {
        [
            RecordBatchTests.kafkaPythonBatch,
            RecordBatchTests.kafkaPythonIdempotentBatch,
            RecordBatchSplitterTests.batch(4),
            RecordBatch.endTransactionMarker(
                EndTransactionMarker(type: .commit, coordinatorEpoch: 1), producerID: 1, producerEpoch: 0,
                timestampMilliseconds: 5
            ).encoded(),
        ]
    }

    /// Exercises everything that reads untrusted batch bytes.
    static func exercise(_ bytes: [UInt8]) -> Int {
        var outcomes = 0
        if let spans = try? RecordBatchSplitter.split(bytes) {
            outcomes += 1
            for span in spans {
                if let records = try? RecordBatch.decodeRecords(in: bytes, batch: span.range, header: span.header) {
                    outcomes += records.count
                    if span.header.isControl, let first = records.first {
                        _ = try? EndTransactionMarker(key: first.key, value: first.value)
                    }
                }
            }
        }
        // Without the CRC check, so that mutated records reach the record decoder.
        if let spans = try? RecordBatchSplitter.split(bytes, verifyingCRC: false) {
            for span in spans {
                _ = try? RecordBatch.decodeRecords(in: bytes, batch: span.range, header: span.header)
            }
        }
        _ = try? RecordBatch(decoding: bytes, verifyingCRC: false)
        _ = try? RecordBatchHeader(parsing: bytes)
        var reader = WireReader(bytes)
        _ = try? RecordBatchRecord.decode(from: &reader)
        return outcomes
    }

    @Test func randomBytesNeverTrap() {
        var rng = RecordBatchTestRandom(seed: 0x5EED)
        for _ in 0..<Self.iterations {
            let length = Int.random(in: 0...200, using: &rng)
            var bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
            // Give some inputs a plausible header so the fuzz reaches past the first checks.
            if bytes.count >= RecordBatchHeader.size, Bool.random(using: &rng) {
                bytes[RecordBatchHeader.magicOffset] = 2
                let length = UInt32(bytes.count - 12)
                bytes[8] = UInt8(length >> 24); bytes[9] = UInt8((length >> 16) & 0xFF)
                bytes[10] = UInt8((length >> 8) & 0xFF); bytes[11] = UInt8(length & 0xFF)
                bytes[21] = 0; bytes[22] &= 0x38
                RecordBatch.updateCRC(in: &bytes, batchStart: 0)
            }
            _ = Self.exercise(bytes)
        }
    }

    @Test func mutatedValidBatchesNeverTrap() {
        var rng = RecordBatchTestRandom(seed: 0xBA7C4)
        let seeds = Self.seedBatches
        var accepted = 0
        for _ in 0..<Self.iterations {
            var bytes = seeds[Int.random(in: 0..<seeds.count, using: &rng)]
            if Bool.random(using: &rng) { bytes += seeds[Int.random(in: 0..<seeds.count, using: &rng)] }
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                switch Int.random(in: 0..<4, using: &rng) {
                case 0:
                    // Mutate a byte after the header so records, not the header, are fuzzed.
                    let i = Int.random(in: 0..<bytes.count, using: &rng)
                    bytes[i] = UInt8.random(in: 0...255, using: &rng)
                case 1:
                    bytes.removeLast(Int.random(in: 0...min(8, bytes.count), using: &rng))
                case 2:
                    bytes.insert(UInt8.random(in: 0...255, using: &rng), at: Int.random(in: 0...bytes.count, using: &rng))
                default:
                    let i = Int.random(in: RecordBatchHeader.size..<max(RecordBatchHeader.size + 1, bytes.count), using: &rng)
                    if i < bytes.count { bytes[i] = [0x00, 0x01, 0x7F, 0x80, 0xFF][Int.random(in: 0..<5, using: &rng)] }
                }
            }
            // Fix the CRC half of the time so corrupted records get decoded.
            if bytes.count >= RecordBatchHeader.size, Bool.random(using: &rng) {
                RecordBatch.updateCRC(in: &bytes, batchStart: 0)
            }
            accepted += Self.exercise(bytes) > 0 ? 1 : 0
        }
        // Sanity: the fuzz did not reject everything at the first check.
        #expect(accepted > 0)
    }
}
