import NagareEngine
import Testing

@Suite struct EnricherTests {
    static let sites = "site_id,site_name,category,account\ns1,\"Goal, Line\",football,acct-1\ns2,Deuce,tennis,acct-2\n"
    static let geo = "start,end,country\n192.0.2.0,192.0.2.255,FR\n203.0.113.0,203.0.113.127,GB\n"
    static let rules = "device:\n  - contains: [iPhone]\n    value: mobile\nbrowser:\n  - contains: [Firefox/]\n    value: Firefox\n"

    func makeEnricher(_ fs: TestFileSystem) throws -> Enricher {
        try Enricher(
            EnrichDefinition(
                lookups: [.init(table: "sites.csv", keyField: "site_id")], ipRanges: [.init(table: "geo.csv", field: "ip")],
                userAgents: [.init(rules: "ua.yml", field: "ua")]),
            fileSystem: fs, checkInterval: .seconds(5), now: .zero, resolve: { $0 })
    }

    @Test func addsDimensionsAndUnknownForMisses() throws {
        let fs = TestFileSystem(["sites.csv": Self.sites, "geo.csv": Self.geo, "ua.yml": Self.rules])
        let enricher = try makeEnricher(fs)
        var known = Fixtures.event(#"{"site_id":"s1","ip":"203.0.113.9","ua":"Mozilla/5.0 (iPhone) Firefox/1"}"#)
        enricher.enrich(&known)
        #expect(known["site_name"] == .string("Goal, Line"))
        #expect(known["category"] == .string("football") && known["account"] == .string("acct-1"))
        #expect(known["country"] == .string("GB"))
        #expect(known["device"] == .string("mobile") && known["browser"] == .string("Firefox"))
        var unknown = Fixtures.event(#"{"site_id":"s99","ip":"203.0.113.200","ua":"curl/8"}"#)
        enricher.enrich(&unknown)
        for field in ["site_name", "category", "account", "country", "device", "browser"] {
            #expect(unknown[field] == .string("unknown"), "\(field)")
        }
        var missing = Fixtures.event(#"{"ip":"not an address"}"#)
        enricher.enrich(&missing)
        #expect(missing["site_name"] == .string("unknown") && missing["country"] == .string("unknown"))
    }

    /// The address is parsed from the input's bytes when it came without escapes, else from its
    /// decoded text; either way the same addresses match.
    @Test func addressesMatchWithOrWithoutEscapes() throws {
        let fs = TestFileSystem(["sites.csv": Self.sites, "geo.csv": Self.geo, "ua.yml": Self.rules])
        let enricher = try makeEnricher(fs)
        for input in [#"{"ip":"203.0.113.9"}"#, #"{"ip":"203.0.113.\u0039"}"#, #"{"ip":"192.0.2.255"}"#] {
            var event = try JSONScanner.parseEvent(input)
            enricher.enrich(&event)
            #expect(event["country"] == .string(input.contains("192") ? "FR" : "GB"), "\(input)")
        }
        for input in [
            #"{"ip":203}"#, #"{"ip":"203.0.113.9 "}"#, #"{"ip":"203.0.113.1000"}"#, #"{"ip":"203.0.113.128"}"#,
        ] {
            var event = try JSONScanner.parseEvent(input)
            enricher.enrich(&event)
            #expect(event["country"] == .string("unknown"), "\(input)")
        }
    }

    /// User agents are cached by their bytes: the same agent with or without escapes, repeated,
    /// empty, or only differing in length classifies the same each time.
    @Test func userAgentsClassifyTheSameWhetherCachedOrEscaped() throws {
        let fs = TestFileSystem(["sites.csv": Self.sites, "geo.csv": Self.geo, "ua.yml": Self.rules])
        let enricher = try makeEnricher(fs)
        let cases: [(String, String, String)] = [
            (#"{"ua":"Mozilla/5.0 (iPhone) Firefox/1"}"#, "mobile", "Firefox"),
            (#"{"ua":"Mozilla\/5.0 (iPhone) Firefox\/1"}"#, "mobile", "Firefox"),
            (#"{"ua":"Mozilla/5.0 (iPhone) Firefox/1"}"#, "mobile", "Firefox"),
            (#"{"ua":"Mozilla/5.0 (iPhone) Firefox/"}"#, "mobile", "Firefox"),
            (#"{"ua":"Mozilla/5.0 (iPhone) Firefox"}"#, "mobile", "unknown"),
            (#"{"ua":""}"#, "unknown", "unknown"),
            (#"{"ua":""}"#, "unknown", "unknown"),
            (#"{"ua":"\u0069Phone"}"#, "mobile", "unknown"),
            (#"{"ua":"iPhone"}"#, "mobile", "unknown"),
            (#"{"ua":"\u0069Phone"}"#, "mobile", "unknown"),
        ]
        for _ in 0..<2 {
            for (input, device, browser) in cases {
                var event = try JSONScanner.parseEvent(input)
                enricher.enrich(&event)
                #expect(event["device"] == .string(device) && event["browser"] == .string(browser), "\(input)")
            }
        }
    }

    /// A task's `Local` enriches as the enricher does, keeps the tables it took until it is
    /// refreshed (a batch sees one version), and takes reloaded rules with an emptied cache.
    @Test func aLocalSeesReloadedTablesOnlyAfterItsRefresh() throws {
        let fs = TestFileSystem(["sites.csv": Self.sites, "geo.csv": Self.geo, "ua.yml": Self.rules])
        let enricher = try makeEnricher(fs)
        var local = enricher.makeLocal()
        let input = #"{"site_id":"s3","ip":"203.0.113.9","ua":"Mozilla/5.0 (iPhone) Firefox/1"}"#
        var byLocal = Fixtures.event(input)
        var byEnricher = Fixtures.event(input)
        local.enrich(&byLocal)
        enricher.enrich(&byEnricher)
        #expect(byLocal == byEnricher)
        #expect(byLocal["site_name"] == .string("unknown") && byLocal["device"] == .string("mobile"))

        fs.write("sites.csv", Self.sites + "s3,Breakaway,cycling,acct-3\n")
        fs.write("ua.yml", "device:\n  - contains: [iPhone]\n    value: phone\nbrowser:\n  - contains: [Firefox/]\n    value: Firefox\n")
        #expect(enricher.refreshTables(now: .seconds(5)).isEmpty)
        var stale = Fixtures.event(input)
        local.enrich(&stale)
        #expect(stale["site_name"] == .string("unknown") && stale["device"] == .string("mobile"))
        local.refresh(from: enricher)
        var fresh = Fixtures.event(input)
        local.enrich(&fresh)
        #expect(fresh["site_name"] == .string("Breakaway") && fresh["device"] == .string("phone"))
    }

    @Test func reloadsTablesWhenTheFileChangesAfterTheCheckInterval() throws {
        let fs = TestFileSystem(["sites.csv": Self.sites, "geo.csv": Self.geo, "ua.yml": Self.rules])
        let enricher = try makeEnricher(fs)
        fs.write("sites.csv", Self.sites + "s3,Breakaway,cycling,acct-3\n")
        fs.write("geo.csv", Self.geo + "198.51.100.0,198.51.100.255,JP\n")
        #expect(enricher.refreshTables(now: .seconds(4)).isEmpty)
        var event = Fixtures.event(#"{"site_id":"s3","ip":"198.51.100.7"}"#)
        enricher.enrich(&event)
        #expect(event["site_name"] == .string("unknown"))  // not checked yet
        #expect(enricher.refreshTables(now: .seconds(5)).isEmpty)
        event = Fixtures.event(#"{"site_id":"s3","ip":"198.51.100.7"}"#)
        enricher.enrich(&event)
        #expect(event["site_name"] == .string("Breakaway") && event["country"] == .string("JP"))

        // A broken file keeps the previous table and reports why.
        fs.write("sites.csv", "site_id,site_name\ns1\n")
        let errors = enricher.refreshTables(now: .seconds(10))
        #expect(errors.count == 1 && errors[0].contains("sites.csv:2"))
        enricher.enrich(&event)
        #expect(event["site_name"] == .string("Breakaway"))
    }

    @Test func theExampleTablesLoad() throws {
        let definition = try PipelineDefinition.load(path: Fixtures.exampleDirectory + "/pipeline.yml")
        let pipeline = try Pipeline(definition)
        let enricher = try #require(pipeline.enrichers.first)
        var event = try JSONScanner.parseEvent(JSONScannerTests.example)
        enricher.enrich(&event)
        #expect(event["site_name"] == .string("Tie Break") && event["account"] == .string("acct-104"))
        #expect(event["country"] == .string("GB"))
        #expect(event["device"] == .string("mobile") && event["os"] == .string("iOS"))
        #expect(enricher.lookups[0].table.table.count == 20)
    }

    @Test func tablesRejectBadFiles() {
        #expect(throws: EngineError.self) {
            try IPv4RangeTable(csv: CSVTable.parse("start,end,c\n10.0.0.0,10.0.0.255,A\n10.0.0.128,10.0.1.0,B\n", file: "g.csv"), file: "g.csv", fields: nil)
        }
        #expect(throws: EngineError.self) {
            try KeyedTable(csv: CSVTable.parse("k,v\na,1\na,2\n", file: "s.csv"), file: "s.csv", keyColumn: nil, fields: nil)
        }
        #expect(IPv4RangeTable.parseAddress("256.0.0.1") == nil && IPv4RangeTable.parseAddress("1.2.3") == nil)
        #expect(IPv4RangeTable.parseAddress("203.0.113.9") == 0xCB00_7109)
    }
}
