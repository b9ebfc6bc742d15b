public import NagareCore

/// A pipeline as the user wrote it (YAML or the Swift DSL): where records come from, the
/// operators they pass through in order, and where the results go.
///
/// A plain value with no file handles or tables loaded: it can be compared, printed and checked
/// (`validate()`) before anything runs. `Pipeline` is the compiled, runnable form.
public struct PipelineDefinition: Hashable, Sendable {
    /// Names the consumer group default, the changelog topic and the transactional IDs.
    public var name: String
    public var source: SourceDefinition
    /// Where event time comes from. `nil`: the record's timestamp.
    public var eventTimeField: String?
    public var operators: [OperatorDefinition]
    public var sinks: SinkDefinition
    public var execution: ExecutionSettings
    /// Relative table paths are resolved against this directory: the YAML file's folder.
    /// Default: the current directory (`""`).
    public var baseDirectory: String

    public init(
        name: String, source: SourceDefinition, eventTimeField: String? = nil,
        operators: [OperatorDefinition], sinks: SinkDefinition,
        execution: ExecutionSettings = ExecutionSettings(), baseDirectory: String = ""
    ) {
        self.name = name
        self.source = source
        self.eventTimeField = eventTimeField
        self.operators = operators
        self.sinks = sinks
        self.execution = execution
        self.baseDirectory = baseDirectory
    }

    /// The compacted topic holding every task's operator state: `nagare.<name>.changelog`.
    public var changelogTopic: String { "nagare.\(name).changelog" }

    /// Resolves a table path from the definition against `baseDirectory`.
    public func resolvePath(_ path: String) -> String {
        if path.hasPrefix("/") || baseDirectory.isEmpty { return path }
        return baseDirectory.hasSuffix("/") ? baseDirectory + path : baseDirectory + "/" + path
    }

    /// Checks what the types cannot: names are non-empty, the first operator parses, sizes and
    /// durations are positive, a window's sink exists. The message names the offending key.
    public func validate() throws(ConfigurationError) {
        func require(_ condition: Bool, _ message: @autoclosure () -> String) throws(ConfigurationError) {
            if !condition { throw ConfigurationError("pipeline \"\(name)\": \(message())") }
        }
        try require(!name.isEmpty && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) },
                    "name: must be non-empty and use only letters, digits, '.', '_', '-' (it names Kafka topics)")
        try require(!source.topics.isEmpty, "source.topics: at least one topic is needed")
        try require(!source.group.isEmpty, "source.group: must not be empty")
        try require(execution.maxRecordsPerBatch > 0, "execution.maxRecordsPerBatch: must be positive")
        try require(execution.commitInterval > .zero, "execution.commitInterval: must be positive")
        try require(execution.maxBatchRetries >= 0, "execution.maxBatchRetries: must not be negative")
        try require(execution.parallelism >= 0, "execution.parallelism: must not be negative (0: one per core)")
        try require(!sinks.deadLetter.isEmpty, "sinks.deadLetter: must not be empty")
        guard case .parseJSON = operators.first else {
            throw ConfigurationError("pipeline \"\(name)\": operators: the first operator must be `parse: json`")
        }
        for (index, op) in operators.enumerated() {
            let at = "operators[\(index)]"
            switch op {
            case .parseJSON:
                try require(index == 0, "\(at): `parse` may appear only once, first")
            case .validate(let v):
                try require(!v.required.isEmpty, "\(at).validate.required: list at least one field")
            case .dedup(let d):
                try require(!d.keyField.isEmpty, "\(at).dedup.key: must not be empty")
                try require(d.window > .zero, "\(at).dedup.window: must be positive")
                try require(d.maxKeys > 0, "\(at).dedup.maxKeys: must be positive")
            case .enrich(let e):
                try require(!e.lookups.isEmpty || !e.ipRanges.isEmpty || !e.userAgents.isEmpty,
                            "\(at).enrich: name at least one of lookup, ipRange, userAgent")
            case .filter(let f):
                try require(!f.field.isEmpty, "\(at).filter.field: must not be empty")
            case .project(let p):
                try require(p.keep != nil || !p.drop.isEmpty || !p.rename.isEmpty,
                            "\(at).project: name keep, drop or rename")
            case .window(let w):
                try require(w.size > .zero, "\(at).window.size: must be positive")
                if case .hopping(let hop) = w.kind {
                    try require(hop > .zero && hop <= w.size, "\(at).window.hop: must be positive and at most size")
                    try require(w.size.wholeMilliseconds % hop.wholeMilliseconds == 0,
                                "\(at).window.hop: size must be a multiple of hop")
                }
                try require(w.maxDelay >= .zero, "\(at).window.maxDelay: must not be negative")
                try require(w.allowedLateness >= .zero, "\(at).window.allowedLateness: must not be negative")
                try require(w.maxOpenWindows > 0, "\(at).window.maxOpenWindows: must be positive")
                try require(sinks.windows != nil, "sinks.windows: a window operator needs a topic for its results")
                if case .sideTopic(let topic) = w.late {
                    try require(!topic.isEmpty, "\(at).window.lateTopic: must not be empty")
                }
            }
        }
    }
}
