/// Writes events as JSON: compact, except that fields copied from a parsed event's input keep
/// the input's spelling and whitespace.
///
/// The output is what downstream consumers (the analytics store, Druid) read, so it is always
/// valid JSON: strings are escaped per RFC 8259 (quote, backslash, control characters; other
/// characters pass through as UTF-8), integers are written exactly, doubles in Swift's shortest
/// round-trip form, and non-finite doubles (which JSON cannot express) as `null`.
///
/// The hot path writes into a reused `JSONBuffer` (see there why); the `[UInt8]` variants are
/// for callers that write one value now and then. Events parsed from input are mostly copied
/// rather than written (`JSONWriter+Event.swift`).
public enum JSONWriter {
    /// The event as a JSON object, fields in order.
    public static func write(_ event: Event) -> [UInt8] {
        var buffer = JSONBuffer(minimumCapacity: 512)
        write(event, into: &buffer)
        return buffer.bytes
    }

    /// Appends the event as a JSON object to `out`.
    public static func write(_ event: Event, into out: inout [UInt8]) {
        var buffer = JSONBuffer(minimumCapacity: 512)
        write(event, into: &buffer)
        out.append(contentsOf: buffer.bytes)
    }

    /// Appends one value.
    public static func writeValue(_ value: JSONValue, into out: inout [UInt8]) {
        var buffer = JSONBuffer(minimumCapacity: 64)
        writeValue(value, into: &buffer)
        out.append(contentsOf: buffer.bytes)
    }

    /// Appends one value.
    public static func writeValue(_ value: JSONValue, into buffer: inout JSONBuffer) {
        switch value {
        case .string(let s): writeString(s, into: &buffer)
        case .integer(let i): writeInteger(i, into: &buffer)
        case .double(let d): writeDouble(d, into: &buffer)
        case .bool(let b): buffer.append(b ? "true" : "false")
        case .null: buffer.append("null")
        case .raw(let text): buffer.append(text)
        }
    }

    /// Appends a double; integral values below 2^53 are written without a fraction so that a
    /// sum like `3.0` reads as `3`, the same as an integer input would.
    public static func writeDouble(_ d: Double, into out: inout [UInt8]) {
        var buffer = JSONBuffer(minimumCapacity: 64)
        writeDouble(d, into: &buffer)
        out.append(contentsOf: buffer.bytes)
    }

    static func writeDouble(_ d: Double, into buffer: inout JSONBuffer) {
        guard d.isFinite else {
            buffer.append("null")
            return
        }
        if d == d.rounded(), abs(d) < 9_007_199_254_740_992 {
            writeInteger(Int64(d), into: &buffer)
        } else {
            buffer.append(d.description)
        }
    }

    /// Decimal digits straight into the buffer, without an intermediate `String`.
    static func writeInteger(_ value: Int64, into buffer: inout JSONBuffer) {
        buffer.reserve(20)
        if value < 0 { buffer.appendUnchecked(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        // At most 20 digits, produced last first.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { scratch in
            var n = 0
            repeat {
                scratch[n] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                n += 1
            } while magnitude > 0
            while n > 0 {
                n -= 1
                buffer.appendUnchecked(scratch[n])
            }
        }
    }

    /// Appends a quoted, escaped string.
    public static func writeString(_ s: String, into out: inout [UInt8]) {
        var buffer = JSONBuffer(minimumCapacity: 64)
        writeString(s, into: &buffer)
        out.append(contentsOf: buffer.bytes)
    }

    /// Appends a quoted, escaped string.
    public static func writeString(_ s: String, into buffer: inout JSONBuffer) {
        // In place where the string's UTF-8 is contiguous (native and small strings): the
        // mutating `withUTF8` checked its buffer's uniqueness first (~2% of a task's
        // instructions, mostly from here).
        if s.utf8.withContiguousStorageIfAvailable({ writeString(utf8: $0, into: &buffer) }) != nil { return }
        var s = s
        s.withUTF8 { writeString(utf8: $0, into: &buffer) }
    }

    private static func writeString(utf8: UnsafeBufferPointer<UInt8>, into buffer: inout JSONBuffer) {
        // The worst case, every byte a `\u00XX`, reserved once for the whole string.
        buffer.reserve(2 + 6 * utf8.count)
        buffer.appendUnchecked(UInt8(ascii: "\""))
        if let base = utf8.baseAddress, !needsEscaping(UnsafeRawPointer(base), count: utf8.count) {
            // Most strings (names, table values, identifiers): one copy.
            buffer.appendUnchecked(utf8)
            buffer.appendUnchecked(UInt8(ascii: "\""))
            return
        }
        var runStart = 0
        var i = 0
        let raw = UnsafeRawPointer(utf8.baseAddress)
        while i < utf8.count {
            // Eight bytes at a time past text that needs no escaping.
            if let raw, i + 8 <= utf8.count,
               !SWAR.needsAttention(raw.loadUnaligned(fromByteOffset: i, as: UInt64.self), nonASCII: false) {
                i += 8
                continue
            }
            let c = utf8[i]
            i += 1
            guard c < 0x20 || c == UInt8(ascii: "\"") || c == UInt8(ascii: "\\") else { continue }
            buffer.appendUnchecked(UnsafeBufferPointer(rebasing: utf8[runStart..<i - 1]))
            runStart = i
            buffer.appendUnchecked(UInt8(ascii: "\\"))
            switch c {
            case UInt8(ascii: "\""): buffer.appendUnchecked(UInt8(ascii: "\""))
            case UInt8(ascii: "\\"): buffer.appendUnchecked(UInt8(ascii: "\\"))
            case 0x0A: buffer.appendUnchecked(UInt8(ascii: "n"))
            case 0x0D: buffer.appendUnchecked(UInt8(ascii: "r"))
            case 0x09: buffer.appendUnchecked(UInt8(ascii: "t"))
            case 0x08: buffer.appendUnchecked(UInt8(ascii: "b"))
            case 0x0C: buffer.appendUnchecked(UInt8(ascii: "f"))
            default:
                buffer.appendUnchecked(UInt8(ascii: "u"))
                buffer.appendUnchecked(UInt8(ascii: "0"))
                buffer.appendUnchecked(UInt8(ascii: "0"))
                buffer.appendUnchecked(hexDigit(c >> 4))
                buffer.appendUnchecked(hexDigit(c & 0xF))
            }
        }
        buffer.appendUnchecked(UnsafeBufferPointer(rebasing: utf8[runStart..<utf8.count]))
        buffer.appendUnchecked(UInt8(ascii: "\""))
    }

    /// Whether any of `count` bytes at `bytes` is a quote, a backslash or a control character,
    /// tested a word at a time; the last word overlaps the one before it rather than being
    /// assembled, and a string shorter than a word is tested byte by byte.
    @inline(__always)
    private static func needsEscaping(_ bytes: UnsafeRawPointer, count: Int) -> Bool {
        guard count >= 8 else {
            for i in 0..<count {
                let c = bytes.load(fromByteOffset: i, as: UInt8.self)
                if c < 0x20 || c == UInt8(ascii: "\"") || c == UInt8(ascii: "\\") { return true }
            }
            return false
        }
        var i = 0
        while i + 8 <= count {
            if SWAR.needsAttention(bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self), nonASCII: false) {
                return true
            }
            i += 8
        }
        return i < count
            && SWAR.needsAttention(bytes.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self), nonASCII: false)
    }

    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }
}
