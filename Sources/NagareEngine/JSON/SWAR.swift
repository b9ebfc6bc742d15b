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
        let quote = word ^ (ones &* 0x22)
        let backslash = word ^ (ones &* 0x5C)
        let zeroInQuote = (quote &- ones) & ~quote
        let zeroInBackslash = (backslash &- ones) & ~backslash
        let control = (word &- ones &* 0x20) & ~word
        var flags = zeroInQuote | zeroInBackslash | control
        if nonASCII { flags |= word }
        return flags & highs != 0
    }
}
