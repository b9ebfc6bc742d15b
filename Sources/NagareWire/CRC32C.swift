import CCRC32C

/// CRC-32C (Castagnoli), the checksum of Kafka's RecordBatch v2.
///
/// Reflected polynomial 0x82F63B78, initial value and final XOR 0xFFFFFFFF. The broker checks
/// it on every produced batch and on every batch scanned during log recovery, so it is on the
/// hot path. Where the CPU has a CRC-32C instruction (x86-64 SSE4.2, AArch64 CRC) it is used
/// (`CCRC32C`): the table form below was 16% of the broker's CPU in the pipeline benchmark.
/// Elsewhere the table-driven "slicing-by-8" form consumes eight bytes per step with eight
/// table lookups instead of one lookup per byte.
public enum CRC32C {
    /// Whether `checksum` uses the CPU's instruction.
    public static let usesHardware = nagare_crc32c_hardware_available() != 0

    /// The reflected Castagnoli polynomial.
    public static let polynomial: UInt32 = 0x82F6_3B78

    /// Eight 256-entry tables laid out one after another: `tables[k * 256 + b]` is the CRC of
    /// byte `b` followed by `k` zero bytes. Table 0 is the classic byte-at-a-time table.
    static let tables: [UInt32] = {
        var t = [UInt32](repeating: 0, count: 8 * 256)
        for b in 0..<256 {
            var crc = UInt32(b)
            for _ in 0..<8 { crc = (crc & 1) != 0 ? (crc >> 1) ^ polynomial : crc >> 1 }
            t[b] = crc
        }
        for k in 1..<8 {
            for b in 0..<256 {
                let previous = t[(k - 1) * 256 + b]
                t[k * 256 + b] = (previous >> 8) ^ t[Int(previous & 0xFF)]
            }
        }
        return t
    }()

    /// The CRC of `buffer`, or of `buffer` appended to data whose CRC was `crc` (so a long input
    /// can be checksummed in pieces: `checksum(b, continuing: checksum(a))` == `checksum(a + b)`).
    public static func checksum(_ buffer: UnsafeRawBufferPointer, continuing crc: UInt32 = 0) -> UInt32 {
        guard buffer.count > 0, let base = buffer.baseAddress else { return crc }
        if usesHardware { return ~nagare_crc32c_hardware_update(~crc, base, buffer.count) }
        return tableChecksum(buffer, continuing: crc)
    }

    /// `checksum` by the tables, whatever the CPU has.
    static func tableChecksum(_ buffer: UnsafeRawBufferPointer, continuing crc: UInt32 = 0) -> UInt32 {
        var c = ~crc
        let count = buffer.count
        guard count > 0, let base = buffer.baseAddress else { return crc }
        tables.withUnsafeBufferPointer { table in
            var i = 0
            while count - i >= 8 {
                // Unaligned little-endian loads: the CRC is reflected, so the first byte of the
                // input sits in the low bits.
                let low = UInt32(littleEndian: base.loadUnaligned(fromByteOffset: i, as: UInt32.self)) ^ c
                let high = UInt32(littleEndian: base.loadUnaligned(fromByteOffset: i + 4, as: UInt32.self))
                c = table[7 * 256 + Int(low & 0xFF)]
                    ^ table[6 * 256 + Int((low >> 8) & 0xFF)]
                    ^ table[5 * 256 + Int((low >> 16) & 0xFF)]
                    ^ table[4 * 256 + Int(low >> 24)]
                    ^ table[3 * 256 + Int(high & 0xFF)]
                    ^ table[2 * 256 + Int((high >> 8) & 0xFF)]
                    ^ table[1 * 256 + Int((high >> 16) & 0xFF)]
                    ^ table[Int(high >> 24)]
                i += 8
            }
            while i < count {
                let byte = base.load(fromByteOffset: i, as: UInt8.self)
                c = (c >> 8) ^ table[Int((c ^ UInt32(byte)) & 0xFF)]
                i += 1
            }
        }
        return ~c
    }

    /// The CRC of `bytes[range]` (all of `bytes` when `range` is nil). The range is clamped to
    /// the array, so a bad range never traps.
    public static func checksum(_ bytes: [UInt8], in range: Range<Int>? = nil, continuing crc: UInt32 = 0) -> UInt32 {
        let r = (range ?? 0..<bytes.count).clamped(to: 0..<bytes.count)
        return bytes.withUnsafeBytes { raw in
            checksum(UnsafeRawBufferPointer(rebasing: raw[r]), continuing: crc)
        }
    }

    /// The CRC of any byte sequence (for `String.utf8`, slices and other non-array inputs).
    public static func checksum<S: Sequence>(_ bytes: S) -> UInt32 where S.Element == UInt8 {
        if let result = bytes.withContiguousStorageIfAvailable({ checksum(UnsafeRawBufferPointer($0)) }) {
            return result
        }
        return checksum(Array(bytes))
    }
}
