/// How a query buckets time, in UTC. Fixed-length periods bucket by division from an origin;
/// month-based periods (P1M, P3M, P1Y) by calendar months since 1970-01.
enum QueryGranularity: Equatable {
    case all
    case fixed(milliseconds: Int64, origin: Int64)
    case months(Int64)

    /// Druid's simple granularity names.
    static func named(_ name: String, rollup: RollupGranularity) -> QueryGranularity? {
        let minute: Int64 = 60_000, hour: Int64 = 3_600_000, day: Int64 = 86_400_000
        switch name.lowercased() {
        case "all": return .all
        // Druid's `none` is millisecond buckets; on rolled-up rows that is the rollup bucket.
        case "none": return .fixed(milliseconds: rollup.milliseconds, origin: 0)
        case "second": return .fixed(milliseconds: 1_000, origin: 0)
        case "minute": return .fixed(milliseconds: minute, origin: 0)
        case "five_minute": return .fixed(milliseconds: 5 * minute, origin: 0)
        case "ten_minute": return .fixed(milliseconds: 10 * minute, origin: 0)
        case "fifteen_minute": return .fixed(milliseconds: 15 * minute, origin: 0)
        case "thirty_minute": return .fixed(milliseconds: 30 * minute, origin: 0)
        case "hour": return .fixed(milliseconds: hour, origin: 0)
        case "six_hour": return .fixed(milliseconds: 6 * hour, origin: 0)
        case "eight_hour": return .fixed(milliseconds: 8 * hour, origin: 0)
        case "day": return .fixed(milliseconds: day, origin: 0)
        case "week": return .fixed(milliseconds: 7 * day, origin: mondayOrigin)
        case "month": return .months(1)
        case "quarter": return .months(3)
        case "year": return .months(12)
        default: return nil
        }
    }

    /// 1970-01-05, a Monday: ISO weeks start on Mondays, and the epoch was a Thursday.
    static let mondayOrigin: Int64 = 4 * 86_400_000

    /// Parses an ISO 8601 period (`PT5M`, `P1D`, `P1W`, `P1M`, `P1Y`): fixed units give a
    /// fixed length, years and months a calendar period; mixing both is refused.
    static func period(_ text: String, origin: Int64?) -> QueryGranularity? {
        var chars = Substring(text.uppercased())
        guard chars.first == "P" else { return nil }
        chars = chars.dropFirst()
        var inTime = false
        var fixed: Int64 = 0
        var months: Int64 = 0
        var weeks = false
        var number = ""
        for c in chars {
            if c == "T" { inTime = true; continue }
            if c.isNumber { number.append(c); continue }
            guard let n = Int64(number), n >= 0 else { return nil }
            number = ""
            switch (c, inTime) {
            case ("Y", false): months += 12 * n
            case ("M", false): months += n
            case ("W", false): fixed += n * 7 * 86_400_000; weeks = true
            case ("D", false): fixed += n * 86_400_000
            case ("H", true): fixed += n * 3_600_000
            case ("M", true): fixed += n * 60_000
            case ("S", true): fixed += n * 1_000
            default: return nil
            }
        }
        guard number.isEmpty else { return nil }
        if months > 0 {
            return fixed == 0 ? .months(months) : nil
        }
        guard fixed > 0 else { return nil }
        return .fixed(milliseconds: fixed, origin: origin ?? (weeks ? mondayOrigin : 0))
    }

    /// The bucket number of a time (monotonic in time).
    @inline(__always)
    func bucket(_ time: Int64) -> Int64 {
        switch self {
        case .all: return 0
        case .fixed(let length, let origin): return Self.floorDivide(time - origin, length)
        case .months(let n):
            let days = Self.floorDivide(time, 86_400_000)
            let (y, m, _) = ISOTime.civilFromDays(days)
            return Self.floorDivide((y - 1970) * 12 + (m - 1), n)
        }
    }

    /// The start time of a bucket number.
    func start(ofBucket bucket: Int64) -> Int64 {
        switch self {
        case .all: return Int64.min
        case .fixed(let length, let origin): return bucket * length + origin
        case .months(let n):
            let month = bucket * n
            let year = 1970 + Self.floorDivide(month, 12)
            let m = month - Self.floorDivide(month, 12) * 12 + 1
            return ISOTime.daysFromCivil(year: year, month: m, day: 1) * 86_400_000
        }
    }

    static func floorDivide(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }
}
