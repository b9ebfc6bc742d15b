extension JSONScanner {
    /// Scans a string from its opening quote to just past its closing quote, checking its
    /// escapes, surrogate pairs and UTF-8. Returns whether it has escapes. When `decoding`, the
    /// text of a string with escapes is left in `scratch` (one without escapes is its bytes).
    ///
    /// Invalid UTF-8 is reported (at the first byte of the contents) only once the string is
    /// otherwise complete, as before this scanner kept spans: a bad escape or a missing quote
    /// is the more useful message. Checking the raw bytes, escapes included, is the same as
    /// checking the decoded text: an escape is ASCII and decodes to a whole UTF-8 sequence, so
    /// either way it ends any sequence left open before it.
    mutating func scanString() throws(JSONParseError) -> Bool {
        let quote = index
        index += 1
        let start = index
        var isASCII = true
        // Fast path: no escapes. Most field names and values end here. Plain ASCII is skipped
        // eight bytes at a time, up to the first byte that needs attention, which is most often
        // the closing quote; the byte loop below handles it and whatever follows.
        if let base = bytes.baseAddress {
            let raw = UnsafeRawPointer(base)
            while index + 8 <= bytes.count {
                let word = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: index, as: UInt64.self))
                let flags = SWAR.attentionFlags(word, nonASCII: true)
                if flags != 0 {
                    index += flags.trailingZeroBitCount / 8
                    break
                }
                index += 8
            }
        }
        while index < bytes.count {
            let c = bytes[index]
            if c == UInt8(ascii: "\"") {
                index += 1
                try checkUTF8(from: start, isASCII: isASCII)
                return false
            }
            if c == UInt8(ascii: "\\") { break }
            if c < 0x20 { throw fail("control character in string; it must be escaped") }
            if c >= 0x80 { isASCII = false }
            index += 1
        }
        guard index < bytes.count else {
            throw JSONParseError(offset: quote, reason: "unterminated string")
        }
        try scanEscapedString(from: start, quote: quote, isASCII: isASCII)
        return true
    }

    /// The contents from `start` to the closing quote just passed.
    private func checkUTF8(from start: Int, isASCII: Bool) throws(JSONParseError) {
        guard !isASCII else { return }
        guard UTF8Validation.isValid(UnsafeBufferPointer(rebasing: bytes[start..<index - 1])) else {
            throw JSONParseError(offset: start, reason: "string is not valid UTF-8")
        }
    }

    private mutating func scanEscapedString(from start: Int, quote: Int, isASCII: Bool) throws(JSONParseError) {
        var isASCII = isASCII
        if decoding {
            scratch.removeAll(keepingCapacity: true)
            scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<index]))
        }
        while index < bytes.count {
            let c = bytes[index]
            if c == UInt8(ascii: "\"") {
                index += 1
                try checkUTF8(from: start, isASCII: isASCII)
                return
            }
            if c < 0x20 { throw fail("control character in string; it must be escaped") }
            if c != UInt8(ascii: "\\") {
                if c >= 0x80 { isASCII = false }
                if decoding { scratch.append(c) }
                index += 1
                continue
            }
            index += 1
            guard index < bytes.count else { break }
            let escape = bytes[index]
            index += 1
            let scalar: UInt32
            switch escape {
            case UInt8(ascii: "\""): scalar = 0x22
            case UInt8(ascii: "\\"): scalar = 0x5C
            case UInt8(ascii: "/"): scalar = 0x2F
            case UInt8(ascii: "b"): scalar = 0x08
            case UInt8(ascii: "f"): scalar = 0x0C
            case UInt8(ascii: "n"): scalar = 0x0A
            case UInt8(ascii: "r"): scalar = 0x0D
            case UInt8(ascii: "t"): scalar = 0x09
            case UInt8(ascii: "u"): scalar = try scanUnicodeEscape(escapeStart: index - 2)
            default:
                index -= 1
                throw fail("invalid escape sequence")
            }
            if decoding { appendUTF8(scalar) }
        }
        throw JSONParseError(offset: quote, reason: "unterminated string")
    }

    /// The scalar of `\uXXXX` (just past the `u`), or of a surrogate pair `\uD83D\uDE00`.
    private mutating func scanUnicodeEscape(escapeStart: Int) throws(JSONParseError) -> UInt32 {
        let scalar = try scanHex4()
        if scalar >= 0xD800 && scalar <= 0xDBFF {
            // A high surrogate must be followed by an escaped low surrogate.
            guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u")
            else { throw JSONParseError(offset: escapeStart, reason: "high surrogate without a low surrogate") }
            index += 2
            let low = try scanHex4()
            guard low >= 0xDC00 && low <= 0xDFFF else {
                throw JSONParseError(offset: escapeStart, reason: "high surrogate without a low surrogate")
            }
            return 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
        }
        if scalar >= 0xDC00 && scalar <= 0xDFFF {
            throw JSONParseError(offset: escapeStart, reason: "low surrogate without a high surrogate")
        }
        return scalar
    }

    private mutating func scanHex4() throws(JSONParseError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw fail("truncated \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[index]
            let digit: UInt32
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(c - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(c - UInt8(ascii: "A") + 10)
            default: throw fail("invalid hex digit in \\u escape")
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }

    private mutating func appendUTF8(_ scalar: UInt32) {
        switch scalar {
        case 0..<0x80:
            scratch.append(UInt8(scalar))
        case 0x80..<0x800:
            scratch.append(UInt8(0xC0 | scalar >> 6))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        case 0x800..<0x10000:
            scratch.append(UInt8(0xE0 | scalar >> 12))
            scratch.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        default:
            scratch.append(UInt8(0xF0 | scalar >> 18))
            scratch.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            scratch.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        }
    }
}
