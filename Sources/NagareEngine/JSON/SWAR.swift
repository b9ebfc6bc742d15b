/// Eight-bytes-at-a-time tests ("SIMD within a register") for the JSON hot loops.
///
/// Strings in events are mostly plain ASCII; testing a word at a time whether any byte is a
/// quote, a backslash or a control character (or, for the scanner, non-ASCII) lets both the
/// scanner and the writer skip such text at a fraction of the per-byte cost.
enum SWAR {
    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let highs: UInt64 = 0x8080_8080_8080_8080

    /// True when some byte of `word` may be `"`, `\`, below 0x20, or (with `nonASCII`) ≥ 0x80.
    /// May report true for a word that needs nothing (a borrow crossing bytes); callers then
    /// look at each byte, so a false alarm costs time, never correctness. Never reports false
    /// for a word that does need attention.
    @inline(__always)
    static func needsAttention(_ word: UInt64, nonASCII: Bool) -> Bool {
        attentionFlags(word, nonASCII: nonASCII) != 0
    }

    /// The high bit of each byte of `word` that may need attention (as `needsAttention`), the
    /// first byte in memory order being the lowest. Borrows only run upwards, from a byte that
    /// does need attention, so the lowest flag is exact: `trailingZeroBitCount / 8` is the
    /// offset of the first byte that needs attention. `word` must have been loaded as
    /// little-endian (`UInt64(littleEndian:)`) for that order.
    @inline(__always)
    static func attentionFlags(_ word: UInt64, nonASCII: Bool) -> UInt64 {
        let quote = word ^ (ones &* 0x22)
        let backslash = word ^ (ones &* 0x5C)
        let zeroInQuote = (quote &- ones) & ~quote
        let zeroInBackslash = (backslash &- ones) & ~backslash
        let control = (word &- ones &* 0x20) & ~word
        var flags = zeroInQuote | zeroInBackslash | control
        if nonASCII { flags |= word }
        return flags & highs
    }
}

extension SWAR {
    /// Whether `count` bytes at `a` and at `b` are equal, compared a word at a time (field
    /// names are short, and a call into `memcmp` costs more than the comparison).
    @inline(__always)
    static func equal(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, count: Int) -> Bool {
        let rawA = UnsafeRawPointer(a)
        let rawB = UnsafeRawPointer(b)
        var i = 0
        while i + 8 <= count {
            if rawA.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                != rawB.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            {
                return false
            }
            i += 8
        }
        while i < count {
            if a[i] != b[i] { return false }
            i += 1
        }
        return true
    }

    /// Whether two buffers hold the same bytes.
    @inline(__always)
    static func equal(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        guard let baseA = a.baseAddress, let baseB = b.baseAddress else { return a.isEmpty }
        return equal(baseA, baseB, count: a.count)
    }
}
