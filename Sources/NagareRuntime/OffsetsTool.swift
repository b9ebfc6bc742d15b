import Foundation
public import Logging
public import NagareCore
public import NagareKafka

/// `nagare offsets show` and `nagare offsets reset`: a consumer group's committed offsets
/// against the logs, and moving them with a preview first.
///
/// A reset commits the new offsets as the group (a consumer with the group id that never joins
/// it), so it is only safe while no process of the group runs: a running member would
/// overwrite them with its next commit, and a `nagare run` keeps its state for the old
/// position. The tool therefore refuses to execute while the group has members.
public struct OffsetsTool: Sendable {
    public let client: ClientConfiguration
    public let logger: Logger

    public init(client: ClientConfiguration, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// One partition of a group's view of a topic.
    public struct PartitionRow: Hashable, Sendable {
        public var topicPartition: TopicPartition
        /// The log's first offset and its end (the next offset to be written).
        public var start: Offset
        public var end: Offset
        /// The group's committed offset (the next record it will read); nil when none.
        public var committed: Offset?

        /// Records between the committed offset and the end; nil when nothing is committed or
        /// the committed offset lies outside the log.
        public var lag: Int64? {
            guard let committed, isInRange(committed) else { return nil }
            return end.rawValue - committed.rawValue
        }

        public func isInRange(_ offset: Offset) -> Bool { offset >= start && offset <= end }
    }

    public struct GroupReport: Sendable {
        public var group: GroupDescription
        public var rows: [PartitionRow]
    }

    /// Where a reset moves each partition.
    public enum Target: Hashable, Sendable, CustomStringConvertible {
        case earliest
        case latest
        /// The first record at or after this time (ms since the epoch); the end if none.
        case timestamp(Int64)
        /// This offset, clamped into the log.
        case offset(Int64)

        /// Parses `earliest`, `latest`, `timestamp:MS` or `offset:N`.
        public init(parsing text: String) throws(ConfigurationError) {
            switch text {
            case "earliest": self = .earliest
            case "latest": self = .latest
            default:
                let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
                if parts.count == 2, parts[0] == "timestamp", let ms = Int64(parts[1]), ms >= 0 {
                    self = .timestamp(ms)
                } else if parts.count == 2, parts[0] == "offset", let n = Int64(parts[1]), n >= 0 {
                    self = .offset(n)
                } else {
                    throw ConfigurationError(
                        "--to: '\(text)' is not earliest, latest, timestamp:MILLISECONDS or offset:N (N ≥ 0)")
                }
            }
        }

        public var description: String {
            switch self {
            case .earliest: "earliest"
            case .latest: "latest"
            case .timestamp(let ms): "timestamp:\(ms)"
            case .offset(let n): "offset:\(n)"
            }
        }
    }

    /// One partition of a reset: where the group is and where it would go.
    public struct ResetRow: Hashable, Sendable {
        public var partition: PartitionRow
        public var new: Offset
        /// Why `new` differs from what was asked (e.g. clamped into the log).
        public var note: String?

        /// Positive: records skipped (never processed); negative: records replayed. Nil when
        /// nothing was committed or the committed offset lies outside the log (no records
        /// between it and the new one to count).
        public var skipped: Int64? {
            guard let current = partition.committed, partition.isInRange(current) else { return nil }
            return new.rawValue - current.rawValue
        }
    }

    public struct ResetPlan: Sendable {
        public var group: GroupDescription
        public var target: Target
        public var rows: [ResetRow]
    }

    // MARK: - Show

    /// The group's committed offsets with each partition's log range: for `topics`, or for
    /// every topic the group has committed offsets in.
    public func show(group: String, topics: [String]? = nil) async throws -> GroupReport {
        let admin = try Admin(configuration: client, logger: logger)
        defer { admin.close() }
        let description = try await admin.describeGroup(group)
        let committed = try await admin.groupOffsets(group)
        let names = topics ?? Array(Set(committed.keys.map(\.topic))).sorted()
        var rows: [PartitionRow] = []
        for topic in try await partitions(of: names, admin: admin) {
            let (low, high) = try await admin.watermarks(topic)
            rows.append(PartitionRow(topicPartition: topic, start: low, end: high, committed: committed[topic]))
        }
        return GroupReport(group: description, rows: rows)
    }

    private func partitions(of topics: [String], admin: Admin) async throws -> [TopicPartition] {
        guard !topics.isEmpty else { return [] }
        let described = try await admin.listTopics(topics)
        var out: [TopicPartition] = []
        for name in topics {
            guard let topic = described.first(where: { $0.name == name }) else {
                throw ConfigurationError("topic '\(name)' does not exist")
            }
            out += topic.partitions.map { TopicPartition(name, $0) }
        }
        return out
    }

    // MARK: - Reset

    /// Computes where a reset would move the group's offsets of `topic`; changes nothing.
    public func planReset(group: String, topic: String, to target: Target) async throws -> ResetPlan {
        let report = try await show(group: group, topics: [topic])
        let admin = try Admin(configuration: client, logger: logger)
        defer { admin.close() }
        var byTime: [TopicPartition: Offset?] = [:]
        if case .timestamp(let ms) = target {
            byTime = try await admin.offsets(forTimestamps: Dictionary(uniqueKeysWithValues: report.rows.map { ($0.topicPartition, ms) }))
        }
        let rows = report.rows.map { row -> ResetRow in
            switch target {
            case .earliest:
                return ResetRow(partition: row, new: row.start)
            case .latest:
                return ResetRow(partition: row, new: row.end)
            case .timestamp:
                if let found = byTime[row.topicPartition] ?? nil { return ResetRow(partition: row, new: found) }
                return ResetRow(partition: row, new: row.end, note: "no record at or after that time: end")
            case .offset(let n):
                if n < row.start.rawValue { return ResetRow(partition: row, new: row.start, note: "clamped to the log start") }
                if n > row.end.rawValue { return ResetRow(partition: row, new: row.end, note: "clamped to the log end") }
                return ResetRow(partition: row, new: Offset(n))
            }
        }
        return ResetPlan(group: report.group, target: target, rows: rows)
    }

    /// Commits the plan's offsets for the group, after checking again that it has no members.
    public func execute(_ plan: ResetPlan) async throws {
        let admin = try Admin(configuration: client, logger: logger)
        defer { admin.close() }
        let group = try await admin.describeGroup(plan.group.groupID)
        if let refusal = Self.refusal(group) { throw ConfigurationError(refusal) }
        let consumer = try Consumer(configuration: ConsumerConfiguration(client: client, groupID: plan.group.groupID), logger: logger)
        do {
            try await consumer.commit(plan.rows.map { PartitionOffset($0.partition.topicPartition, $0.new) })
        } catch {
            try? await consumer.close()
            throw error
        }
        try await consumer.close()
        let now = try await admin.groupOffsets(plan.group.groupID, partitions: plan.rows.map(\.partition.topicPartition))
        for row in plan.rows where now[row.partition.topicPartition] != row.new {
            throw ConfigurationError(
                "\(row.partition.topicPartition): committed \(row.new) but the group now has \(now[row.partition.topicPartition].map(String.init(describing:)) ?? "none")")
        }
    }

    /// Why offsets must not be changed now, or nil.
    public static func refusal(_ group: GroupDescription) -> String? {
        guard group.memberCount > 0 else { return nil }
        return "group \(group.groupID) has \(group.memberCount) active member\(group.memberCount == 1 ? "" : "s") (state \(group.state)): stop its processes (e.g. `nagare run`) first; offsets were not changed"
    }

    // MARK: - Text

    public static func render(_ report: GroupReport) -> String {
        var lines = [header(report.group)]
        var table = [["TOPIC", "PARTITION", "START", "COMMITTED", "END", "LAG"]]
        for row in report.rows {
            var committed = row.committed.map(String.init(describing:)) ?? "-"
            if let c = row.committed, !row.isInRange(c) { committed += " (out of range)" }
            table.append([row.topicPartition.topic, String(row.topicPartition.partition), row.start.description,
                          committed, row.end.description, row.lag.map(String.init) ?? "-"])
        }
        if report.rows.isEmpty {
            lines.append("no committed offsets (give --topic to see a topic's partitions)")
        } else {
            lines += format(table)
            lines.append("total lag: \(report.rows.compactMap(\.lag).reduce(0, +))")
        }
        return lines.joined(separator: "\n")
    }

    public static func render(_ plan: ResetPlan, executed: Bool) -> String {
        var lines = [header(plan.group)]
        lines.append(executed
            ? "reset to \(plan.target): committed"
            : "reset to \(plan.target): preview only, nothing changed (add --execute to apply)")
        var table = [["TOPIC", "PARTITION", "CURRENT", "NEW", "EFFECT"]]
        for row in plan.rows {
            let p = row.partition
            var effect: String
            switch (row.skipped, p.committed) {
            case (nil, let c?): effect = "current \(c) is outside the log [\(p.start), \(p.end)]: resumes at \(row.new)"
            case (nil, nil): effect = "no committed offset before"
            case (0?, _): effect = "unchanged"
            case (let n?, _) where n > 0: effect = "skips \(n)"
            case (let n?, _): effect = "replays \(-n)"
            }
            if let note = row.note { effect += " (\(note))" }
            table.append([p.topicPartition.topic, String(p.topicPartition.partition),
                          p.committed.map(String.init(describing:)) ?? "-", row.new.description, effect])
        }
        lines += format(table)
        let skipped = plan.rows.compactMap(\.skipped).filter { $0 > 0 }.reduce(0, +)
        let replayed = plan.rows.compactMap(\.skipped).filter { $0 < 0 }.reduce(0, +)
        lines.append("total: skips \(skipped), replays \(-replayed)")
        if !executed, let refusal = refusal(plan.group) { lines.append("note: \(refusal)") }
        return lines.joined(separator: "\n")
    }

    private static func header(_ group: GroupDescription) -> String {
        let members = group.memberCount == 0 ? "no active members" : "\(group.memberCount) active member\(group.memberCount == 1 ? "" : "s")"
        return "group \(group.groupID): state \(group.state), \(members)"
    }

    private static func format(_ table: [[String]]) -> [String] {
        let widths = (0..<table[0].count).map { c in table.map { $0[c].count }.max() ?? 0 }
        return table.map { row in
            row.enumerated().map { c, cell in
                c == row.count - 1 ? cell : cell.padding(toLength: widths[c], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }
    }
}
