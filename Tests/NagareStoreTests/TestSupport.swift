import Foundation
import Synchronization
import NagareCore
@testable import NagareStore

/// A temporary data directory removed when the test's scope ends.
final class TemporaryDirectory: Sendable {
    let path: String

    init() {
        path = NSTemporaryDirectory() + "nagare-store-tests-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Removes `path` when the process exits: for a directory held by a static, which is never
    /// deinitialized.
    static func removeAtExit(_ path: String) {
        exitPaths.withLock { paths in
            if paths.isEmpty { atexit { for path in TemporaryDirectory.exitPaths.withLock({ $0 }) { try? FileManager.default.removeItem(atPath: path) } } }
            paths.append(path)
        }
    }

    private static let exitPaths = Mutex<[String]>([])
}

/// A small deterministic generator (SplitMix64), so reference data is the same on every run.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// One raw access-log event as the tests generate it and as the reference computations read it.
struct TestEvent {
    var time: Int64
    var site: String
    var country: String?
    var device: String
    var revenue: Double
    var user: String
}

enum Fixtures {
    static let spec = DatasourceSpec(
        name: "access-logs", topic: "events.enriched",
        dimensions: ["site_name", "country", "device"],
        metrics: [
            MetricSpec(name: "count", kind: .count),
            MetricSpec(name: "revenue", kind: .doubleSum, field: "revenue"),
            MetricSpec(name: "users", kind: .hyperUnique, field: "user_id"),
            MetricSpec(name: "max_revenue", kind: .max, field: "revenue"),
        ])

    /// 2024-05-01T00:00:00Z
    static let day: Int64 = 1_714_521_600_000

    static func events(count: Int, seed: UInt64 = 42, hours: Int = 3) -> [TestEvent] {
        var rng = SeededGenerator(state: seed)
        let sites = ["alpha.example", "beta.example", "gamma.example", "Delta.example"]
        let countries: [String?] = ["US", "DE", "JP", "FR", "BR", nil]
        let devices = ["desktop", "mobile", "tablet"]
        return (0..<count).map { _ in
            TestEvent(
                time: day + Int64.random(in: 0..<(Int64(hours) * 3_600_000), using: &rng),
                site: sites.randomElement(using: &rng)!,
                country: countries.randomElement(using: &rng)!,
                device: devices.randomElement(using: &rng)!,
                // Whole cents keep floating-point sums exact enough to compare with 1e-6.
                revenue: Double(Int.random(in: 0..<10_000, using: &rng)) / 100,
                user: "user-\(Int.random(in: 0..<2_000, using: &rng))")
        }
    }

    static func json(_ e: TestEvent) -> String {
        var fields = [
            "\"timestamp\": \"\(ISOTime.format(e.time))\"",
            "\"site_name\": \"\(e.site)\"",
            "\"device\": \"\(e.device)\"",
            "\"revenue\": \(e.revenue)",
            "\"user_id\": \"\(e.user)\"",
        ]
        if let c = e.country { fields.append("\"country\": \"\(c)\"") }
        return "{" + fields.joined(separator: ", ") + "}"
    }

    static func records(_ events: [TestEvent], partition: Int32 = 0, firstOffset: Int64 = 0) -> [Record] {
        events.enumerated().map { i, e in
            Record(topicPartition: TopicPartition("events.enriched", partition), offset: Offset(firstOffset + Int64(i)),
                   timestampMilliseconds: e.time, key: nil, value: Array(json(e).utf8))
        }
    }

    static func record(_ text: String, offset: Int64, partition: Int32 = 0) -> Record {
        Record(topicPartition: TopicPartition("events.enriched", partition), offset: Offset(offset),
               timestampMilliseconds: day, key: nil, value: Array(text.utf8))
    }
}

/// Runs a query and decodes the JSON response.
func runQuery(_ store: AnalyticsStore, _ json: String) throws -> [[String: Any]] {
    let bytes = try store.query(json)
    return try JSONSerialization.jsonObject(with: Data(bytes)) as! [[String: Any]]
}

func number(_ value: Any?) -> Double {
    (value as? NSNumber)?.doubleValue ?? .nan
}

/// Whether two JSON answers are equal, numbers compared to 1e-9 relative.
func sameAnswers(_ a: [UInt8], _ b: [UInt8]) throws -> Bool {
    func same(_ x: Any, _ y: Any) -> Bool {
        switch (x, y) {
        case let (p as [String: Any], q as [String: Any]):
            return p.keys.sorted() == q.keys.sorted() && p.keys.allSatisfy { same(p[$0]!, q[$0]!) }
        case let (p as [Any], q as [Any]):
            return p.count == q.count && zip(p, q).allSatisfy { same($0, $1) }
        case let (p as String, q as String):
            return p == q
        case let (p as NSNumber, q as NSNumber):
            return abs(p.doubleValue - q.doubleValue) <= 1e-9 * max(1, abs(q.doubleValue))
        case (is NSNull, is NSNull):
            return true
        default:
            return false
        }
    }
    return same(try JSONSerialization.jsonObject(with: Data(a)), try JSONSerialization.jsonObject(with: Data(b)))
}
