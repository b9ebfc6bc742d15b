/// Writes events as compact JSON into a reusable byte buffer.
///
/// The output is what downstream consumers (the analytics store, Druid) read, so it is always
/// valid JSON: strings are escaped per RFC 8259 (quote, backslash, control characters; other
/// characters pass through as UTF-8), integers are written exactly, doubles in Swift's shortest
/// round-trip form, and non-finite doubles (which JSON cannot express) as `null`.
public enum JSONWriter {
    /// The event as a JSON object, fields in order.
    public static func write(_ event: Event) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(event, into: &out)
        return out
    }

    /// Appends the event as a JSON object to `out`.
    public static func write(_ event: Event, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "{"))
        var first = true
        for field in event.fields {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            writeString(field.name, into: &out)
            out.append(UInt8(ascii: ":"))
            writeValue(field.value, into: &out)
        }
        out.append(UInt8(ascii: "}"))
    }

    /// Appends one value.
    public static func writeValue(_ value: JSONValue, into out: inout [UInt8]) {
        switch value {
        case .string(let s): writeString(s, into: &out)
        case .integer(let i): out.append(contentsOf: String(i).utf8)
        case .double(let d): writeDouble(d, into: &out)
        case .bool(let b): out.append(contentsOf: b ? "true".utf8 : "false".utf8)
        case .null: out.append(contentsOf: "null".utf8)
        case .raw(let text): out.append(contentsOf: text.utf8)
        }
    }

    /// Appends a double; integral values below 2^53 are written without a fraction so that a
    /// sum like `3.0` reads as `3`, the same as an integer input would.
    public static func writeDouble(_ d: Double, into out: inout [UInt8]) {
        guard d.isFinite else {
            out.append(contentsOf: "null".utf8)
            return
        }
        if d == d.rounded(), abs(d) < 9_007_199_254_740_992 {
            out.append(contentsOf: String(Int64(d)).utf8)
        } else {
            out.append(contentsOf: d.description.utf8)
        }
    }

    /// Appends a quoted, escaped string.
    public static func writeString(_ s: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var s = s
        s.withUTF8 { utf8 in
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
                out.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<i - 1]))
                runStart = i
                out.append(UInt8(ascii: "\\"))
                switch c {
                case UInt8(ascii: "\""): out.append(UInt8(ascii: "\""))
                case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\"))
                case 0x0A: out.append(UInt8(ascii: "n"))
                case 0x0D: out.append(UInt8(ascii: "r"))
                case 0x09: out.append(UInt8(ascii: "t"))
                case 0x08: out.append(UInt8(ascii: "b"))
                case 0x0C: out.append(UInt8(ascii: "f"))
                default:
                    out.append(contentsOf: "u00".utf8)
                    out.append(hexDigit(c >> 4))
                    out.append(hexDigit(c & 0xF))
                }
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<utf8.count]))
        }
        out.append(UInt8(ascii: "\""))
    }

    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }
}
