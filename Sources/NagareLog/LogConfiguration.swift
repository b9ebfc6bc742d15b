/// How a partition's log is stored and cleaned. One per topic; the broker builds it from the
/// topic's Kafka configuration (`init(topicConfigs:)`), and each field documents its Kafka key.
public struct LogConfiguration: Hashable, Sendable {
    /// What happens to old data.
    public enum CleanupPolicy: String, Hashable, Sendable, CaseIterable {
        /// Whole old segments are deleted by age and size (`cleanup.policy=delete`).
        case delete
        /// Closed segments keep only the latest record per key (`cleanup.policy=compact`).
        case compact
    }

    /// `segment.bytes`: a segment is rolled before it would grow past this. Index positions
    /// are 32-bit, so at most 2 GiB.
    /// Default: 67_108_864 (64 MiB).
    public var segmentBytesMax: Int = 64 * 1024 * 1024

    /// `segment.ms`: a segment is rolled when its first batch is this old, so that retention
    /// by age can delete data of low-traffic partitions.
    /// Default: 604_800_000 (7 days).
    public var segmentMilliseconds: Int64 = 7 * 24 * 3_600_000

    /// `retention.ms`: closed segments whose newest record is older than this are deleted;
    /// -1 keeps data forever.
    /// Default: 604_800_000 (7 days).
    public var retentionMilliseconds: Int64 = 7 * 24 * 3_600_000

    /// `retention.bytes`: the oldest closed segments are deleted while the partition would
    /// still hold at least this much without them; -1 for no size limit.
    /// Default: -1.
    public var retentionBytes: Int64 = -1

    /// `index.interval.bytes`: log bytes between two offset-index entries. Smaller makes
    /// lookups scan less and indexes grow more.
    /// Default: 4096.
    public var indexIntervalBytes: Int = 4096

    /// `cleanup.policy`: delete or compact.
    /// Default: .delete.
    public var cleanupPolicy: CleanupPolicy = .delete

    /// `delete.retention.ms`: how long the compactor keeps a tombstone (a record with a null
    /// value), measured from the tombstone's timestamp, so that consumers reading slowly still
    /// see the delete.
    /// Default: 86_400_000 (1 day).
    public var deleteRetentionMilliseconds: Int64 = 24 * 3_600_000

    public init() {}

    /// The smallest segment accepted: room for one empty batch header.
    public static let segmentBytesMin = 61

    /// Throws `.invalidConfiguration` naming the first bad key and its value.
    public func validate() throws(LogError) {
        func bad(_ key: String, _ field: String, _ value: some Numeric, _ rule: String) -> LogError {
            LogError(.invalidConfiguration, "invalid log configuration \(key) (\(field)) = \(value): \(rule)")
        }
        guard segmentBytesMax >= Self.segmentBytesMin, segmentBytesMax <= Int(Int32.max) else {
            throw bad("segment.bytes", "segmentBytesMax", segmentBytesMax, "must be between \(Self.segmentBytesMin) and \(Int32.max)")
        }
        guard segmentMilliseconds >= 1 else {
            throw bad("segment.ms", "segmentMilliseconds", segmentMilliseconds, "must be at least 1")
        }
        guard retentionMilliseconds >= -1 else {
            throw bad("retention.ms", "retentionMilliseconds", retentionMilliseconds, "must be -1 (forever) or at least 0")
        }
        guard retentionBytes >= -1 else {
            throw bad("retention.bytes", "retentionBytes", retentionBytes, "must be -1 (unlimited) or at least 0")
        }
        guard indexIntervalBytes >= 0 else {
            throw bad("index.interval.bytes", "indexIntervalBytes", indexIntervalBytes, "must be at least 0")
        }
        guard deleteRetentionMilliseconds >= 0 else {
            throw bad("delete.retention.ms", "deleteRetentionMilliseconds", deleteRetentionMilliseconds, "must be at least 0")
        }
    }

    /// The Kafka topic configuration keys this type understands.
    public static let kafkaKeys: [String] = [
        "segment.bytes", "segment.ms", "retention.ms", "retention.bytes", "index.interval.bytes",
        "cleanup.policy", "delete.retention.ms",
    ]

    /// A configuration from Kafka topic configs (as in CreateTopics / AlterConfigs), starting
    /// from `base` for keys not given. Keys this log does not use are ignored; the result is
    /// validated.
    public init(topicConfigs: [String: String], base: LogConfiguration = LogConfiguration()) throws(LogError) {
        self = base
        func number(_ key: String) throws(LogError) -> Int64? {
            guard let text = topicConfigs[key] else { return nil }
            guard let value = Int64(text) else {
                throw LogError(.invalidConfiguration, "invalid log configuration \(key) = '\(text)': not an integer")
            }
            return value
        }
        if let v = try number("segment.bytes") { segmentBytesMax = Int(clamping: v) }
        if let v = try number("segment.ms") { segmentMilliseconds = v }
        if let v = try number("retention.ms") { retentionMilliseconds = v }
        if let v = try number("retention.bytes") { retentionBytes = v }
        if let v = try number("index.interval.bytes") { indexIntervalBytes = Int(clamping: v) }
        if let v = try number("delete.retention.ms") { deleteRetentionMilliseconds = v }
        if let text = topicConfigs["cleanup.policy"] {
            guard let policy = CleanupPolicy(rawValue: text) else {
                throw LogError(.invalidConfiguration,
                    "invalid log configuration cleanup.policy = '\(text)': expected delete or compact")
            }
            cleanupPolicy = policy
        }
        try validate()
    }

    /// The configuration as Kafka topic configs (for DescribeConfigs).
    public var topicConfigs: [String: String] {
        [
            "segment.bytes": String(segmentBytesMax), "segment.ms": String(segmentMilliseconds),
            "retention.ms": String(retentionMilliseconds), "retention.bytes": String(retentionBytes),
            "index.interval.bytes": String(indexIntervalBytes), "cleanup.policy": cleanupPolicy.rawValue,
            "delete.retention.ms": String(deleteRetentionMilliseconds),
        ]
    }
}
