import Foundation
public import NagareCore

/// Loading a pipeline from YAML. Every key is listed in `docs/pipeline-yaml.md`; unknown keys
/// and wrong types are errors naming the file, line and key, because a misspelt key that is
/// silently ignored (`maxDealy: 30s`) changes results without anyone noticing.
extension PipelineDefinition {
    /// Reads and checks a pipeline file. Table paths in it are relative to its folder.
    public static func load(path: String) throws(ConfigurationError) -> PipelineDefinition {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigurationError("\(path): cannot read the pipeline file: \(error.localizedDescription)")
        }
        let directory = (path as NSString).deletingLastPathComponent
        return try parse(yaml: text, file: path, baseDirectory: directory)
    }

    /// Parses and checks pipeline YAML. `file` is only used in messages.
    public static func parse(yaml: String, file: String = "pipeline.yml", baseDirectory: String = "")
        throws(ConfigurationError) -> PipelineDefinition
    {
        let root = try YAMLNode.parse(yaml, file: file)
        let top = try root.mapping(allowed: ["name", "source", "eventTime", "operators", "sinks", "execution"])
        let name = try top.required("name").nonEmptyString()
        let source = try parseSource(top.required("source"), pipelineName: name)
        let eventTimeField = try top["eventTime"]?.nonEmptyString()
        var operators: [OperatorDefinition] = []
        for item in try top.required("operators").sequence() {
            operators.append(try parseOperator(item))
        }
        let sinks = try parseSinks(top.required("sinks"))
        let execution = try top["execution"].map { node throws(ConfigurationError) in try parseExecution(node) }
            ?? ExecutionSettings()
        let definition = PipelineDefinition(
            name: name, source: source, eventTimeField: eventTimeField, operators: operators,
            sinks: sinks, execution: execution, baseDirectory: baseDirectory)
        do {
            try definition.validate()
        } catch {
            throw ConfigurationError("\(file): \(error.message)")
        }
        return definition
    }

    private static func parseSource(_ node: YAMLNode, pipelineName: String) throws(ConfigurationError) -> SourceDefinition {
        let m = try node.mapping(allowed: ["topics", "group", "startFrom"])
        return SourceDefinition(
            topics: try m.required("topics").stringList(),
            group: try m["group"]?.nonEmptyString() ?? "nagare.\(pipelineName)",
            startFrom: try m["startFrom"]?.oneOf(StartPosition.self) ?? .earliest)
    }

    private static func parseSinks(_ node: YAMLNode) throws(ConfigurationError) -> SinkDefinition {
        let m = try node.mapping(allowed: ["output", "windows", "deadLetter"])
        return SinkDefinition(
            output: try m["output"]?.nonEmptyString(),
            windows: try m["windows"]?.nonEmptyString(),
            deadLetter: try m["deadLetter"]?.nonEmptyString() ?? "events.dlq")
    }

    private static func parseExecution(_ node: YAMLNode) throws(ConfigurationError) -> ExecutionSettings {
        let m = try node.mapping(allowed: [
            "commitInterval", "maxRecordsPerBatch", "errorPolicy", "maxBatchRetries", "tableReloadInterval",
            "parallelism",
        ])
        var settings = ExecutionSettings()
        if let n = m["commitInterval"] { settings.commitInterval = try n.duration() }
        if let n = m["maxRecordsPerBatch"] { settings.maxRecordsPerBatch = try n.int() }
        if let n = m["errorPolicy"] { settings.errorPolicy = try n.oneOf(ErrorPolicy.self) }
        if let n = m["maxBatchRetries"] { settings.maxBatchRetries = try n.int() }
        if let n = m["tableReloadInterval"] { settings.tableReloadInterval = try n.duration() }
        if let n = m["parallelism"] { settings.parallelism = try n.int() }
        return settings
    }

    private static func parseOperator(_ node: YAMLNode) throws(ConfigurationError) -> OperatorDefinition {
        let (kind, body) = try node.singleKeyMapping(
            allowed: ["parse", "validate", "dedup", "enrich", "filter", "project", "window"])
        switch kind {
        case "parse":
            let format = try body.string()
            guard format == "json" else { throw body.error("the only supported format is json, found \"\(format)\"") }
            return .parseJSON
        case "validate":
            let m = try body.mapping(allowed: ["required"])
            var required: [ValidateDefinition.RequiredField] = []
            for (field, typeNode) in try m.required("required").freeMapping() {
                required.append(.init(field, try typeNode.oneOf(FieldType.self)))
            }
            return .validate(ValidateDefinition(required: required))
        case "dedup":
            let m = try body.mapping(allowed: ["key", "window", "maxKeys"])
            return .dedup(DedupDefinition(
                keyField: try m.required("key").nonEmptyString(),
                window: try m.required("window").duration(),
                maxKeys: try m["maxKeys"]?.int() ?? 1_000_000))
        case "enrich":
            return .enrich(try parseEnrich(body))
        case "filter":
            return .filter(try parseFilter(body))
        case "project":
            let m = try body.mapping(allowed: ["keep", "drop", "rename"])
            var renames: [ProjectDefinition.Rename] = []
            for (from, to) in try m["rename"]?.freeMapping() ?? [] {
                renames.append(.init(from: from, to: try to.nonEmptyString()))
            }
            return .project(ProjectDefinition(
                keep: try m["keep"]?.stringList(), drop: try m["drop"]?.stringList() ?? [], rename: renames))
        default:
            return .window(try parseWindow(body))
        }
    }

    private static func parseEnrich(_ node: YAMLNode) throws(ConfigurationError) -> EnrichDefinition {
        let m = try node.mapping(allowed: ["lookup", "ipRange", "userAgent", "unknown"])
        /// Each kind takes one mapping or a list of them.
        func items(_ key: String) throws(ConfigurationError) -> [YAMLNode] {
            guard let n = m[key] else { return [] }
            return n.node.sequence != nil ? try n.sequence() : [n]
        }
        var definition = EnrichDefinition()
        for item in try items("lookup") {
            let l = try item.mapping(allowed: ["table", "key", "keyColumn", "fields"])
            definition.lookups.append(.init(
                table: try l.required("table").nonEmptyString(), keyField: try l.required("key").nonEmptyString(),
                keyColumn: try l["keyColumn"]?.nonEmptyString(), fields: try l["fields"]?.stringList()))
        }
        for item in try items("ipRange") {
            let r = try item.mapping(allowed: ["table", "field", "fields"])
            definition.ipRanges.append(.init(
                table: try r.required("table").nonEmptyString(), field: try r.required("field").nonEmptyString(),
                fields: try r["fields"]?.stringList()))
        }
        for item in try items("userAgent") {
            let u = try item.mapping(allowed: ["rules", "field"])
            definition.userAgents.append(.init(
                rules: try u.required("rules").nonEmptyString(), field: try u.required("field").nonEmptyString()))
        }
        if let unknown = m["unknown"] { definition.unknownValue = try unknown.string() }
        return definition
    }

    private static func parseFilter(_ node: YAMLNode) throws(ConfigurationError) -> FilterDefinition {
        let m = try node.mapping(allowed: ["field", "equals", "notEquals", "in", "notIn", "exists"])
        let field = try m.required("field").nonEmptyString()
        let conditions = m.entries.filter { $0.key != "field" }
        guard conditions.count == 1, let entry = conditions.first else {
            throw node.error("give exactly one of equals, notEquals, in, notIn, exists")
        }
        let condition: FilterDefinition.Condition
        switch entry.key {
        case "equals": condition = .equals(try entry.value.string())
        case "notEquals": condition = .notEquals(try entry.value.string())
        case "in": condition = .isIn(try entry.value.stringList())
        case "notIn": condition = .notIn(try entry.value.stringList())
        default: condition = .exists(try entry.value.bool())
        }
        return FilterDefinition(field: field, condition: condition)
    }

    private static func parseWindow(_ node: YAMLNode) throws(ConfigurationError) -> WindowDefinition {
        let m = try node.mapping(allowed: [
            "key", "type", "size", "hop", "maxDelay", "allowedLateness", "sum", "late", "lateTopic", "maxOpenWindows",
        ])
        var w = WindowDefinition(keyField: try m.required("key").nonEmptyString(), size: try m.required("size").duration())
        switch try m["type"]?.string() ?? "tumbling" {
        case "tumbling":
            if let hop = m["hop"] { throw hop.error("hop applies only to type: hopping") }
        case "hopping":
            w.kind = .hopping(hop: try m.required("hop").duration())
        default:
            throw (m["type"] ?? node).error("expected one of tumbling, hopping")
        }
        if let n = m["maxDelay"] { w.maxDelay = try n.duration() }
        if let n = m["allowedLateness"] { w.allowedLateness = try n.duration() }
        if let n = m["sum"] { w.sums = try n.stringList() }
        if let n = m["maxOpenWindows"] { w.maxOpenWindows = try n.int() }
        switch try m["late"]?.string() ?? "deadLetter" {
        case "deadLetter":
            w.late = .deadLetter
        case "drop":
            w.late = .drop
        case "sideTopic":
            w.late = .sideTopic(try m.required("lateTopic").nonEmptyString())
        default:
            throw (m["late"] ?? node).error("expected one of deadLetter, sideTopic, drop")
        }
        if case .sideTopic = w.late {} else if let t = m["lateTopic"] {
            throw t.error("lateTopic applies only to late: sideTopic")
        }
        return w
    }
}
