/// Checks that bytes are well-formed UTF-8 without building a `String` or allocating.
///
/// The scanner keeps input strings as byte spans (see `Event`), so it validates their UTF-8
/// here instead of by constructing a `String`. The rules are Unicode's (Table 3-7): no
/// overlong forms, no encoded surrogates (U+D800…U+DFFF), nothing above U+10FFFF, no
/// truncated sequences — exactly what `String(validating:as:)` accepts.
enum UTF8Validation {
    static func isValid(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let count = bytes.count
        var i = 0
        while i < count {
            // Runs of ASCII, eight bytes at a time.
            if let base = bytes.baseAddress, i + 8 <= count,
                UnsafeRawPointer(base).loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080 == 0
            {
                i += 8
                continue
            }
            let lead = bytes[i]
            if lead < 0x80 {
                i += 1
                continue
            }
            // The allowed range of the second byte depends on the lead byte; the third and
            // fourth are always 0x80…0xBF.
            let length: Int
            var secondLow: UInt8 = 0x80
            var secondHigh: UInt8 = 0xBF
            switch lead {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; secondLow = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; secondHigh = 0x9F
            case 0xF0: length = 4; secondLow = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; secondHigh = 0x8F
            default: return false
            }
            guard i + length <= count else { return false }
            let second = bytes[i + 1]
            guard second >= secondLow && second <= secondHigh else { return false }
            for k in 2..<length where bytes[i + k] & 0xC0 != 0x80 { return false }
            i += length
        }
        return true
    }
}
