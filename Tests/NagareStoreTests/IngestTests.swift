import Foundation
import NagareCore
import Testing
@testable import NagareStore

@Suite struct IngestTests {
    let tp = TopicPartition("events.enriched", 0)

    @Test func rollsUpEventsIntoOneRowPerMinuteAndDimensions() throws {
        let dir = TemporaryDirectory()
        let store = try AnalyticsStore(dataDirectory: dir.path, datasources: [Fixtures.spec])
        let t = Fixtures.day
        let events = [
            TestEvent(time: t + 1_000, site: "a", country: "US", device: "m", revenue: 1.5, user: "u1"),
            TestEvent(time: t + 59_999, site: "a", country: "US", device: "m", revenue: 2.5, user: "u2"),
            TestEvent(time: t + 60_000, site: "a", country: "US", device: "m", revenue: 1, user: "u1"),
            TestEvent(time: t + 2_000, site: "a", country: nil, device: "m", revenue: 4, user: "u1"),
        ]
        let result = try store.ingest(Fixtures.records(events), into: "access-logs")
        #expect(result.accepted == 4)
        #expect(result.rowsWritten == 3)
        #expect(result.committedOffsets == [tp: Offset(4)])
        let snapshot = try store.source("access-logs").snapshot()
        #expect(snapshot.segments.count == 1)
        let segment = snapshot.segments[0]
        #expect(segment.rowCount == 3)
        let us = snapshot.dictionaries[1].id(of: "US")!
        let row = (0..<3).first { segment.times[$0] == t && segment.dimensions[1][$0] == us }!
        #expect(segment.longs[0][row] == 2)
        #expect(segment.doubles[0][row] == 4.0)
        #expect(segment.doubles[1][row] == 2.5)
        #expect(segment.sketches[0].sketch(row: row).estimate().rounded() == 2)
        let nullRow = (0..<3).first { segment.dimensions[1][$0] == 0 }!
        #expect(segment.longs[0][nullRow] == 1)
    }

    @Test func malformedRecordsAreCountedNotFatal() throws {
        let dir = TemporaryDirectory()
        let store = try AnalyticsStore(dataDirectory: dir.path, datasources: [Fixtures.spec])
        let records = [
            Fixtures.record("{\"timestamp\": \"2024-05-01T00:00:01Z\", \"site_name\": \"a\"}", offset: 0),
            Fixtures.record("not json", offset: 1),
            Fixtures.record("[1, 2]", offset: 2),
            Fixtures.record("{\"site_name\": \"a\"}", offset: 3),
            Fixtures.record("{\"timestamp\": \"yesterday\"}", offset: 4),
            Fixtures.record("{\"timestamp\": \"2024-05-01T00:00:02.5+02:00\", \"revenue\": \"2.5\"}", offset: 5),
        ]
        let result = try store.ingest(records, into: "access-logs")
        #expect(result.accepted == 2)
        #expect(result.malformed == 4)
        #expect(result.malformedSamples.map(\.offset) == [1, 2, 3, 4])
        #expect(result.malformedSamples[3].reason.contains("not an ISO 8601 time"))
        #expect(try store.storedOffsets(for: "access-logs") == [tp: Offset(6)])
    }

    @Test func lateEventsUpdateTheirOldBucket() throws {
        let dir = TemporaryDirectory()
        let store = try AnalyticsStore(dataDirectory: dir.path, datasources: [Fixtures.spec])
        let early = TestEvent(time: Fixtures.day + 5_000, site: "a", country: "US", device: "m", revenue: 1, user: "u1")
        let later = TestEvent(time: Fixtures.day + 7_200_000, site: "a", country: "US", device: "m", revenue: 1, user: "u2")
        try store.ingest(Fixtures.records([early, later]), into: "access-logs")
        var late = early
        late.revenue = 10
        late.user = "u3"
        try store.ingest(Fixtures.records([late], firstOffset: 2), into: "access-logs")
        let json = """
            {"queryType": "timeseries", "dataSource": "access-logs", "granularity": "minute",
             "intervals": ["2024-05-01T00:00:00Z/2024-05-01T00:01:00Z"],
             "aggregations": [{"type": "longSum", "name": "events", "fieldName": "count"},
                              {"type": "count", "name": "rows"},
                              {"type": "doubleSum", "name": "revenue", "fieldName": "revenue"},
                              {"type": "hyperUnique", "name": "users", "fieldName": "users", "round": true}]}
            """
        let rows = try runQuery(store, json)
        #expect(rows.count == 1)
        let result = rows[0]["result"] as! [String: Any]
        #expect(number(result["events"]) == 2)
        #expect(number(result["rows"]) == 1)
        #expect(number(result["revenue"]) == 11)
        #expect(number(result["users"]) == 2)
        // And it survives a reopen.
        let reopened = try AnalyticsStore(dataDirectory: dir.path, datasources: [Fixtures.spec])
        #expect(try reopened.query(json) == store.query(json))
    }

    @Test func reopeningGivesIdenticalAnswers() throws {
        let dir = TemporaryDirectory()
        let events = Fixtures.events(count: 5_000)
        let queries = QueryTests.sampleQueries
        var before: [[UInt8]] = []
        do {
            let store = try AnalyticsStore(dataDirectory: dir.path, datasources: [Fixtures.spec])
            for (i, chunk) in stride(from: 0, to: events.count, by: 700).enumerated() {
                let slice = Array(events[chunk..<min(chunk + 700, events.count)])
                try store.ingest(Fixtures.records(slice, partition: Int32(i % 2), firstOffset: Int64(chunk)), into: "access-logs")
            }
            before = try queries.map { try store.query($0) }
        }
        let reopened = try AnalyticsStore(dataDirectory: dir.path, datasources: [Fixtures.spec])
        let after = try queries.map { try reopened.query($0) }
        #expect(before == after)
        #expect(try reopened.storedOffsets(for: "access-logs") == [
            TopicPartition("events.enriched", 0): Offset(4_900),
            TopicPartition("events.enriched", 1): Offset(5_000),
        ])
        // Ingesting more after a reopen merges into the loaded rows (the row locators are rebuilt).
        try reopened.ingest(Fixtures.records(Array(events.prefix(100)), firstOffset: 5_000), into: "access-logs")
        let counts = try runQuery(reopened, QueryTests.totalQuery)
        #expect(number((counts[0]["result"] as! [String: Any])["events"]) == 5_100)
    }

    struct InjectedFailure: Error {}

    @Test(arguments: [RollupDatabase.CommitPhase.afterRows, .afterOffsets])
    func aFailedCommitKeepsNothingOfItsBatch(phase: RollupDatabase.CommitPhase) throws {
        let dir = TemporaryDirectory()
        let events = Fixtures.events(count: 3_000, seed: 7)
        let first = Array(events[0..<1_000]), second = Array(events[1_000..<2_000]), third = Array(events[2_000...])
        let store = try AnalyticsStore(dataDirectory: dir.path, datasources: [Fixtures.spec])
        try store.ingest(Fixtures.records(first), into: "access-logs")
        let afterFirst = try QueryTests.sampleQueries.map { try store.query($0) }

        // The second batch fails inside its transaction, as a crash would leave it.
        try store.source("access-logs").fault.withLock { $0 = { if $0 == phase { throw InjectedFailure() } } }
        #expect(throws: StoreError.self) {
            try store.ingest(Fixtures.records(second, firstOffset: 1_000), into: "access-logs")
        }
        // Memory and disk both still hold exactly the first batch.
        #expect(try QueryTests.sampleQueries.map { try store.query($0) } == afterFirst)
        let reopened = try AnalyticsStore(dataDirectory: dir.path, datasources: [Fixtures.spec])
        #expect(try QueryTests.sampleQueries.map { try reopened.query($0) } == afterFirst)
        #expect(try reopened.storedOffsets(for: "access-logs") == [tp: Offset(1_000)])

        // Retrying from the stored offsets counts every event exactly once.
        try store.source("access-logs").fault.withLock { $0 = nil }
        try store.ingest(Fixtures.records(second, firstOffset: 1_000), into: "access-logs")
        try store.ingest(Fixtures.records(third, firstOffset: 2_000), into: "access-logs")
        let referenceDir = TemporaryDirectory()
        let reference = try AnalyticsStore(dataDirectory: referenceDir.path, datasources: [Fixtures.spec])
        try reference.ingest(Fixtures.records(events), into: "access-logs")
        // Other batch boundaries add the same doubles in another order: compare numbers closely.
        for q in QueryTests.sampleQueries {
            #expect(try sameAnswers(store.query(q), reference.query(q)), "\(q)")
        }
        let total = try runQuery(store, QueryTests.totalQuery)
        #expect(number((total[0]["result"] as! [String: Any])["events"]) == 3_000)
    }

    @Test func explicitNextOffsetsAreStored() throws {
        let dir = TemporaryDirectory()
        let store = try AnalyticsStore(dataDirectory: dir.path, datasources: [Fixtures.spec])
        let records = Fixtures.records(Fixtures.events(count: 3))
        // Offset 3 was a transaction marker the consumer never returned.
        try store.ingest(records, into: "access-logs", nextOffsets: [tp: Offset(4)])
        #expect(try store.storedOffsets(for: "access-logs") == [tp: Offset(4)])
        try store.ingest([], into: "access-logs", nextOffsets: [TopicPartition("events.enriched", 1): Offset(9)])
        #expect(try store.storedOffsets(for: "access-logs").count == 2)
    }

    @Test func changedSpecIsRefused() throws {
        let dir = TemporaryDirectory()
        _ = try AnalyticsStore(dataDirectory: dir.path, datasources: [Fixtures.spec])
        var changed = Fixtures.spec
        changed.dimensions.append("browser")
        #expect {
            _ = try AnalyticsStore(dataDirectory: dir.path, datasources: [changed])
        } throws: { ($0 as? StoreError)?.code == .schemaMismatch }
    }
}
