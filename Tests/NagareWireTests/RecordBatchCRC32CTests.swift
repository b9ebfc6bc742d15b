import Foundation
import Testing
@testable import NagareWire

@Suite("CRC32C")
struct RecordBatchCRC32CTests {
    /// Bit-at-a-time reference, to check the sliced tables against the definition.
    static func reference(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
        }
        return ~crc
    }

    @Test func checkValue() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum("123456789".utf8) == 0xE306_9283)
    }

    @Test func emptyInputIsZero() {
        #expect(CRC32C.checksum([UInt8]()) == 0)
    }

    /// The iSCSI test vectors of RFC 3720, appendix B.4.
    @Test func rfc3720Vectors() {
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
        #expect(CRC32C.checksum((0..<32).map { UInt8($0) }) == 0x46DD_794E)
        #expect(CRC32C.checksum((0..<32).map { UInt8(31 - $0) }) == 0x113F_DB5C)
    }

    @Test func slicedTablesMatchTheBitwiseDefinition() {
        var rng = RecordBatchTestRandom(seed: 7)
        for length in 0..<200 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
            #expect(CRC32C.checksum(bytes) == Self.reference(bytes), "length \(length)")
            let tables = bytes.withUnsafeBytes { CRC32C.tableChecksum($0) }
            #expect(tables == Self.reference(bytes), "tables, length \(length)")
        }
    }

    /// The CPU's instruction (used on this machine when `usesHardware`) and the tables agree at
    /// every length and alignment, also when continuing a checksum.
    @Test func hardwareAndTablesAgreeAtEveryAlignment() throws {
        #if os(Linux) && arch(x86_64)
        // So that this test compares two implementations wherever the CPU allows it.
        let cpuinfo = try String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)
        #expect(CRC32C.usesHardware == cpuinfo.contains(" sse4_2"))
        #endif
        var rng = RecordBatchTestRandom(seed: 11)
        let bytes = (0..<4_096).map { _ in UInt8.random(in: 0...255, using: &rng) }
        bytes.withUnsafeBytes { raw in
            for start in 0..<16 {
                for length in [0, 1, 7, 8, 9, 15, 16, 17, 63, 64, 65, 1_000, 4_000] where start + length <= raw.count {
                    let piece = UnsafeRawBufferPointer(rebasing: raw[start..<start + length])
                    #expect(CRC32C.checksum(piece) == CRC32C.tableChecksum(piece), "start \(start), length \(length)")
                    let seed = CRC32C.tableChecksum(UnsafeRawBufferPointer(rebasing: raw[0..<3]))
                    #expect(CRC32C.checksum(piece, continuing: seed) == CRC32C.tableChecksum(piece, continuing: seed))
                }
            }
        }
    }

    @Test func checksumCanBeComputedInPieces() {
        var rng = RecordBatchTestRandom(seed: 11)
        let bytes = (0..<1000).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let whole = CRC32C.checksum(bytes)
        for split in [0, 1, 7, 8, 9, 500, 999, 1000] {
            let first = CRC32C.checksum(bytes, in: 0..<split)
            #expect(CRC32C.checksum(bytes, in: split..<1000, continuing: first) == whole)
        }
    }

    @Test func outOfBoundsRangeIsClampedNotTrapped() {
        #expect(CRC32C.checksum([1, 2, 3], in: 2..<10) == CRC32C.checksum([3]))
    }
}

/// SplitMix64: a small deterministic generator so fuzz and random tests replay exactly.
struct RecordBatchTestRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
