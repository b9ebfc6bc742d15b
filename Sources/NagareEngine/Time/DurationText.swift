/// Durations written in configuration as text: `250ms`, `10s`, `5m`, `1h`, `7d`.
///
/// A bare number is rejected on purpose: `window: 10` could mean seconds or milliseconds, and a
/// wrong guess silently changes results.
public enum DurationText {
    /// Parses `<integer><unit>` with unit `ms`, `s`, `m`, `h` or `d`.
    public static func parse(_ text: String) -> Duration? {
        let trimmed = text.trimmingSpaces
        let digits = trimmed.prefix(while: { $0.isASCII && $0.isNumber })
        guard !digits.isEmpty, digits.count <= 15, let value = Int64(digits) else { return nil }
        switch trimmed.dropFirst(digits.count) {
        case "ms": return .milliseconds(value)
        case "s": return .seconds(value)
        case "m": return .seconds(value * 60)
        case "h": return .seconds(value * 3600)
        case "d": return .seconds(value * 86_400)
        default: return nil
        }
    }

    /// Formats a duration in the largest unit that divides it, for error messages and docs.
    public static func format(_ duration: Duration) -> String {
        let ms = duration.wholeMilliseconds
        for (unit, size) in [("d", Int64(86_400_000)), ("h", 3_600_000), ("m", 60_000), ("s", 1000)]
        where ms != 0 && ms % size == 0 {
            return "\(ms / size)\(unit)"
        }
        return "\(ms)ms"
    }
}

extension Duration {
    /// The duration in whole milliseconds, rounded toward zero: the engine's unit of event time.
    public var wholeMilliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while s.first?.isWhitespace == true { s.removeFirst() }
        while s.last?.isWhitespace == true { s.removeLast() }
        return String(s)
    }
}
