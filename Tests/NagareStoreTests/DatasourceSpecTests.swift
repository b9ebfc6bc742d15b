import Foundation
import Testing
@testable import NagareStore

@Suite struct DatasourceSpecTests {
    @Test func parsesTheShippedExample() throws {
        // Resolve symlinks first: the tests may be built through a symlinked folder.
        let path = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent("../../examples/access-logs/datasource.yml").standardized.path
        let spec = try DatasourceSpec.load(path: path)
        #expect(spec.name == "access-logs")
        #expect(spec.topic == "events.enriched")
        #expect(spec.timestampField == "ts")
        #expect(spec.granularity == .minute)
        #expect(spec.timestampFormat == .iso8601)
        #expect(spec.dimensions == ["site_name", "category", "account", "country", "device", "browser", "os", "sport"])
        #expect(spec.metrics == [
            MetricSpec(name: "count", kind: .count),
            MetricSpec(name: "revenue", kind: .doubleSum, field: "revenue"),
            MetricSpec(name: "users", kind: .hyperUnique, field: "user_id"),
        ])
    }

    @Test func defaults() throws {
        let spec = try DatasourceSpec.parse(yaml: """
            name: a
            topic: t
            dimensions: []
            metrics:
              - {name: n, type: count}
            """)
        #expect(spec.timestampField == "timestamp")
        #expect(spec.timestampFormat == .iso8601)
        #expect(spec.granularity == .minute)
    }

    func error(_ yaml: String) -> String {
        do {
            _ = try DatasourceSpec.parse(yaml: yaml, fileName: "ds.yml")
            return "no error"
        } catch {
            return error.message
        }
    }

    @Test func unknownKeyNamesFileLineAndKey() {
        let message = error("""
            name: a
            topic: t
            dimensions: [x]
            metrics:
              - name: n
                type: count
              - name: r
                typo: doubleSum
            """)
        #expect(message.hasPrefix("ds.yml:8:5: metrics[1].typo: unknown key"), "\(message)")
    }

    @Test func wrongTypesAreErrorsWithPositions() {
        #expect(error("name: a\ntopic: t\ndimensions: x\nmetrics: []\n").hasPrefix("ds.yml:3:13: dimensions: expected a list"))
        #expect(error("name: [a]\ntopic: t\ndimensions: []\nmetrics: []\n").hasPrefix("ds.yml:1:7: name: expected a string"))
        let badType = error("name: a\ntopic: t\ndimensions: []\nmetrics:\n  - name: r\n    type: doublesum\n    field: r\n")
        #expect(badType.hasPrefix("ds.yml:6:11: metrics[0].type: unknown metric type 'doublesum'"), "\(badType)")
        let badGranularity = error("name: a\ntopic: t\ngranularity: week\ndimensions: []\nmetrics: [{name: c, type: count}]\n")
        #expect(badGranularity.hasPrefix("ds.yml:3:14: granularity: unknown granularity 'week'"), "\(badGranularity)")
        let noField = error("name: a\ntopic: t\ndimensions: []\nmetrics:\n  - name: r\n    type: longSum\n")
        #expect(noField.contains("metrics[0].field: type longSum needs"), "\(noField)")
        #expect(error("topic: t\ndimensions: []\nmetrics: []\n").contains("name: required key is missing"))
        #expect(error("name: a\ntopic: t\ndimensions: [a, a]\nmetrics: [{name: c, type: count}]\n").contains("'a' is declared twice"))
        #expect(error("name: a\ntopic: t\ndimensions: [a\n").hasPrefix("ds.yml: not valid YAML"))
    }

    @Test func druidSupervisorSpec() throws {
        let spec = try DatasourceSpec.parse(yaml: """
            name: access-logs
            topic: events.enriched
            granularity: hour
            timestamp: {field: ts, format: epochMillis}
            dimensions: [country]
            metrics:
              - {name: count, type: count}
              - {name: revenue, type: doubleSum, field: revenue}
              - {name: top, type: max, field: revenue}
              - {name: users, type: hyperUnique, field: user_id}
            """)
        let json = try JSONSerialization.jsonObject(with: Data(spec.druidSupervisorSpec(bootstrapServers: "k:9092"))) as! [String: Any]
        #expect(json["type"] as? String == "kafka")
        let schema = (json["spec"] as! [String: Any])["dataSchema"] as! [String: Any]
        #expect(schema["dataSource"] as? String == "access-logs")
        #expect((schema["timestampSpec"] as! [String: Any])["format"] as? String == "millis")
        #expect((schema["dimensionsSpec"] as! [String: Any])["dimensions"] as? [String] == ["country"])
        let metrics = schema["metricsSpec"] as! [[String: Any]]
        #expect(metrics.map { $0["type"] as! String } == ["count", "doubleSum", "doubleMax", "hyperUnique"])
        #expect(metrics[3]["fieldName"] as? String == "user_id")
        let granularity = schema["granularitySpec"] as! [String: Any]
        #expect(granularity["queryGranularity"] as? String == "hour")
        #expect(granularity["rollup"] as? Bool == true)
        let io = (json["spec"] as! [String: Any])["ioConfig"] as! [String: Any]
        #expect(io["topic"] as? String == "events.enriched")
        #expect(io["useEarliestOffset"] as? Bool == true)
        let consumer = io["consumerProperties"] as! [String: Any]
        #expect(consumer["bootstrap.servers"] as? String == "k:9092")
        #expect(consumer["isolation.level"] as? String == "read_committed")
    }
}
