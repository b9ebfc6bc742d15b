import Foundation
import NagareCore
import Testing
@testable import NagareStore

/// Each query type against a reference computed here from the raw events: counts and sums
/// exactly, distinct counts within HLL error.
@Suite struct QueryTests {
    static let events = Fixtures.events(count: 20_000)
    static let interval = "2024-05-01T00:00:00Z/2024-05-01T03:00:00Z"

    static let totalQuery = """
        {"queryType": "timeseries", "dataSource": "access-logs", "granularity": "all", "intervals": ["\(interval)"],
         "aggregations": [{"type": "longSum", "name": "events", "fieldName": "count"}]}
        """

    static let sampleQueries = [
        totalQuery,
        """
        {"queryType": "timeseries", "dataSource": "access-logs", "granularity": "PT5M", "intervals": ["\(interval)"],
         "aggregations": [{"type": "longSum", "name": "events", "fieldName": "count"},
                          {"type": "doubleSum", "name": "revenue", "fieldName": "revenue"},
                          {"type": "hyperUnique", "name": "users", "fieldName": "users"}]}
        """,
        """
        {"queryType": "topN", "dataSource": "access-logs", "granularity": "hour", "intervals": ["\(interval)"],
         "dimension": "country", "metric": "revenue", "threshold": 3,
         "aggregations": [{"type": "doubleSum", "name": "revenue", "fieldName": "revenue"}]}
        """,
        """
        {"queryType": "groupBy", "dataSource": "access-logs", "granularity": "all", "intervals": ["\(interval)"],
         "dimensions": ["site_name", "device"], "filter": {"type": "selector", "dimension": "country", "value": "US"},
         "aggregations": [{"type": "longSum", "name": "events", "fieldName": "count"},
                          {"type": "hyperUnique", "name": "users", "fieldName": "users"}]}
        """,
    ]

    /// One store shared by the suite's tests: they only read.
    static let fixture: (TemporaryDirectory, AnalyticsStore) = {
        let dir = TemporaryDirectory()
        let store = try! AnalyticsStore(dataDirectory: dir.path, datasources: [Fixtures.spec])
        for start in stride(from: 0, to: events.count, by: 4_000) {
            try! store.ingest(Fixtures.records(Array(events[start..<start + 4_000]), firstOffset: Int64(start)), into: "access-logs")
        }
        // A static is never deinitialized, so its directory goes when the test process exits.
        TemporaryDirectory.removeAtExit(dir.path)
        return (dir, store)
    }()
    var store: AnalyticsStore { Self.fixture.1 }

    func query(_ json: String) throws -> [[String: Any]] { try runQuery(store, json) }

    func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= 1e-6 * max(1, abs(b)) }
    /// Within four standard errors (1.6 %) of the exact count: hundreds of buckets are compared,
    /// so two or three sigma would fail by chance on some seeds.
    func withinHLL(_ estimate: Double, _ exact: Int) -> Bool { abs(estimate - Double(exact)) <= 0.065 * Double(exact) + 1 }

    // MARK: timeseries

    @Test(arguments: [("minute", Int64(60_000)), ("PT5M", 300_000), ("hour", 3_600_000),
                      ("{\"type\": \"period\", \"period\": \"PT15M\", \"timeZone\": \"UTC\"}", 900_000)])
    func timeseriesMatchesReference(granularity: String, length: Int64) throws {
        let g = granularity.hasPrefix("{") ? granularity : "\"\(granularity)\""
        let rows = try query("""
            {"queryType": "timeseries", "dataSource": "access-logs", "granularity": \(g), "intervals": ["\(Self.interval)"],
             "aggregations": [{"type": "longSum", "name": "events", "fieldName": "count"},
                              {"type": "doubleSum", "name": "revenue", "fieldName": "revenue"},
                              {"type": "hyperUnique", "name": "users", "fieldName": "users"},
                              {"type": "doubleMax", "name": "top", "fieldName": "max_revenue"}]}
            """)
        var reference: [Int64: (count: Int, revenue: Double, users: Set<String>, top: Double)] = [:]
        for e in Self.events {
            let bucket = (e.time / length) * length
            var r = reference[bucket] ?? (0, 0, [], -.infinity)
            r.count += 1; r.revenue += e.revenue; r.users.insert(e.user); r.top = max(r.top, e.revenue)
            reference[bucket] = r
        }
        #expect(rows.count == reference.count)
        for row in rows {
            let t = ISOTime.parse(row["timestamp"] as! String)!
            let result = row["result"] as! [String: Any]
            let r = try #require(reference[t])
            #expect(number(result["events"]) == Double(r.count))
            #expect(close(number(result["revenue"]), r.revenue))
            #expect(number(result["top"]) == r.top)
            #expect(withinHLL(number(result["users"]), r.users.count), "\(number(result["users"])) vs \(r.users.count)")
        }
        let times = rows.map { $0["timestamp"] as! String }
        #expect(times == times.sorted())
    }

    @Test func timeseriesAllAndCountOfRollupRows() throws {
        let rows = try query("""
            {"queryType": "timeseries", "dataSource": "access-logs", "granularity": "all", "intervals": "\(Self.interval)",
             "aggregations": [{"type": "longSum", "name": "events", "fieldName": "count"}, {"type": "count", "name": "rows"},
                              {"type": "hyperUnique", "name": "users", "fieldName": "users"}]}
            """)
        #expect(rows.count == 1)
        #expect(rows[0]["timestamp"] as? String == "2024-05-01T00:00:00.000Z")
        let result = rows[0]["result"] as! [String: Any]
        #expect(number(result["events"]) == Double(Self.events.count))
        // Druid's `count` counts rollup rows: one per (minute, site, country, device) seen.
        let keys = Set(Self.events.map { "\($0.time / 60_000)|\($0.site)|\($0.country ?? "")|\($0.device)" })
        #expect(number(result["rows"]) == Double(keys.count))
        #expect(withinHLL(number(result["users"]), Set(Self.events.map(\.user)).count))
    }

    @Test func timeseriesZeroFillsInteriorBucketsAndHonoursIntervals() throws {
        let rows = try query("""
            {"queryType": "timeseries", "dataSource": "access-logs", "granularity": "minute",
             "intervals": ["2024-05-01T00:10:00Z/2024-05-01T00:13:00Z"],
             "filter": {"type": "selector", "dimension": "site_name", "value": "nope"},
             "aggregations": [{"type": "longSum", "name": "events", "fieldName": "count"}]}
            """)
        #expect(rows.map { $0["timestamp"] as! String } == ["2024-05-01T00:10:00.000Z", "2024-05-01T00:11:00.000Z", "2024-05-01T00:12:00.000Z"])
        #expect(rows.allSatisfy { number(($0["result"] as! [String: Any])["events"]) == 0 })
        let skipped = try query("""
            {"queryType": "timeseries", "dataSource": "access-logs", "granularity": "minute", "descending": true,
             "intervals": ["2024-05-01T00:10:00Z/2024-05-01T00:13:00Z"], "context": {"skipEmptyBuckets": true},
             "filter": {"type": "selector", "dimension": "site_name", "value": "nope"},
             "aggregations": [{"type": "longSum", "name": "events", "fieldName": "count"}]}
            """)
        #expect(skipped.isEmpty)
        let descending = try query("""
            {"queryType": "timeseries", "dataSource": "access-logs", "granularity": "minute", "descending": "true",
             "intervals": ["2024-05-01T00:10:00Z/2024-05-01T00:13:00Z"],
             "aggregations": [{"type": "longSum", "name": "events", "fieldName": "count"}]}
            """)
        #expect(descending.map { $0["timestamp"] as! String }.first == "2024-05-01T00:12:00.000Z")
        let expected = Self.events.filter { $0.time >= Fixtures.day + 600_000 && $0.time < Fixtures.day + 780_000 }.count
        #expect(descending.map { number(($0["result"] as! [String: Any])["events"]) }.reduce(0, +) == Double(expected))
    }

    // MARK: topN

    @Test func topNMatchesReference() throws {
        let rows = try query("""
            {"queryType": "topN", "dataSource": "access-logs", "granularity": "all", "intervals": ["\(Self.interval)"],
             "dimension": {"type": "default", "dimension": "country", "outputName": "c"}, "metric": "events", "threshold": 4,
             "aggregations": [{"type": "longSum", "name": "events", "fieldName": "count"},
                              {"type": "doubleSum", "name": "revenue", "fieldName": "revenue"}],
             "postAggregations": [{"type": "arithmetic", "name": "per_event", "fn": "/",
                                   "fields": [{"type": "fieldAccess", "fieldName": "revenue"}, {"type": "fieldAccess", "fieldName": "events"}]}]}
            """)
        #expect(rows.count == 1)
        let result = rows[0]["result"] as! [[String: Any]]
        var counts: [String: (Int, Double)] = [:]
        for e in Self.events { let k = e.country ?? "∅"; counts[k, default: (0, 0)].0 += 1; counts[k, default: (0, 0)].1 += e.revenue }
        let expected = counts.sorted { $0.value.0 > $1.value.0 }.prefix(4)
        #expect(result.count == 4)
        for (row, (country, value)) in zip(result, expected) {
            #expect((row["c"] as? String ?? "∅") == country)
            #expect(number(row["events"]) == Double(value.0))
            #expect(close(number(row["revenue"]), value.1))
            #expect(close(number(row["per_event"]), value.1 / Double(value.0)))
        }
    }

    @Test func topNPerBucketInvertedAndByDimension() throws {
        let rows = try query("""
            {"queryType": "topN", "dataSource": "access-logs", "granularity": "hour", "intervals": ["\(Self.interval)"],
             "dimension": "site_name", "metric": {"type": "inverted", "metric": "events"}, "threshold": 2,
             "aggregations": [{"type": "longSum", "name": "events", "fieldName": "count"}]}
            """)
        #expect(rows.count == 3)
        for (h, row) in rows.enumerated() {
            let start = Fixtures.day + Int64(h) * 3_600_000
            var counts: [String: Int] = [:]
            for e in Self.events where e.time >= start && e.time < start + 3_600_000 { counts[e.site, default: 0] += 1 }
            let expected = counts.sorted { $0.value < $1.value }.prefix(2).map(\.value)
            #expect((row["result"] as! [[String: Any]]).map { Int(number($0["events"])) } == expected)
        }
        let lexical = try query("""
            {"queryType": "topN", "dataSource": "access-logs", "granularity": "all", "intervals": ["\(Self.interval)"],
             "dimension": "site_name", "metric": {"type": "dimension"}, "threshold": 10,
             "aggregations": [{"type": "count", "name": "rows"}]}
            """)
        // UTF-8 byte order: upper case before lower case.
        #expect((lexical[0]["result"] as! [[String: Any]]).map { $0["site_name"] as! String }
                == ["Delta.example", "alpha.example", "beta.example", "gamma.example"])
    }

    // MARK: groupBy

    @Test func groupByWithFilterMatchesReference() throws {
        let rows = try query(Self.sampleQueries[3])
        var reference: [String: (Int, Set<String>)] = [:]
        for e in Self.events where e.country == "US" {
            reference["\(e.site)|\(e.device)", default: (0, [])].0 += 1
            reference["\(e.site)|\(e.device)", default: (0, [])].1.insert(e.user)
        }
        #expect(rows.count == reference.count)
        var previous = ""
        for row in rows {
            #expect(row["version"] as? String == "v1")
            let event = row["event"] as! [String: Any]
            let key = "\(event["site_name"] as! String)|\(event["device"] as! String)"
            #expect(previous < key)  // default order: by dimension values
            previous = key
            let r = try #require(reference[key])
            #expect(number(event["events"]) == Double(r.0))
            #expect(withinHLL(number(event["users"]), r.1.count))
        }
    }

    @Test func groupByHavingAndLimitSpec() throws {
        let rows = try query("""
            {"queryType": "groupBy", "dataSource": "access-logs", "granularity": "all", "intervals": ["\(Self.interval)"],
             "dimensions": ["country", "device"],
             "aggregations": [{"type": "longSum", "name": "events", "fieldName": "count"}],
             "having": {"type": "and", "havingSpecs": [{"type": "greaterThan", "aggregation": "events", "value": 1000},
                                                      {"type": "not", "havingSpec": {"type": "dimSelector", "dimension": "device", "value": "tablet"}}]},
             "limitSpec": {"type": "default", "limit": 3, "columns": [{"dimension": "events", "direction": "descending"}]}}
            """)
        var counts: [String: Int] = [:]
        for e in Self.events where e.device != "tablet" { counts["\(e.country ?? "")|\(e.device)", default: 0] += 1 }
        let expected = counts.filter { $0.value > 1000 }.map(\.value).sorted(by: >).prefix(3)
        #expect(rows.map { Int(number(($0["event"] as! [String: Any])["events"])) } == Array(expected))
        let offset = try query("""
            {"queryType": "groupBy", "dataSource": "access-logs", "granularity": "hour", "intervals": ["\(Self.interval)"],
             "dimensions": ["device"], "aggregations": [{"type": "count", "name": "rows"}],
             "limitSpec": {"type": "default", "limit": 2, "offset": 1, "columns": ["device"]}}
            """)
        // The limit applies after ordering by timestamp first: two rows of the first hour.
        #expect(offset.map { ($0["event"] as! [String: Any])["device"] as! String } == ["mobile", "tablet"])
        #expect(offset.allSatisfy { $0["timestamp"] as? String == "2024-05-01T00:00:00.000Z" })
    }

    // MARK: filters

    func filteredCount(_ filter: String) throws -> Int {
        let rows = try query("""
            {"queryType": "timeseries", "dataSource": "access-logs", "granularity": "all", "intervals": ["\(Self.interval)"],
             "filter": \(filter), "aggregations": [{"type": "longSum", "name": "events", "fieldName": "count"}]}
            """)
        return rows.isEmpty ? 0 : Int(number((rows[0]["result"] as! [String: Any])["events"]))
    }

    @Test func filtersOfEveryKind() throws {
        let e = Self.events
        func expect(_ filter: String, _ predicate: (TestEvent) -> Bool, sourceLocation: SourceLocation = #_sourceLocation) throws {
            #expect(try filteredCount(filter) == e.filter(predicate).count, "\(filter)", sourceLocation: sourceLocation)
        }
        try expect(#"{"type": "selector", "dimension": "country", "value": "DE"}"#) { $0.country == "DE" }
        try expect(#"{"type": "selector", "dimension": "country", "value": null}"#) { $0.country == nil }
        try expect(#"{"type": "in", "dimension": "country", "values": ["DE", "JP", "XX"]}"#) { ["DE", "JP"].contains($0.country) }
        try expect(#"{"type": "bound", "dimension": "country", "lower": "DE", "upper": "JP", "upperStrict": true}"#) {
            guard let c = $0.country else { return false }
            return c >= "DE" && c < "JP"
        }
        try expect(#"{"type": "bound", "dimension": "site_name", "lower": "beta", "ordering": "lexicographic"}"#) { $0.site >= "beta" }
        try expect(#"{"type": "regex", "dimension": "site_name", "pattern": "^(alpha|gamma)\\."}"#) { $0.site.hasPrefix("alpha") || $0.site.hasPrefix("gamma") }
        try expect(#"{"type": "search", "dimension": "site_name", "query": {"type": "contains", "value": "DELTA"}}"#) { $0.site == "Delta.example" }
        try expect(#"{"type": "search", "dimension": "site_name", "query": {"type": "contains", "value": "delta", "caseSensitive": true}}"#) { _ in false }
        try expect(#"{"type": "search", "dimension": "site_name", "query": {"type": "insensitive_contains", "value": "ETA"}}"#) { $0.site.lowercased().contains("eta") }
        try expect(#"{"type": "and", "fields": [{"type": "selector", "dimension": "device", "value": "mobile"}, {"type": "not", "field": {"type": "selector", "dimension": "country", "value": "US"}}]}"#) {
            $0.device == "mobile" && $0.country != "US"
        }
        try expect(#"{"type": "or", "fields": [{"type": "selector", "dimension": "device", "value": "tablet"}, {"type": "in", "dimension": "country", "values": ["BR"]}]}"#) {
            $0.device == "tablet" || $0.country == "BR"
        }
    }

    @Test func numericBoundFilter() throws {
        let dir = TemporaryDirectory()
        var spec = Fixtures.spec
        spec.dimensions = ["status"]
        let store = try AnalyticsStore(dataDirectory: dir.path, datasources: [spec])
        let statuses = [200, 204, 301, 404, 500, 503, 99]
        let records = statuses.enumerated().map { i, s in
            Fixtures.record("{\"timestamp\": \"2024-05-01T00:00:00Z\", \"status\": \(s)}", offset: Int64(i))
        }
        try store.ingest(records, into: "access-logs")
        let rows = try runQuery(store, """
            {"queryType": "groupBy", "dataSource": "access-logs", "granularity": "all", "intervals": ["2024/2025"],
             "dimensions": ["status"], "filter": {"type": "bound", "dimension": "status", "lower": "100", "upper": 500, "ordering": "numeric"},
             "aggregations": [{"type": "count", "name": "n"}],
             "limitSpec": {"type": "default", "columns": [{"dimension": "status", "dimensionOrder": "numeric", "direction": "descending"}]}}
            """)
        #expect(rows.map { ($0["event"] as! [String: Any])["status"] as! String } == ["500", "404", "301", "204", "200"])
    }

    // MARK: post-aggregations and other aggregators

    @Test func postAggregationsAndAggregatorTypes() throws {
        let rows = try query("""
            {"queryType": "timeseries", "dataSource": "access-logs", "granularity": "all", "intervals": ["\(Self.interval)"],
             "aggregations": [{"type": "longSum", "name": "events", "fieldName": "count"},
                              {"type": "doubleSum", "name": "revenue", "fieldName": "revenue"},
                              {"type": "hyperUnique", "name": "users", "fieldName": "users"},
                              {"type": "cardinality", "name": "sites", "fields": ["site_name"], "round": true},
                              {"type": "cardinality", "name": "combos", "fields": ["site_name", "device"], "byRow": true},
                              {"type": "filtered", "name": "us_events", "filter": {"type": "selector", "dimension": "country", "value": "US"},
                               "aggregator": {"type": "longSum", "name": "x", "fieldName": "count"}},
                              {"type": "longSum", "name": "zero", "fieldName": "count"}],
             "postAggregations": [
                {"type": "arithmetic", "name": "avg", "fn": "/", "fields": [{"type": "fieldAccess", "fieldName": "revenue"}, {"type": "fieldAccess", "fieldName": "events"}]},
                {"type": "arithmetic", "name": "pct_us", "fn": "*", "fields": [
                    {"type": "arithmetic", "fn": "/", "fields": [{"type": "fieldAccess", "fieldName": "us_events"}, {"type": "fieldAccess", "fieldName": "events"}]},
                    {"type": "constant", "value": 100}]},
                {"type": "arithmetic", "name": "div0", "fn": "/", "fields": [{"type": "fieldAccess", "fieldName": "events"}, {"type": "constant", "value": 0}]},
                {"type": "arithmetic", "name": "sum", "fn": "+", "fields": [{"type": "fieldAccess", "fieldName": "events"}, {"type": "fieldAccess", "fieldName": "avg"}]},
                {"type": "arithmetic", "name": "per_user", "fn": "/", "fields": [{"type": "fieldAccess", "fieldName": "revenue"}, {"type": "hyperUniqueCardinality", "fieldName": "users"}]}]}
            """)
        let r = rows[0]["result"] as! [String: Any]
        let count = Double(Self.events.count)
        let revenue = Self.events.map(\.revenue).reduce(0, +)
        let us = Double(Self.events.filter { $0.country == "US" }.count)
        #expect(number(r["us_events"]) == us)
        #expect(close(number(r["avg"]), revenue / count))
        #expect(close(number(r["pct_us"]), us / count * 100))
        #expect(number(r["div0"]) == 0)
        #expect(close(number(r["sum"]), count + revenue / count))
        #expect(close(number(r["per_user"]), revenue / number(r["users"])))
        #expect(number(r["sites"]) == 4)
        #expect(withinHLL(number(r["combos"]), 12))
    }

    // MARK: errors

    func errorMessage(_ json: String) -> (StoreError.Code, String) {
        do {
            _ = try store.query(json)
            return (.io, "no error")
        } catch {
            return (error.code, error.message)
        }
    }

    @Test func badQueriesNameTheField() {
        let base = #""dataSource": "access-logs", "intervals": ["2024-05-01/2024-05-02"], "granularity": "all""#
        let cases: [(String, StoreError.Code, String)] = [
            ("{", .invalidQuery, "the query is not valid JSON"),
            ("[1]", .invalidQuery, "the query must be a JSON object"),
            (#"{"queryType": "timeseries", "dataSource": "nope", "intervals": ["2024/2025"]}"#, .unknownDatasource, "dataSource: unknown datasource 'nope'"),
            (#"{"queryType": "scan", \#(base)}"#, .unsupportedQuery, "queryType: unsupported query type 'scan'"),
            (#"{"queryType": "timeseries", \#(base), "filter": {"type": "selector", "dimension": "cuntry", "value": "US"}}"#,
             .invalidQuery, "filter.dimension: unknown dimension 'cuntry'"),
            (#"{"queryType": "timeseries", \#(base), "filter": {"type": "and", "fields": [{"type": "in", "dimension": "country", "values": "US"}]}}"#,
             .invalidQuery, "filter.fields[0].values: expected an array"),
            (#"{"queryType": "timeseries", \#(base), "aggregations": [{"type": "longSum", "name": "x", "fieldName": "revenu"}]}"#,
             .invalidQuery, "aggregations[0].fieldName: unknown metric 'revenu'"),
            (#"{"queryType": "timeseries", \#(base), "aggregations": [{"type": "longSum", "name": "x", "fieldName": "country"}]}"#,
             .invalidQuery, "aggregations[0].fieldName: unknown metric 'country' ('country' is a dimension"),
            (#"{"queryType": "timeseries", "dataSource": "access-logs", "intervals": ["2024-05-01/yesterday"]}"#,
             .invalidQuery, "intervals[0]: '2024-05-01/yesterday' is not an ISO interval"),
            (#"{"queryType": "timeseries", "dataSource": "access-logs", "granularity": "fortnight", "intervals": ["2024/2025"]}"#,
             .invalidQuery, "granularity: unknown granularity 'fortnight'"),
            (#"{"queryType": "timeseries", "dataSource": "access-logs", "granularity": "PT30S", "intervals": ["2024/2025"]}"#,
             .invalidQuery, "granularity: buckets must be whole multiples"),
            (#"{"queryType": "timeseries", "dataSource": "access-logs", "granularity": {"type": "period", "period": "P1D", "timeZone": "Asia/Tokyo"}, "intervals": ["2024/2025"]}"#,
             .unsupportedQuery, "granularity.timeZone: only UTC is supported"),
            (#"{"queryType": "topN", \#(base), "dimension": "country", "threshold": 5, "metric": "rev", "aggregations": [{"type": "count", "name": "n"}]}"#,
             .invalidQuery, "metric: unknown metric 'rev'"),
            (#"{"queryType": "topN", \#(base), "dimension": "country", "metric": "n", "aggregations": [{"type": "count", "name": "n"}]}"#,
             .invalidQuery, "threshold: required field is missing"),
            (#"{"queryType": "groupBy", \#(base), "dimensions": ["country"], "aggregations": [{"type": "count", "name": "n"}], "having": {"type": "greaterThan", "aggregation": "m", "value": 1}}"#,
             .invalidQuery, "having.aggregation: unknown aggregation 'm'"),
            (#"{"queryType": "groupBy", \#(base), "dimensions": ["country"], "aggregations": [{"type": "count", "name": "n"}], "limitSpec": {"type": "default", "columns": ["zz"]}}"#,
             .invalidQuery, "limitSpec.columns[0]: 'zz' is neither"),
            (#"{"queryType": "timeseries", \#(base), "aggregations": [{"type": "count", "name": "n"}], "postAggregations": [{"type": "arithmetic", "name": "p", "fn": "%", "fields": [{"type": "constant", "value": 1}]}]}"#,
             .invalidQuery, "postAggregations[0].fn: unknown function '%'"),
            (#"{"queryType": "timeseries", \#(base), "aggregations": [{"type": "count", "name": "n"}], "postAggregations": [{"type": "fieldAccess", "name": "p", "fieldName": "q"}]}"#,
             .invalidQuery, "postAggregations[0].fieldName: unknown aggregator or post-aggregator 'q'"),
            (#"{"queryType": "timeseries", \#(base), "filter": {"type": "regex", "dimension": "country", "pattern": "("}}"#,
             .invalidQuery, "filter.pattern: '(' is not a valid regular expression"),
        ]
        for (json, code, prefix) in cases {
            let (gotCode, message) = errorMessage(json)
            #expect(gotCode == code, "\(json)")
            #expect(message.hasPrefix(prefix), "\(message)")
        }
    }

    @Test func describeAndTimeBoundary() throws {
        #expect(store.datasources() == ["access-logs"])
        let d = try store.describe("access-logs")
        #expect(d.dimensions == ["site_name", "country", "device"])
        #expect(d.metrics == ["count", "revenue", "users", "max_revenue"])
        #expect(String(decoding: d.json(), as: UTF8.self)
                == #"{"dimensions":["site_name","country","device"],"metrics":["count","revenue","users","max_revenue"]}"#)
        let rows = try query(#"{"queryType": "timeBoundary", "dataSource": "access-logs"}"#)
        let result = rows[0]["result"] as! [String: Any]
        let minTime = Self.events.map(\.time).min()!
        #expect(result["minTime"] as? String == ISOTime.format(minTime / 60_000 * 60_000))
    }
}
