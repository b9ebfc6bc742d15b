/// ISO 8601 parsing and formatting in UTC, written out by hand because event timestamps are
/// parsed once per event on the ingestion hot path, and Foundation's formatters are both slow and
/// strict about the fraction digits. Civil-date arithmetic follows Howard Hinnant's
/// `days_from_civil` / `civil_from_days` algorithms (proleptic Gregorian, any year).
enum ISOTime {
    /// Milliseconds since the epoch for text like `2024-05-01`, `2024-05-01T12:34`,
    /// `2024-05-01T12:34:56.789Z`, `2024-05-01 12:34:56+02:00` or a bare year `1000` (Druid's
    /// intervals use `1000/3000` for "everything"). A missing zone means UTC. `nil` if malformed.
    static func parse<S: StringProtocol>(_ text: S) -> Int64? {
        var bytes = Array(text.utf8)
        // Accept a trailing zone designator in any case.
        while bytes.last == 0x20 { bytes.removeLast() }
        return bytes.withUnsafeBufferPointer { parse(bytes: $0) }
    }

    static func parse(bytes: UnsafeBufferPointer<UInt8>) -> Int64? {
        var i = 0
        let n = bytes.count
        func digits(_ count: Int) -> Int64? {
            guard i + count <= n else { return nil }
            var v: Int64 = 0
            for k in 0..<count {
                let c = bytes[i + k]
                guard c >= 0x30, c <= 0x39 else { return nil }
                v = v * 10 + Int64(c - 0x30)
            }
            i += count
            return v
        }
        var negativeYear = false
        if i < n, bytes[i] == 0x2D { negativeYear = true; i += 1 }
        // Year: four or more digits.
        var yearDigits = 0
        while i + yearDigits < n, bytes[i + yearDigits] >= 0x30, bytes[i + yearDigits] <= 0x39 { yearDigits += 1 }
        guard yearDigits >= 4, var year = digits(yearDigits) else { return nil }
        if negativeYear { year = -year }
        var month: Int64 = 1, day: Int64 = 1, hour: Int64 = 0, minute: Int64 = 0, second: Int64 = 0, millis: Int64 = 0
        if i < n, bytes[i] == 0x2D {
            i += 1
            guard let m = digits(2) else { return nil }
            month = m
            if i < n, bytes[i] == 0x2D {
                i += 1
                guard let d = digits(2) else { return nil }
                day = d
            }
        }
        if i < n, bytes[i] == 0x54 || bytes[i] == 0x74 || bytes[i] == 0x20 {
            i += 1
            guard let h = digits(2) else { return nil }
            hour = h
            if i < n, bytes[i] == 0x3A {
                i += 1
                guard let m = digits(2) else { return nil }
                minute = m
                if i < n, bytes[i] == 0x3A {
                    i += 1
                    guard let s = digits(2) else { return nil }
                    second = s
                    if i < n, bytes[i] == 0x2E || bytes[i] == 0x2C {
                        i += 1
                        // Any number of fraction digits; keep milliseconds, truncate the rest.
                        var scale: Int64 = 100
                        var count = 0
                        while i < n, bytes[i] >= 0x30, bytes[i] <= 0x39 {
                            millis += Int64(bytes[i] - 0x30) * scale
                            scale /= 10
                            i += 1
                            count += 1
                        }
                        guard count > 0 else { return nil }
                    }
                }
            }
        }
        var offsetMinutes: Int64 = 0
        if i < n {
            let c = bytes[i]
            if c == 0x5A || c == 0x7A {
                i += 1
            } else if c == 0x2B || c == 0x2D {
                i += 1
                guard let oh = digits(2) else { return nil }
                var om: Int64 = 0
                if i < n, bytes[i] == 0x3A { i += 1 }
                if i < n { guard let m = digits(2) else { return nil }; om = m }
                offsetMinutes = (oh * 60 + om) * (c == 0x2D ? -1 : 1)
            } else {
                return nil
            }
        }
        guard i == n, (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61 else {
            return nil
        }
        let days = daysFromCivil(year: year, month: month, day: day)
        let seconds = days * 86_400 + hour * 3_600 + minute * 60 + second - offsetMinutes * 60
        return seconds * 1_000 + millis
    }

    /// `2024-05-01T12:34:56.789Z`, Druid's timestamp format in responses.
    static func format(_ milliseconds: Int64) -> String {
        var ms = milliseconds % 1_000
        var seconds = milliseconds / 1_000
        if ms < 0 { ms += 1_000; seconds -= 1 }
        var days = seconds / 86_400
        var secondOfDay = seconds % 86_400
        if secondOfDay < 0 { secondOfDay += 86_400; days -= 1 }
        let (y, m, d) = civilFromDays(days)
        var out = [UInt8]()
        out.reserveCapacity(24)
        func put(_ v: Int64, _ width: Int) {
            var digits = [UInt8](repeating: 0x30, count: width)
            var x = v
            for k in stride(from: width - 1, through: 0, by: -1) {
                digits[k] = UInt8(0x30 + x % 10)
                x /= 10
            }
            out += digits
        }
        if y < 0 { out.append(0x2D) }
        put(abs(y), abs(y) > 9999 ? String(abs(y)).count : 4)
        out.append(0x2D); put(m, 2); out.append(0x2D); put(d, 2)
        out.append(0x54); put(secondOfDay / 3_600, 2); out.append(0x3A); put(secondOfDay / 60 % 60, 2)
        out.append(0x3A); put(secondOfDay % 60, 2); out.append(0x2E); put(ms, 3); out.append(0x5A)
        return String(decoding: out, as: UTF8.self)
    }

    static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civilFromDays(_ days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }
}
