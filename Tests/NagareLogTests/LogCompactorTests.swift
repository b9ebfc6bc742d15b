import NagareCore
import NagareWire
import Testing
@testable import NagareLog

@Suite("Log compaction")
struct LogCompactorTests {
    static func entry(_ key: String?, _ value: String?, _ t: Int64) -> (key: [UInt8]?, value: [UInt8]?, headers: [RecordHeader], timestampMilliseconds: Int64) {
        (key.map { Array($0.utf8) }, value.map { Array($0.utf8) }, [], t)
    }

    @Test func keepsTheLatestValuePerKeyAndPreservesOffsets() throws {
        let fixture = LogFixture { $0.segmentBytesMax = 700; $0.cleanupPolicy = .compact; $0.indexIntervalBytes = 100 }
        let log = try fixture.open()
        let now = fixture.clock.now
        var appended: [Int64: (key: String, value: String?)] = [:]
        var next: Int64 = 0
        for round in 0..<40 {
            let entries = (0..<3).map { i -> (key: [UInt8]?, value: [UInt8]?, headers: [RecordHeader], timestampMilliseconds: Int64) in
                let key = "k\((round * 3 + i) % 5)"
                let value: String? = (key == "k1" && round == 30) ? nil : "\(key)@\(round)"
                appended[next] = (key, value)
                next += 1
                return Self.entry(key, value, now)
            }
            _ = try log.append(RecordBatch(entries: entries))
        }
        let end = log.logEndOffset
        let activeBase = log.segmentBaseOffsets.last!.rawValue
        #expect(log.segmentCount > 3)

        let report = try log.compact()
        #expect(report.supersededRecords > 0)
        #expect(report.bytesAfter < report.bytesBefore)
        #expect(log.logEndOffset == end)

        let records = try readAll(log)
        // Offsets only increase and each record is the one appended at that offset.
        #expect(records.map(\.offset) == records.map(\.offset).sorted())
        for record in records {
            let original = appended[record.offset.rawValue]
            #expect(record.keyString == original?.key)
            #expect(record.valueString == original?.value)
        }
        // In the closed segments, each key appears at most once: at its latest offset there.
        let closed = records.filter { $0.offset.rawValue < activeBase }
        let latestInClosed = Dictionary(grouping: appended.filter { $0.key < activeBase }, by: { $0.value.key })
            .mapValues { $0.map(\.key).max()! }
        #expect(closed.count == latestInClosed.count)
        for record in closed { #expect(latestInClosed[record.keyString!] == record.offset.rawValue) }
        // The active segment is untouched.
        #expect(records.filter { $0.offset.rawValue >= activeBase }.count == Int(end.rawValue - activeBase))

        // Compaction is stable, and survives a restart.
        #expect(try log.compact().rewrittenSegments.isEmpty)
        try log.close()
        let reopened = try fixture.open()
        #expect(try readAll(reopened) == records)
    }

    @Test func tombstonesAreKeptForDeleteRetentionThenRemoved() throws {
        let fixture = LogFixture { $0.cleanupPolicy = .compact; $0.deleteRetentionMilliseconds = 10_000 }
        let log = try fixture.open()
        let now = fixture.clock.now
        _ = try log.append(RecordBatch(entries: [Self.entry("a", "1", now), Self.entry("b", "1", now)]))
        _ = try log.append(RecordBatch(entries: [Self.entry("a", nil, now)]))  // delete "a"
        try log.roll()
        _ = try log.append(RecordBatch(entries: [Self.entry("c", "1", now)]))

        try log.compact()
        var records = try readAll(log)
        #expect(records.map(\.offset) == [1, 2, 3])
        #expect(records[1].keyString == "a" && records[1].value == nil)

        fixture.clock.advance(by: 10_001)
        let report = try log.compact()
        #expect(report.expiredTombstones == 1)
        records = try readAll(log)
        #expect(records.map(\.offset) == [1, 3])
        #expect(records.map(\.keyString) == ["b", "c"])
    }

    @Test func controlAndTransactionalBatchesAreKept() throws {
        let fixture = LogFixture { $0.cleanupPolicy = .compact }
        let log = try fixture.open()
        let now = fixture.clock.now
        _ = try log.append(RecordBatch(
            entries: [Self.entry("a", "txn", now)], attributes: RecordBatchAttributes(isTransactional: true),
            producerID: 5, producerEpoch: 0, baseSequence: 0))
        _ = try log.append(RecordBatch.endTransactionMarker(
            EndTransactionMarker(type: .commit, coordinatorEpoch: 0), producerID: 5, producerEpoch: 0, timestampMilliseconds: now))
        _ = try log.append(RecordBatch(entries: [Self.entry("a", "plain", now)]))
        _ = try log.append(RecordBatch(entries: [Self.entry("a", "latest", now)]))
        try log.roll()
        _ = try log.append(RecordBatch(entries: [Self.entry("z", "1", now)]))

        try log.compact()
        let bytes = try log.read(from: 0, maxBytes: 1 << 20)
        let batches = try RecordBatchSplitter.split(bytes).map { try RecordBatch(decoding: bytes, in: $0.range) }
        #expect(batches.map(\.header.baseOffset) == [0, 1, 3])
        #expect(batches[0].header.isTransactional)
        #expect(batches[1].header.isControl)
        #expect(try EndTransactionMarker(batch: batches[1]).type == .commit)
        #expect(batches[2].records.first?.value == Array("latest".utf8))
    }

    @Test func deletePolicyLogsAreNotCompacted() throws {
        let fixture = LogFixture()
        let log = try fixture.open()
        for _ in 0..<3 { _ = try log.append(makeBatch(count: 2, keys: 1)) }
        try log.roll()
        #expect(try log.compact().rewrittenSegments.isEmpty)
        #expect(try readAll(log).count == 6)
    }
}
