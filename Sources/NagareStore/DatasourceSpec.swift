/// What one datasource ingests and how it rolls events up: the parsed form of a datasource YAML
/// file (see `docs/datasource-yaml.md`, and `DatasourceSpec+YAML.swift` for the parser).
public struct DatasourceSpec: Sendable, Hashable {
    /// The name queries use as `dataSource`.
    public var name: String
    /// The Kafka topic the store consumes.
    public var topic: String
    /// The event field holding the event time. Default: `timestamp`.
    public var timestampField: String
    /// Default: `.iso8601`.
    public var timestampFormat: TimestampFormat
    /// Default: `.minute`.
    public var granularity: RollupGranularity
    /// String dimensions, in the order queries and descriptions list them.
    public var dimensions: [String]
    public var metrics: [MetricSpec]

    public init(
        name: String, topic: String, timestampField: String = "timestamp",
        timestampFormat: TimestampFormat = .iso8601, granularity: RollupGranularity = .minute,
        dimensions: [String], metrics: [MetricSpec]
    ) {
        self.name = name
        self.topic = topic
        self.timestampField = timestampField
        self.timestampFormat = timestampFormat
        self.granularity = granularity
        self.dimensions = dimensions
        self.metrics = metrics
    }

    /// Checks what the YAML parser cannot see key by key: names must be unique across dimensions
    /// and metrics (a query names both in one namespace) and fields must be present where needed.
    public func validate() throws(StoreError) {
        func fail(_ message: String) -> StoreError { StoreError(.invalidSpec, "datasource '\(name)': \(message)") }
        guard !name.isEmpty else { throw StoreError(.invalidSpec, "name: must not be empty") }
        guard !topic.isEmpty else { throw fail("topic: must not be empty") }
        var seen = Set<String>()
        for d in dimensions {
            guard !d.isEmpty else { throw fail("dimensions: a dimension name is empty") }
            guard seen.insert(d).inserted else { throw fail("dimensions: '\(d)' is declared twice") }
        }
        guard !metrics.isEmpty else { throw fail("metrics: at least one metric is needed") }
        for m in metrics {
            guard !m.name.isEmpty else { throw fail("metrics: a metric name is empty") }
            guard seen.insert(m.name).inserted else {
                throw fail("metrics: '\(m.name)' is already a dimension or metric name")
            }
            if m.kind.needsField, (m.field ?? "").isEmpty {
                throw fail("metrics.\(m.name): type \(m.kind.rawValue) needs a 'field'")
            }
        }
    }

    /// The index of a dimension by name.
    func dimensionIndex(_ name: String) -> Int? { dimensions.firstIndex(of: name) }
    /// The index of a metric by name.
    func metricIndex(_ name: String) -> Int? { metrics.firstIndex { $0.name == name } }
}
