import Foundation

/// Makes the demo's access-log events: the fields of the example pipeline's input
/// (`event_id`, `ts`, `site_id`, `user_id`, `ip`, `ua`, `path`, `sport`, `revenue`), spread over
/// the example's sites (plus a few unknown ones), countries (the address ranges of `geo.csv`,
/// plus some addresses outside all of them), devices, browsers and sports.
struct AccessLogEventFactory {
    let tables: DemoExampleTables
    /// Distinguishes this run's event ids from those of earlier runs over the same data.
    let runID: String
    private(set) var serial = 0
    var random: SplitMix64

    init(tables: DemoExampleTables, runID: String, seed: UInt64) {
        self.tables = tables
        self.runID = runID
        self.random = SplitMix64(seed: seed)
    }

    /// Desktop, phone, tablet and bot agents that the example's user-agent rules tell apart,
    /// with weights close to a sports site's audience (phones first), and one no rule knows.
    static let userAgents: [(weight: Int, agent: String)] = [
        (30, "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"),
        (22, "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36"),
        (16, "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"),
        (6, "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.51"),
        (8, "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15"),
        (4, "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0"),
        (5, "Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"),
        (2, "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"),
        (2, "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 OPR/109.0.0.0"),
        (3, "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"),
        (1, "curl/8.5.0"),
        (1, "SportsTicker/3.2 (embedded scoreboard)"),
    ]
    static let sports = ["football", "football", "football", "tennis", "tennis", "cycling", "athletics", "motorsport", "basketball"]
    static let pages = ["live", "scores", "news", "video", "standings", "tickets"]
    /// Site ids that `sites.csv` does not list: enriched as unknown, still counted.
    static let unknownSites = ["s90", "s91", "s99"]

    /// A valid event with event time `timeMilliseconds`; returns its key (the site id), id and
    /// the JSON line.
    mutating func event(timeMilliseconds: Int64) -> (key: String, eventID: String, value: String) {
        serial += 1
        let eventID = "\(runID)-\(serial)"
        let site = random.chance(0.03) ? random.pick(Self.unknownSites) : random.pick(tables.siteIDs)
        let sport = random.pick(Self.sports)
        let page = random.pick(Self.pages)
        // Revenue: most page views earn a fraction of a cent-sized ad; a few are purchases.
        let revenue: String = random.chance(0.01)
            ? String(format: "%.2f", 5 + random.unit() * 45)
            : String(format: "%.4f", random.unit() * 0.02)
        let value = """
            {"event_id":"\(eventID)","ts":"\(Self.iso8601(timeMilliseconds))","site_id":"\(site)",\
            "user_id":"u\(random.below(20_000))","ip":"\(address())","ua":"\(userAgent())",\
            "path":"/\(sport)/\(page)/\(random.below(500))","sport":"\(sport)","revenue":\(revenue)}
            """
        return (site, eventID, value)
    }

    /// A record the pipeline must reject (dead-letter topic): cut-off JSON, a required field
    /// missing or of the wrong type. Keyed like a real event.
    mutating func malformed(timeMilliseconds: Int64) -> (key: String, value: String) {
        let site = random.pick(tables.siteIDs)
        let ts = Self.iso8601(timeMilliseconds)
        switch random.below(3) {
        case 0:
            return (site, #"{"event_id":"broken-\#(random.below(1_000_000))","ts":"\#(ts)","site_id":"\#(site)","rev"#)
        case 1:
            return (site, #"{"event_id":"no-revenue-\#(random.below(1_000_000))","ts":"\#(ts)","site_id":"\#(site)","ua":"curl/8.5.0"}"#)
        default:
            return (site, #"{"event_id":"bad-ts-\#(random.below(1_000_000))","ts":"half time","site_id":"\#(site)","revenue":0.01}"#)
        }
    }

    private mutating func address() -> String {
        let ip: UInt32
        if random.chance(0.05) {
            // 11.x.x.x and 250.x.x.x are in no range of geo.csv.
            ip = (random.chance(0.5) ? 11 : 250) << 24 | UInt32(random.below(1 << 24))
        } else {
            let range = random.pick(tables.addressRanges)
            ip = range.first &+ UInt32(random.below(Int(range.last - range.first) + 1))
        }
        return "\(ip >> 24).\(ip >> 16 & 255).\(ip >> 8 & 255).\(ip & 255)"
    }

    private mutating func userAgent() -> String {
        let total = Self.userAgents.reduce(0) { $0 + $1.weight }
        var x = random.below(total)
        for (weight, agent) in Self.userAgents {
            if x < weight { return agent }
            x -= weight
        }
        return Self.userAgents[0].agent
    }

    /// `2026-11-22T02:44:05.123Z`: RFC 3339 in UTC with milliseconds, as the pipeline and the
    /// store read it.
    static func iso8601(_ milliseconds: Int64) -> String {
        var seconds = time_t(milliseconds / 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let ms = Int(milliseconds % 1000)
        let millis = ms < 10 ? "00\(ms)" : ms < 100 ? "0\(ms)" : "\(ms)"
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)).\(millis)Z"
    }
}

/// A small, fast pseudo-random generator (SplitMix64); a seed makes a run repeatable.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
    mutating func chance(_ p: Double) -> Bool { unit() < p }
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
}
