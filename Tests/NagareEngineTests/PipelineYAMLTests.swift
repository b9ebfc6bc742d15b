import Foundation
import NagareCore
import NagareEngine
import Testing

@Suite struct PipelineYAMLTests {
    @Test func loadsTheExamplePipeline() throws {
        let definition = try PipelineDefinition.load(path: Fixtures.exampleDirectory + "/pipeline.yml")
        #expect(definition.name == "access-logs")
        #expect(definition.source == SourceDefinition(topics: ["events.raw"], group: "nagare.access-logs"))
        #expect(definition.eventTimeField == "ts")
        #expect(definition.operators.map(\.kindName) == ["parse", "validate", "dedup", "enrich", "window"])
        #expect(definition.operators[2] == .dedup(DedupDefinition(keyField: "event_id", window: .seconds(600), maxKeys: 1_000_000)))
        guard case .window(let w) = definition.operators[4] else { Issue.record("no window"); return }
        #expect(w.size == .seconds(60) && w.maxDelay == .seconds(10) && w.allowedLateness == .seconds(60))
        #expect(w.sums == ["revenue"] && w.late == .deadLetter && w.kind == .tumbling)
        #expect(definition.sinks == SinkDefinition(output: "events.enriched", windows: "metrics.site_minute", deadLetter: "events.dlq"))
        #expect(definition.execution == ExecutionSettings(maxRecordsPerBatch: 50_000))
        #expect(definition.changelogTopic == "nagare.access-logs.changelog")
        #expect(definition.resolvePath("sites.csv") == Fixtures.exampleDirectory + "/sites.csv")
    }

    @Test func theDSLBuildsTheSameDefinitionAsTheExampleYAML() throws {
        let yaml = try PipelineDefinition.load(path: Fixtures.exampleDirectory + "/pipeline.yml")
        let dsl = try PipelineBuilder("access-logs")
            .source(topics: ["events.raw"], group: "nagare.access-logs")
            .eventTime(field: "ts")
            .baseDirectory(Fixtures.exampleDirectory)
            .parseJSON()
            .validate(["event_id": .string, "ts": .timestamp, "site_id": .string, "revenue": .number])
            .dedup(key: "event_id", window: .seconds(600))
            .enrich(
                lookups: [.init(table: "sites.csv", keyField: "site_id")],
                ipRanges: [.init(table: "geo.csv", field: "ip")],
                userAgents: [.init(rules: "user-agents.yml", field: "ua")])
            .window(key: "site_id", size: .seconds(60), maxDelay: .seconds(10), allowedLateness: .seconds(60), sums: ["revenue"])
            .sinks(output: "events.enriched", windows: "metrics.site_minute", deadLetter: "events.dlq")
            .execution(ExecutionSettings(maxRecordsPerBatch: 50_000))
            .build()
        #expect(dsl == yaml)
    }

    static let minimal = """
        name: p
        source:
          topics: [in]
        operators:
          - parse: json
        sinks:
          output: out
        """

    @Test func appliesDefaults() throws {
        let definition = try PipelineDefinition.parse(yaml: Self.minimal)
        #expect(definition.source.group == "nagare.p")
        #expect(definition.source.startFrom == .earliest)
        #expect(definition.sinks.deadLetter == "events.dlq")
        #expect(definition.execution.commitInterval == .milliseconds(100))
        #expect(definition.execution.errorPolicy == .deadLetter)
    }

    @Test(arguments: [
        // (yaml, expected fragment of the message)
        (minimal + "\nextra: 1", "p.yml:8: unknown key extra"),
        (minimal.replacingOccurrences(of: "topics: [in]", with: "topics: [in]\n  gruop: g"), "p.yml:4: unknown key source.gruop"),
        (minimal + "\nexecution:\n  commitInterval: 100", "p.yml:9: execution.commitInterval: expected a duration"),
        (minimal + "\nexecution:\n  maxRecordsPerBatch: lots", "p.yml:9: execution.maxRecordsPerBatch: expected an integer"),
        (minimal + "\nexecution:\n  errorPolicy: ignore", "p.yml:9: execution.errorPolicy: expected one of deadLetter, logAndContinue, fail"),
        (minimal.replacingOccurrences(of: "  - parse: json", with: "  - parse: json\n  - dedup: {key: id}"), "missing key operators[1].dedup.window"),
        (minimal.replacingOccurrences(of: "  - parse: json", with: "  - parse: json\n  - dedupe: {key: id}"), "p.yml:6: unknown key operators[1].dedupe"),
        (minimal.replacingOccurrences(of: "  - parse: json", with: "  - parse: json\n  - validate:\n      required: {a: text}"), "p.yml:7: operators[1].validate.required.a: expected one of string, number, timestamp"),
        (minimal.replacingOccurrences(of: "  - parse: json", with: "  - validate: {required: {a: string}}"), "the first operator must be `parse: json`"),
        (minimal.replacingOccurrences(of: "  - parse: json", with: "  - parse: json\n  - window: {key: k, size: 1m}"), "sinks.windows"),
        (minimal.replacingOccurrences(of: "  - parse: json", with: "  - parse: json\n  - window: {key: k, size: 1m, hop: 10s}"), "hop applies only to type: hopping"),
        (minimal.replacingOccurrences(of: "topics: [in]", with: "topics: {a: b}"), "p.yml:3: source.topics: expected a list"),
        ("name: [x", "p.yml: invalid YAML: line"),
        ("", "p.yml: the file is empty"),
    ])
    func reportsFileLineAndKey(yaml: String, fragment: String) {
        #expect {
            try PipelineDefinition.parse(yaml: yaml, file: "p.yml")
        } throws: { error in
            let message = (error as? ConfigurationError)?.message ?? ""
            if !message.contains(fragment) { Issue.record("message: \(message)") }
            return message.contains(fragment)
        }
    }

    @Test func parsesEveryOperatorKind() throws {
        let yaml = """
            name: all
            source: {topics: [a, b], group: g, startFrom: latest}
            operators:
              - parse: json
              - filter: {field: path, notIn: [/health, /ping]}
              - filter: {field: bot, exists: false}
              - project: {keep: [a, b, c], drop: [c], rename: {a: x}}
              - window: {key: k, type: hopping, size: 1m, hop: 20s, late: sideTopic, lateTopic: late, maxOpenWindows: 10}
            sinks: {windows: w}
            execution: {errorPolicy: fail, maxBatchRetries: 2, tableReloadInterval: 1s, maxRecordsPerBatch: 500}
            """
        let d = try PipelineDefinition.parse(yaml: yaml)
        #expect(d.source == SourceDefinition(topics: ["a", "b"], group: "g", startFrom: .latest))
        #expect(d.operators[1] == .filter(FilterDefinition(field: "path", condition: .notIn(["/health", "/ping"]))))
        #expect(d.operators[2] == .filter(FilterDefinition(field: "bot", condition: .exists(false))))
        #expect(d.operators[3] == .project(ProjectDefinition(keep: ["a", "b", "c"], drop: ["c"], rename: [.init(from: "a", to: "x")])))
        #expect(d.operators[4] == .window(WindowDefinition(
            keyField: "k", kind: .hopping(hop: .seconds(20)), size: .seconds(60), late: .sideTopic("late"), maxOpenWindows: 10)))
        #expect(d.execution == ExecutionSettings(maxRecordsPerBatch: 500, errorPolicy: .fail, maxBatchRetries: 2, tableReloadInterval: .seconds(1)))
        #expect(d.sinks.output == nil)
    }

    @Test func userAgentRulesReportTheirFileAndLine() {
        #expect {
            try UserAgentRules.parse(yaml: "device:\n  - contains: [iPad]\n    valeu: tablet\n", file: "ua.yml")
        } throws: { error in
            (error as? ConfigurationError)?.message.contains("ua.yml:3: unknown key device[0].valeu") == true
        }
    }
}
