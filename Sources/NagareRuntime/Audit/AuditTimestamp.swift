/// RFC 3339 timestamps in UTC with milliseconds (`2026-11-21T00:00:00.000Z`), written and read
/// here without the engine's code so that the audit's checks stay independent of the pipeline.
enum AuditTimestamp {
    static func format(milliseconds ms: Int64) -> String {
        let days = floorDivide(ms, 86_400_000)
        let inDay = ms - days * 86_400_000
        let (y, m, d) = civil(fromDays: days)
        let h = inDay / 3_600_000, mi = inDay / 60_000 % 60, s = inDay / 1000 % 60, f = inDay % 1000
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))T\(pad(h, 2)):\(pad(mi, 2)):\(pad(s, 2)).\(pad(f, 3))Z"
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS[.fff…]Z`; nil for anything else.
    static func parse(_ text: String) -> Int64? {
        let b = Array(text.utf8)
        func number(_ from: Int, _ count: Int) -> Int64? {
            guard from + count <= b.count else { return nil }
            var n: Int64 = 0
            for c in b[from..<(from + count)] {
                guard c >= 48 && c <= 57 else { return nil }
                n = n * 10 + Int64(c - 48)
            }
            return n
        }
        guard b.count >= 20, b[4] == 45, b[7] == 45, b[10] == 84, b[13] == 58, b[16] == 58, b.last == 90,
              let y = number(0, 4), let mo = number(5, 2), let d = number(8, 2),
              let h = number(11, 2), let mi = number(14, 2), let s = number(17, 2) else { return nil }
        var millis: Int64 = 0
        if b[19] == 46 {
            let digits = b.count - 21
            guard digits >= 1, let fraction = number(20, digits) else { return nil }
            var scaled = fraction
            if digits < 3 { for _ in digits..<3 { scaled *= 10 } }
            if digits > 3 { for _ in 3..<digits { scaled /= 10 } }
            millis = scaled
        } else if b.count != 20 {
            return nil
        }
        return days(fromCivil: y, mo, d) * 86_400_000 + h * 3_600_000 + mi * 60_000 + s * 1000 + millis
    }

    private static func pad(_ n: Int64, _ width: Int) -> String {
        let s = String(n)
        return String(repeating: "0", count: max(0, width - s.count)) + s
    }

    private static func floorDivide(_ a: Int64, _ b: Int64) -> Int64 {
        a >= 0 ? a / b : -((-a + b - 1) / b)
    }

    // Days since 1970-01-01 ↔ proleptic Gregorian date (Howard Hinnant's civil-date algorithms).
    private static func days(fromCivil year: Int64, _ month: Int64, _ day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = floorDivide(y, 400)
        let yoe = y - era * 400
        let doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    private static func civil(fromDays z0: Int64) -> (Int64, Int64, Int64) {
        let z = z0 + 719_468
        let era = floorDivide(z, 146_097)
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }
}
