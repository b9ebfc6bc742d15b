import Foundation
import Hummingbird
import HummingbirdTesting
import NagareCore
import NagareHTTP
import NagareStore
import Testing

/// The store's routes through Hummingbird's in-process router test client: status codes,
/// content types and Druid's response and error shapes.
@Suite struct DruidRoutesTests {
    static let spec = DatasourceSpec(
        name: "access-logs", topic: "events.enriched",
        dimensions: ["site_name", "country"],
        metrics: [
            MetricSpec(name: "count", kind: .count),
            MetricSpec(name: "revenue", kind: .doubleSum, field: "revenue"),
        ])

    /// A store with three events in two rollup rows (two events share minute, site and country).
    static func makeStore(in directory: String) throws -> AnalyticsStore {
        let store = try AnalyticsStore(dataDirectory: directory, datasources: [spec])
        let events = [
            #"{"timestamp":"2024-05-01T00:00:10Z","site_name":"a.example","country":"US","revenue":1.5}"#,
            #"{"timestamp":"2024-05-01T00:00:50Z","site_name":"a.example","country":"US","revenue":2.0}"#,
            #"{"timestamp":"2024-05-01T00:01:00Z","site_name":"b.example","country":"DE","revenue":4.0}"#,
        ]
        let records = events.enumerated().map { i, json in
            Record(topicPartition: TopicPartition("events.enriched", 0), offset: Offset(Int64(i)),
                   timestampMilliseconds: 0, key: nil, value: Array(json.utf8))
        }
        try store.ingest(records, into: "access-logs")
        return store
    }

    func withApp(
        configuration: HTTPConfiguration = HTTPConfiguration(),
        _ body: @Sendable (any TestClientProtocol) async throws -> Void
    ) async throws {
        let directory = NSTemporaryDirectory() + "nagare-http-tests-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try Self.makeStore(in: directory)
        let router = NagareRouter.make(StoreHTTPServer.routes(store: store, configuration: configuration))
        try await Application(router: router).test(.router, body)
    }

    static func json(_ buffer: ByteBuffer) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(buffer.readableBytesView), options: [.fragmentsAllowed])
    }

    static let timeseries = """
        {"queryType": "timeseries", "dataSource": "access-logs", "granularity": "all",
         "intervals": ["2024-05-01/2024-05-02"],
         "aggregations": [{"type": "longSum", "name": "events", "fieldName": "count"},
                          {"type": "doubleSum", "name": "revenue", "fieldName": "revenue"}]}
        """

    @Test func healthAnswersTrue() async throws {
        try await withApp { client in
            try await client.execute(uri: "/status/health", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == "true")
            }
        }
    }

    @Test(arguments: ["/druid/v2", "/druid/v2/"])
    func timeseriesAnswersDruidShape(path: String) async throws {
        try await withApp { client in
            try await client.execute(uri: path, method: .post, headers: [.contentType: "application/json"],
                                     body: ByteBuffer(string: Self.timeseries)) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/json")
                let rows = try #require(try Self.json(response.body) as? [[String: Any]])
                #expect(rows.count == 1)
                #expect(rows.first?["timestamp"] as? String == "2024-05-01T00:00:00.000Z")
                let result = try #require(rows.first?["result"] as? [String: Any])
                #expect((result["events"] as? NSNumber)?.intValue == 3)
                #expect((result["revenue"] as? NSNumber)?.doubleValue == 7.5)
            }
        }
    }

    @Test func datasourcesAreListedAndDescribed() async throws {
        try await withApp { client in
            try await client.execute(uri: "/druid/v2/datasources", method: .get) { response in
                #expect(response.status == .ok)
                let names = try Self.json(response.body) as? [String]
                #expect(names == ["access-logs"])
            }
            try await client.execute(uri: "/druid/v2/datasources/access-logs", method: .get) { response in
                #expect(response.status == .ok)
                let body = try #require(try Self.json(response.body) as? [String: [String]])
                #expect(body["dimensions"] == ["site_name", "country"])
                #expect(body["metrics"] == ["count", "revenue"])
            }
            try await client.execute(uri: "/druid/v2/datasources/nope", method: .get) { response in
                #expect(response.status == .notFound)
                let body = try #require(try Self.json(response.body) as? [String: Any])
                #expect((body["errorMessage"] as? String)?.contains("'nope'") == true)
            }
        }
    }

    /// Each bad request: its status, Druid's error keys, a message naming what was wrong; and the
    /// next good query still succeeds.
    @Test(arguments: [
        ("{\"queryType\": \"timeseries\",", "Invalid query", "not valid JSON"),
        (#"{"queryType":"timeseries","dataSource":"clicks","granularity":"all","intervals":["2024/2025"],"aggregations":[]}"#,
         "Unknown datasource", "'clicks'"),
        (#"{"queryType":"topN","dataSource":"access-logs","dimension":"colour","metric":"n","threshold":3,"granularity":"all","intervals":["2024/2025"],"aggregations":[{"type":"count","name":"n"}]}"#,
         "Invalid query", "colour"),
    ])
    func badQueriesAre400s(body: String, error: String, mentions: String) async throws {
        try await withApp { client in
            try await client.execute(uri: "/druid/v2", method: .post, body: ByteBuffer(string: body)) { response in
                #expect(response.status == .badRequest)
                #expect(response.headers[.contentType] == "application/json")
                let json = try #require(try Self.json(response.body) as? [String: Any])
                #expect(json["error"] as? String == error)
                let message = try #require(json["errorMessage"] as? String)
                #expect(message.contains(mentions), "\(message)")
                #expect(json.keys.contains("host"))
            }
            try await client.execute(uri: "/druid/v2", method: .post, body: ByteBuffer(string: Self.timeseries)) { response in
                #expect(response.status == .ok)
            }
        }
    }

    @Test func oversizedBodyIs413() async throws {
        var configuration = HTTPConfiguration()
        configuration.maxRequestBodyBytes = 1024
        try await withApp(configuration: configuration) { client in
            let padding = String(repeating: " ", count: 2048)
            try await client.execute(uri: "/druid/v2", method: .post, body: ByteBuffer(string: Self.timeseries + padding)) { response in
                #expect(response.status == .contentTooLarge)
                let json = try #require(try Self.json(response.body) as? [String: Any])
                #expect((json["errorMessage"] as? String)?.contains("1024 bytes") == true)
            }
            // At the limit is fine.
            try await client.execute(uri: "/druid/v2", method: .post, body: ByteBuffer(string: Self.timeseries)) { response in
                #expect(response.status == .ok)
            }
        }
    }

    @Test func configurationNamesTheBadKey() {
        var configuration = HTTPConfiguration()
        configuration.maxRequestBodyBytes = 0
        #expect(throws: ConfigurationError.self) { try configuration.validate() }
        do { try configuration.validate() } catch { #expect(error.message.contains("maxRequestBodyBytes")) }
    }
}
