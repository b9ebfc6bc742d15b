import NagareEngine
import Testing

@Suite struct JSONScannerTests {
    static let example = #"{"event_id":"e-000000042","ts":"2026-11-21T23:00:00.123Z","site_id":"s17","user_id":"u829","ip":"203.0.113.9","ua":"Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) ...","path":"/football/live/123","sport":"football","revenue":0.12}"#

    @Test func parsesTheExampleEvent() throws {
        let event = try JSONScanner.parseEvent(Self.example)
        #expect(event.count == 9)
        #expect(event["event_id"] == .string("e-000000042"))
        #expect(event["revenue"] == .double(0.12))
        #expect(event.fields.map(\.name) == ["event_id", "ts", "site_id", "user_id", "ip", "ua", "path", "sport", "revenue"])
    }

    @Test func decodesEscapesAndUnicode() throws {
        let event = try JSONScanner.parseEvent(#"{"a":"q\"b\\s\/n\nt\tr\rb\bf\f","u":"\u00e9\u4e2d","pair":"\ud83d\ude00","raw":"é中😀"}"#)
        #expect(event["a"] == .string("q\"b\\s/n\nt\tr\rb\u{08}f\u{0C}"))
        #expect(event["u"] == .string("é中"))
        #expect(event["pair"] == .string("😀"))
        #expect(event["raw"] == .string("é中😀"))
    }

    @Test(arguments: [
        ("0", JSONValue.integer(0)), ("-0", .integer(0)), ("42", .integer(42)), ("-17", .integer(-17)),
        ("9223372036854775807", .integer(.max)), ("-9223372036854775808", .integer(.min)),
        ("9223372036854775808", .double(9_223_372_036_854_775_808)), ("0.12", .double(0.12)), ("1.5e3", .double(1500)),
        ("-2.5E-3", .double(-0.0025)), ("1e400", nil), ("3.141592653589793238", .double(3.141592653589793)),
        ("0.000001", .double(0.000001)), ("123456789.123456789", .double(123456789.123456789)),
    ] as [(String, JSONValue?)])
    func parsesNumbers(text: String, expected: JSONValue?) {
        let result = try? JSONScanner.parseEvent("{\"n\":\(text)}")
        #expect(result?["n"] == expected)
    }

    @Test func fastPathNumbersMatchTheStandardLibrary() throws {
        var generator = SplitMix64(seed: 1)
        for _ in 0..<5000 {
            let digits = Int(generator.next() % 15) + 1
            var mantissa = ""
            for _ in 0..<digits { mantissa += String(generator.next() % 10) }
            let point = Int(generator.next() % UInt64(digits + 1))
            var text = String(mantissa.prefix(point)) + "." + String(mantissa.dropFirst(point))
            if text.hasPrefix(".") { text = "0" + text }
            if text.hasSuffix(".") { text += "0" }
            while text.count > 1 && text.hasPrefix("0") && !text.hasPrefix("0.") { text.removeFirst() }
            let event = try JSONScanner.parseEvent("{\"n\":\(text)}")
            #expect(event["n"]?.numberValue == Double(text), "\(text)")
        }
    }

    @Test func keepsNestedValuesAsRawText() throws {
        let event = try JSONScanner.parseEvent(#"{"a":{"b":[1,2,{"c":"}"}]},"d":[],"e":true,"f":false,"g":null}"#)
        #expect(event["a"] == .raw(#"{"b":[1,2,{"c":"}"}]}"#))
        #expect(event["d"] == .raw("[]"))
        #expect(event["e"] == .bool(true))
        #expect(event["g"] == .null)
    }

    @Test(arguments: [
        ("", 0, "expected '{'"), ("[]", 0, "expected '{'"), (#"{"a":1"#, 6, "end of input"),
        (#"{"a" 1}"#, 5, "expected ':'"), (#"{"a":tru}"#, 8, "expected true"), (#"{"a":01}"#, 6, "leading zero"),
        (#"{"a":"x\q"}"#, 8, "invalid escape"), (#"{"a":"\ud800"}"#, 6, "high surrogate"),
        (#"{"a":"\udc00"}"#, 6, "low surrogate"), (#"{"a":1,}"#, 7, "expected '\"'"), (#"{"a":1} x"#, 8, "after the event"),
        (#"{"a":1,"a":2}"#, 7, "duplicate field"), ("{\"a\":\"x\ny\"}", 7, "control character"),
        (#"{"a":"abc"#, 5, "unterminated"), (#"{"a":[1,2}"#, 9, "expected ',' or ']'"), (#"{"a":-}"#, 6, "expected a digit"),
        (#"{"a":1.}"#, 7, "after '.'"), (#"{"a":"\u12"}"#, 10, "hex digit"),
    ] as [(String, Int, String)])
    func rejectsMalformedInputWithItsPosition(text: String, offset: Int, reason: String) {
        #expect {
            try JSONScanner.parseEvent(text)
        } throws: { error in
            guard let error = error as? JSONParseError else { return false }
            return error.offset == offset && error.reason.contains(reason)
        }
    }

    @Test func rejectsInvalidUTF8() {
        let bytes: [UInt8] = Array(#"{"a":""#.utf8) + [0xC3, 0x28] + Array(#""}"#.utf8)
        #expect(throws: JSONParseError.self) { try JSONScanner.parseEvent(bytes) }
    }

    @Test func rejectsDeepNesting() {
        let deep = "{\"a\":" + String(repeating: "[", count: 100) + String(repeating: "]", count: 100) + "}"
        #expect(throws: JSONParseError.self) { try JSONScanner.parseEvent(deep) }
    }

    /// Fuzz-ish: random bytes and random mutations of the example never trap, and errors
    /// point inside the input.
    @Test func randomInputsNeverTrap() {
        var generator = SplitMix64(seed: 42)
        let base = Array(Self.example.utf8)
        let alphabet = Array(#"{}[]":,\ u0123456789abcdefeE.-+truefalsenull"#.utf8) + [0x00, 0x1F, 0x80, 0xC3, 0xFF]
        for round in 0..<20_000 {
            var bytes: [UInt8]
            if round % 2 == 0 {
                bytes = base
                for _ in 0..<(1 + generator.next() % 4) {
                    let i = Int(generator.next() % UInt64(bytes.count))
                    switch generator.next() % 3 {
                    case 0: bytes[i] = alphabet[Int(generator.next() % UInt64(alphabet.count))]
                    case 1: bytes.remove(at: i)
                    default: bytes.insert(alphabet[Int(generator.next() % UInt64(alphabet.count))], at: i)
                    }
                }
                if generator.next() % 4 == 0 { bytes = Array(bytes.prefix(Int(generator.next() % UInt64(bytes.count + 1)))) }
            } else {
                bytes = (0..<Int(generator.next() % 40)).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] }
            }
            do {
                let event = try JSONScanner.parseEvent(bytes)
                // Whatever parses re-serializes to something that parses to the same event.
                let again = try JSONScanner.parseEvent(JSONWriter.write(event))
                #expect(again.normalizingNumbers == event.normalizingNumbers, "\(String(decoding: bytes, as: UTF8.self))")
            } catch {
                #expect(error.offset >= 0 && error.offset <= bytes.count)
            }
        }
    }

    @Test func writerRoundTripsAndAddsFields() throws {
        var event = try JSONScanner.parseEvent(Self.example)
        event["site_name"] = .string("Goal \"Line\"\n")
        event["count"] = .integer(3)
        event["sum"] = .double(2.0)
        event["ratio"] = .double(0.1)
        let text = String(decoding: JSONWriter.write(event), as: UTF8.self)
        #expect(text.hasSuffix(#","site_name":"Goal \"Line\"\n","count":3,"sum":2,"ratio":0.1}"#))
        #expect(try JSONScanner.parseEvent(text) == event.replacing("sum", with: .integer(2)))
        var control = Event()
        control["c"] = .string("\u{01}é")
        #expect(String(decoding: JSONWriter.write(control), as: UTF8.self) == #"{"c":"\u0001é"}"#)
    }

    /// Strings are tested a word at a time, the last (partial) word by an overlapping load and
    /// strings under a word byte by byte: a character that needs escaping is found at every
    /// position of every length around those boundaries, and a clean string is copied as it is.
    @Test func writerEscapesAtEveryPositionOfShortAndLongStrings() {
        func reference(_ s: String) -> String {
            var out = "\""
            for byte in s.utf8 {
                switch byte {
                case UInt8(ascii: "\""): out += "\\\""
                case UInt8(ascii: "\\"): out += "\\\\"
                case 0x0A: out += "\\n"
                case 0x0D: out += "\\r"
                case 0x09: out += "\\t"
                case 0x08: out += "\\b"
                case 0x0C: out += "\\f"
                case 0..<0x20: out += "\\u00" + String(byte >> 4, radix: 16) + String(byte & 0xF, radix: 16)
                default: out += String(decoding: [byte], as: UTF8.self)
                }
            }
            return out + "\""
        }
        var buffer = JSONBuffer(minimumCapacity: 16)
        for length in 0...26 {
            let clean = String((0..<length).map { Character(UnicodeScalar(UInt8(ascii: "a") + UInt8($0 % 26))) })
            buffer.removeAll()
            JSONWriter.writeString(clean, into: &buffer)
            #expect(String(decoding: buffer.bytes, as: UTF8.self) == "\"" + clean + "\"")
            for position in 0..<length {
                for special in ["\"", "\\", "\n", "\u{01}", "\u{1F}"] {
                    var characters = Array(clean)
                    characters[position] = Character(special)
                    let text = String(characters)
                    buffer.removeAll()
                    JSONWriter.writeString(text, into: &buffer)
                    #expect(String(decoding: buffer.bytes, as: UTF8.self) == reference(text), "length \(length) at \(position)")
                }
            }
        }
    }

    /// The writer reserves each piece's worst case in a reused buffer: strings far beyond its
    /// initial capacity, and integers at both ends of Int64, come out exactly.
    @Test func writerGrowsItsBufferAndWritesExtremeIntegers() throws {
        var event = Event()
        event["long"] = .string(String(repeating: "a\"\u{01}", count: 2_000))
        event["min"] = .integer(.min)
        event["max"] = .integer(.max)
        event["zero"] = .integer(0)
        let bytes = JSONWriter.write(event)
        #expect(try JSONScanner.parseEvent(bytes) == event)
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.hasSuffix(#""min":-9223372036854775808,"max":9223372036854775807,"zero":0}"#))
        var buffer = JSONBuffer(minimumCapacity: 8)
        JSONWriter.write(event, into: &buffer)
        buffer.removeAll()
        JSONWriter.write(event, into: &buffer)
        #expect(buffer.bytes == bytes)
    }

    @Test func timestampsParseAndFormat() {
        #expect(EventTimestamp.parseMilliseconds("1970-01-01T00:00:00Z") == 0)
        #expect(EventTimestamp.parseMilliseconds("2026-11-21T23:00:00.123Z") == 1_795_302_000_123)
        #expect(EventTimestamp.parseMilliseconds("2026-11-22T00:00:00.123+01:00") == 1_795_302_000_123)
        #expect(EventTimestamp.parseMilliseconds("2024-02-29T12:00:00.5Z") != nil)
        #expect(EventTimestamp.parseMilliseconds("2023-02-29T12:00:00Z") == nil)
        #expect(EventTimestamp.parseMilliseconds("2026-11-21 23:00:00Z") != nil)
        #expect(EventTimestamp.parseMilliseconds("2026-11-21T23:00:00") == nil)
        #expect(EventTimestamp.format(milliseconds: 1_795_302_000_123) == "2026-11-21T23:00:00.123Z")
        #expect(EventTimestamp.format(milliseconds: -1) == "1969-12-31T23:59:59.999Z")
        var generator = SplitMix64(seed: 3)
        for _ in 0..<1000 {
            let ms = Int64(generator.next() % 8_000_000_000_000) - 1_000_000_000_000
            #expect(EventTimestamp.parseMilliseconds(EventTimestamp.format(milliseconds: ms)) == ms)
        }
    }
}

extension Event {
    /// Integral doubles are written as integers (`2.0` → `2`), so compare numbers by value.
    var normalizingNumbers: [String] {
        fields.map { field in
            if let n = field.value.numberValue { return "\(field.name)=\(n)" }
            return "\(field.name)=\(field.value)"
        }
    }

    func replacing(_ name: String, with value: JSONValue) -> Event {
        var copy = self
        copy[name] = value
        return copy
    }
}

/// A small deterministic generator, so a failing random test fails the same way again.
struct SplitMix64: RandomNumberGenerator {
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
