public import NagareCore

/// The Swift way to write a pipeline: a small builder over the same `PipelineDefinition` the
/// YAML loader produces, so both run through one code path and one `validate()`.
///
/// ```swift
/// let definition = try PipelineBuilder("access-logs")
///     .source(topics: ["events.raw"], group: "nagare.access-logs")
///     .eventTime(field: "ts")
///     .parseJSON()
///     .validate(["event_id": .string, "ts": .timestamp, "site_id": .string])
///     .dedup(key: "event_id", window: .seconds(600))
///     .enrich(lookups: [.init(table: "sites.csv", keyField: "site_id")])
///     .window(key: "site_id", size: .seconds(60), sums: ["revenue"])
///     .sinks(output: "events.enriched", windows: "metrics.site_minute")
///     .build()
/// ```
public struct PipelineBuilder: Sendable {
    private var definition: PipelineDefinition

    public init(_ name: String) {
        definition = PipelineDefinition(
            name: name, source: SourceDefinition(topics: [], group: "nagare.\(name)"), operators: [],
            sinks: SinkDefinition())
    }

    public func source(topics: [String], group: String? = nil, startFrom: StartPosition = .earliest) -> Self {
        with { $0.source = SourceDefinition(topics: topics, group: group ?? $0.source.group, startFrom: startFrom) }
    }

    public func eventTime(field: String) -> Self { with { $0.eventTimeField = field } }

    /// Table paths are resolved against this directory.
    public func baseDirectory(_ path: String) -> Self { with { $0.baseDirectory = path } }

    public func parseJSON() -> Self { adding(.parseJSON) }

    /// Required fields in the order given (`KeyValuePairs` keeps the literal's order, so the
    /// first failing field in a message is predictable).
    public func validate(_ required: KeyValuePairs<String, FieldType>) -> Self {
        adding(.validate(ValidateDefinition(required: required.map { .init($0.key, $0.value) })))
    }

    public func dedup(key: String, window: Duration, maxKeys: Int = 1_000_000) -> Self {
        adding(.dedup(DedupDefinition(keyField: key, window: window, maxKeys: maxKeys)))
    }

    public func enrich(
        lookups: [EnrichDefinition.Lookup] = [], ipRanges: [EnrichDefinition.IPRange] = [],
        userAgents: [EnrichDefinition.UserAgent] = [], unknown: String = "unknown"
    ) -> Self {
        adding(.enrich(EnrichDefinition(lookups: lookups, ipRanges: ipRanges, userAgents: userAgents, unknownValue: unknown)))
    }

    public func filter(_ field: String, _ condition: FilterDefinition.Condition) -> Self {
        adding(.filter(FilterDefinition(field: field, condition: condition)))
    }

    public func project(keep: [String]? = nil, drop: [String] = [], rename: [String: String] = [:]) -> Self {
        let renames = rename.sorted { $0.key < $1.key }.map { ProjectDefinition.Rename(from: $0.key, to: $0.value) }
        return adding(.project(ProjectDefinition(keep: keep, drop: drop, rename: renames)))
    }

    public func window(
        key: String, size: Duration, hop: Duration? = nil, maxDelay: Duration = .seconds(5),
        allowedLateness: Duration = .zero, sums: [String] = [], late: WindowDefinition.LatePolicy = .deadLetter,
        maxOpenWindows: Int = 100_000
    ) -> Self {
        adding(.window(WindowDefinition(
            keyField: key, kind: hop.map { .hopping(hop: $0) } ?? .tumbling, size: size, maxDelay: maxDelay,
            allowedLateness: allowedLateness, sums: sums, late: late, maxOpenWindows: maxOpenWindows)))
    }

    public func sinks(output: String? = nil, windows: String? = nil, deadLetter: String = "events.dlq") -> Self {
        with { $0.sinks = SinkDefinition(output: output, windows: windows, deadLetter: deadLetter) }
    }

    public func execution(_ settings: ExecutionSettings) -> Self { with { $0.execution = settings } }

    /// The definition, checked like a YAML one.
    public func build() throws(ConfigurationError) -> PipelineDefinition {
        try definition.validate()
        return definition
    }

    private func adding(_ op: OperatorDefinition) -> Self { with { $0.operators.append(op) } }

    private func with(_ change: (inout PipelineDefinition) -> Void) -> Self {
        var copy = self
        change(&copy.definition)
        return copy
    }
}
