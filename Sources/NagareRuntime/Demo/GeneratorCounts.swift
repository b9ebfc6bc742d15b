import Foundation

/// What the demo's generator has produced, in the terms the store must show: distinct valid
/// events per event-time minute (duplicates and malformed records are not in `minutes`; late
/// events count in the minute of their event time). Written as JSON to
/// `<data>/generator-counts.json` while the demo runs and read back on the next start over the
/// same data, so the counts keep matching a store that kept the earlier events.
public struct GeneratorCounts: Codable, Sendable, Equatable {
    /// Minute start (`2026-11-22T02:44:00.000Z`, the store's timestamp format) → events.
    public var minutes: [String: Int] = [:]
    /// Distinct valid events: the sum of `minutes`.
    public var events = 0
    /// Records produced: events, their duplicates and malformed records.
    public var records = 0
    /// Events sent a second time (same key and value) a few seconds later.
    public var duplicates = 0
    /// Events whose event time is 20 to 45 seconds behind the others (within the pipeline's
    /// allowed lateness).
    public var late = 0
    /// Records the pipeline must reject (to its dead-letter topic).
    public var malformed = 0
    /// False once the generator has stopped and everything it produced was acknowledged.
    public var running = false

    public init() {}

    mutating func addEvent(timeMilliseconds: Int64, late isLate: Bool) {
        let minuteStart = timeMilliseconds - timeMilliseconds % 60_000
        minutes[AccessLogEventFactory.iso8601(minuteStart), default: 0] += 1
        events += 1
        records += 1
        if isLate { late += 1 }
    }

    /// The counts of an earlier run in `path`, or empty ones when there is no such file. A file
    /// that is not such JSON is an error naming it (rather than silently starting from zero).
    public static func load(path: String) throws -> GeneratorCounts {
        guard FileManager.default.fileExists(atPath: path) else { return GeneratorCounts() }
        do {
            var counts = try JSONDecoder().decode(GeneratorCounts.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
            counts.running = false
            return counts
        } catch {
            throw DemoError("\(path) is not the generator's counts file (\(error.localizedDescription)); move it away or use another --data-dir")
        }
    }

    /// Writes the counts to `path` through a temporary file and a rename, so readers never see
    /// half a file.
    public func write(path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let temporary = path + ".tmp"
        try encoder.encode(self).write(to: URL(fileURLWithPath: temporary))
        if rename(temporary, path) != 0 {
            throw DemoError("cannot replace \(path): \(String(cString: strerror(errno)))")
        }
    }
}
