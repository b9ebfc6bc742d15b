/// One generated input record of the audit. The generator knows what each record is, so the
/// expected outputs follow from these facts, not from the pipeline's code.
public struct AuditEvent: Sendable {
    public enum Kind: String, Sendable {
        /// A valid event, new.
        case event
        /// The same bytes as an earlier valid event (a producer retry, a replay).
        case duplicate
        /// Rejected by the example pipeline's `validate`: truncated JSON, a missing required
        /// field, a field of the wrong type.
        case badJSON, missingField, wrongType

        public var isMalformed: Bool { self == .badJSON || self == .missingField || self == .wrongType }
    }

    /// The record's `gen.seq` header: its position in the generated sequence.
    public var seq: Int
    public var kind: Kind
    public var siteID: String
    public var eventID: String
    /// Event time (the `ts` field), ms since the epoch.
    public var timeMilliseconds: Int64
    /// The `revenue` field in hundredths.
    public var revenueCents: Int
    public var value: [UInt8]
}

/// Generates the audit's access-log events, deterministic for a seed: about 5% duplicates of
/// events from the previous two minutes of event time, 1% late within the example pipeline's
/// allowed lateness, 1% beyond it, 1.2% malformed, 2% for a site missing from sites.csv.
/// Event time advances evenly over `eventTimeSpan` from `startMilliseconds`, with up to 5 s of
/// disorder (within the pipeline's `maxDelay`).
public struct AuditEventGenerator: Sendable {
    public static let startMilliseconds: Int64 = 1_795_219_200_000  // 2026-11-21T00:00:00Z
    public var eventTimeSpanMilliseconds: Int64 = 60 * 60_000
    public let seed: UInt64

    static let userAgents = [
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "curl/8.5.0",
    ]
    static let sports = ["football", "tennis", "cycling", "athletics", "motorsport"]

    public init(seed: UInt64) { self.seed = seed }

    public func generate(count: Int) -> [AuditEvent] {
        var rng = SeededRandom(seed: seed)
        var out: [AuditEvent] = []
        out.reserveCapacity(count)
        // Valid, non-late events of the last two minutes of event time: duplicate candidates.
        var recent: [(stream: Int64, index: Int)] = []
        var recentStart = 0
        var serial = 0
        for seq in 0..<count {
            let stream = Self.startMilliseconds + Int64(seq) * eventTimeSpanMilliseconds / Int64(max(count, 1))
            while recentStart < recent.count && recent[recentStart].stream < stream - 120_000 { recentStart += 1 }
            if rng.unit() < 0.05 && recentStart < recent.count {
                var copy = out[recent[Int.random(in: recentStart..<recent.count, using: &rng)].index]
                copy.seq = seq
                copy.kind = .duplicate
                out.append(copy)
                continue
            }
            let site = rng.unit() < 0.02 ? "s99" : "s\(Int.random(in: 1...20, using: &rng))"
            var ts = stream + Int64.random(in: 0..<5000, using: &rng)
            var late = false
            let x = rng.unit()
            if x < 0.01 {
                ts = stream - Int64.random(in: 30_000..<100_000, using: &rng)
                late = true
            } else if x < 0.02 {
                ts = stream - Int64.random(in: 150_000..<300_000, using: &rng)
                late = true
            }
            serial += 1
            let eventID = "a-\(seed)-\(serial)"
            let cents = Int.random(in: 0..<50, using: &rng)
            let sport = Self.sports[Int.random(in: 0..<Self.sports.count, using: &rng)]
            let ip = "\(Int.random(in: 1...223, using: &rng)).\(Int.random(in: 0...255, using: &rng)).\(Int.random(in: 0...255, using: &rng)).\(Int.random(in: 1...254, using: &rng))"
            var fields: [(String, String)] = [
                ("event_id", quoted(eventID)), ("ts", quoted(AuditTimestamp.format(milliseconds: ts))),
                ("site_id", quoted(site)), ("user_id", quoted("u\(Int.random(in: 0..<5000, using: &rng))")),
                ("ip", quoted(ip)), ("ua", quoted(Self.userAgents[Int.random(in: 0..<Self.userAgents.count, using: &rng)])),
                ("path", quoted("/\(sport)/live/\(Int.random(in: 0..<1000, using: &rng))")), ("sport", quoted(sport)),
                ("revenue", "\(cents / 100).\(cents % 100 < 10 ? "0" : "")\(cents % 100)"),
            ]
            var kind = AuditEvent.Kind.event
            let m = rng.unit()
            if m < 0.004 {
                kind = .badJSON
            } else if m < 0.008 {
                kind = .missingField
                let required = ["event_id", "ts", "site_id", "revenue"]
                let name = required[Int.random(in: 0..<required.count, using: &rng)]
                fields.removeAll { $0.0 == name }
            } else if m < 0.012 {
                kind = .wrongType
                let wrong = [("revenue", "\"0.12\""), ("ts", "\"yesterday\""), ("site_id", "17"), ("event_id", "true")]
                let (name, value) = wrong[Int.random(in: 0..<wrong.count, using: &rng)]
                if let i = fields.firstIndex(where: { $0.0 == name }) { fields[i].1 = value }
            }
            var text = "{" + fields.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}"
            if kind == .badJSON { text = String(text.prefix(Int.random(in: 10..<(text.count - 1), using: &rng))) }
            out.append(AuditEvent(seq: seq, kind: kind, siteID: site, eventID: eventID, timeMilliseconds: ts,
                                  revenueCents: cents, value: Array(text.utf8)))
            if kind == .event && !late { recent.append((stream, seq)) }
        }
        return out
    }

    private func quoted(_ s: String) -> String { "\"\(s)\"" }
}
