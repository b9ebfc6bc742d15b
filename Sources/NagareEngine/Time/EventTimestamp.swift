/// Event times as milliseconds since the Unix epoch, parsed from and formatted to RFC 3339.
///
/// Hand-written for the same reason as the JSON scanner: every event carries a timestamp and
/// Foundation's `ISO8601DateFormatter` costs microseconds. Windows and dedup work on integer
/// milliseconds, so the parse goes straight there.
public enum EventTimestamp {
    /// Parses `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)` (a space may replace `T`; the fraction
    /// may have any number of digits, beyond milliseconds it is truncated). Returns nil when the
    /// text is not such a timestamp or names an impossible date.
    public static func parseMilliseconds(_ text: String) -> Int64? {
        var text = text
        return text.withUTF8 { parseMilliseconds(utf8: $0) }
    }

    /// The value as event time: an RFC 3339 string, or an integer/double number of milliseconds
    /// since the epoch.
    public static func milliseconds(of value: JSONValue) -> Int64? {
        switch value {
        case .string(let s): return parseMilliseconds(s)
        case .integer(let i): return i
        case .double(let d): return d.isFinite && abs(d) < 9e15 ? Int64(d) : nil
        default: return nil
        }
    }

    /// The event time in field `name` of `event`, or nil when it is missing or not a time; the
    /// same result as `milliseconds(of:)` on `event[name]`, but a timestamp string as it came
    /// in (no escapes) is parsed straight from the event's input bytes, without building a
    /// `String` (an RFC 3339 time is longer than Swift's 15-byte inline strings, so that would
    /// allocate).
    public static func milliseconds(ofField name: String, in event: Event) -> Int64? {
        var hint = Event.FieldHint()
        return milliseconds(ofField: name, in: event, hint: &hint)
    }

    /// `milliseconds(ofField:in:)`, finding the field through `hint`.
    static func milliseconds(ofField name: String, in event: Event, hint: inout Event.FieldHint) -> Int64? {
        if let parsed = event.withPlainStringBytes(of: name, hint: &hint, parseMilliseconds(utf8:)) { return parsed }
        return event.value(of: name, hint: &hint).flatMap(milliseconds(of:))
    }

    /// The parser behind both entry points: UTF-8 bytes of a timestamp, without quotes.
    static func parseMilliseconds(utf8 b: UnsafeBufferPointer<UInt8>) -> Int64? {
        guard b.count >= 20 else { return nil }
        func digits(_ start: Int, _ count: Int) -> Int? {
            var value = 0
            for i in start..<start + count {
                let d = b[i] &- UInt8(ascii: "0")
                guard d < 10 else { return nil }
                value = value * 10 + Int(d)
            }
            return value
        }
        guard let year = digits(0, 4), b[4] == UInt8(ascii: "-"), let month = digits(5, 2),
              b[7] == UInt8(ascii: "-"), let day = digits(8, 2),
              b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: "t") || b[10] == UInt8(ascii: " "),
              let hour = digits(11, 2), b[13] == UInt8(ascii: ":"), let minute = digits(14, 2),
              b[16] == UInt8(ascii: ":"), let second = digits(17, 2)
        else { return nil }
        guard (1...12).contains(month), day >= 1, day <= daysInMonth(year: year, month: month),
              hour < 24, minute < 60, second < 61
        else { return nil }
        var i = 19
        var millis = 0
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            var n = 0
            while i < b.count, b[i] &- UInt8(ascii: "0") < 10 {
                if n < 3 { millis = millis * 10 + Int(b[i] - UInt8(ascii: "0")) }
                n += 1
                i += 1
            }
            guard n > 0 else { return nil }
            for _ in min(n, 3)..<3 { millis *= 10 }
        }
        guard i < b.count else { return nil }
        var offsetSeconds = 0
        switch b[i] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            i += 1
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard i + 6 == b.count, let oh = digits(i + 1, 2), b[i + 3] == UInt8(ascii: ":"),
                  let om = digits(i + 4, 2), oh < 24, om < 60
            else { return nil }
            offsetSeconds = (oh * 3600 + om * 60) * (b[i] == UInt8(ascii: "+") ? 1 : -1)
            i += 6
        default:
            return nil
        }
        guard i == b.count else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds
        return Int64(seconds) * 1000 + Int64(millis)
    }

    /// Formats as `YYYY-MM-DDTHH:MM:SS.sssZ` (UTC, always milliseconds, so outputs sort as text).
    public static func format(milliseconds: Int64) -> String {
        let ms = Int(((milliseconds % 1000) + 1000) % 1000)
        let totalSeconds = Int((milliseconds - Int64(ms)) / 1000)
        let days = totalSeconds >= 0 ? totalSeconds / 86_400 : (totalSeconds - 86_399) / 86_400
        let secondOfDay = totalSeconds - days * 86_400
        let (year, month, day) = civilFromDays(days)
        func pad(_ v: Int, _ width: Int) -> String {
            let s = String(v)
            return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(secondOfDay / 3600, 2)):"
            + "\(pad(secondOfDay / 60 % 60, 2)):\(pad(secondOfDay % 60, 2)).\(pad(ms, 3))Z"
    }

    private static func isLeap(_ year: Int) -> Bool {
        year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    }

    private static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The inverse of `daysFromCivil`.
    static func civilFromDays(_ days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
