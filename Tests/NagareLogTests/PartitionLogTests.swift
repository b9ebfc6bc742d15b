import NagareCore
import NagareWire
import Testing
@testable import NagareLog

@Suite("PartitionLog")
struct PartitionLogTests {
    @Test func appendAssignsOffsetsAndReadsAcrossSegmentRolls() throws {
        let fixture = LogFixture { $0.segmentBytesMax = 1024; $0.indexIntervalBytes = 128 }
        let log = try fixture.open()
        var expected: [String] = []
        for n in 0..<60 {
            let count = n % 3 + 1
            let result = try log.append(makeBatch(count: count, tag: "b\(n)"))
            #expect(result.baseOffset == Offset(Int64(expected.count)))
            #expect(result.lastOffset == Offset(Int64(expected.count + count - 1)))
            expected += (0..<count).map { "b\(n)-\($0)" }
        }
        #expect(log.segmentCount > 4)
        #expect(log.logEndOffset == Offset(Int64(expected.count)))
        #expect(log.highWatermark == log.logEndOffset)
        #expect(log.logStartOffset == 0)
        let records = try readAll(log)
        #expect(records.map(\.offset.rawValue) == Array(0..<Int64(expected.count)))
        #expect(records.map { $0.valueString ?? "" } == expected)
        // Small reads, one batch at a time, see the same.
        #expect(try readAll(log, maxBytes: 1).map { $0.valueString ?? "" } == expected)
        try log.close()
    }

    @Test func readInTheMiddleOfABatchReturnsTheWholeBatch() throws {
        let fixture = LogFixture { $0.segmentBytesMax = 2048; $0.indexIntervalBytes = 0 }
        let log = try fixture.open()
        for n in 0..<40 { _ = try log.append(makeBatch(count: 5, tag: "b\(n)")) }
        for offset in Int64(0)..<200 {
            let bytes = try log.read(from: Offset(offset), maxBytes: 1)
            let spans = try RecordBatchSplitter.split(bytes)
            #expect(spans.count == 1)
            #expect(spans[0].header.baseOffset == offset / 5 * 5)
            #expect(spans[0].header.recordCount == 5)
        }
    }

    @Test func maxBytesSemantics() throws {
        let fixture = LogFixture()
        let log = try fixture.open()
        let small = makeBatch(count: 2)
        for _ in 0..<5 { _ = try log.append(small) }
        let big = makeBatch(count: 1, valueBytes: 10_000)
        _ = try log.append(big)

        // At least one whole batch, even with maxBytes 0.
        #expect(try log.read(from: 0, maxBytes: 0).count == small.count)
        // As many whole batches as fit, never a partial one.
        #expect(try log.read(from: 0, maxBytes: 2 * small.count).count == 2 * small.count)
        #expect(try log.read(from: 0, maxBytes: 3 * small.count - 1).count == 2 * small.count)
        #expect(try log.read(from: 1, maxBytes: 1 << 20).count == 5 * small.count + big.count)
        // A batch larger than maxBytes is returned whole when it comes first.
        #expect(try log.read(from: 10, maxBytes: 100).count == big.count)
        // Stopping at a maximum offset (the last stable offset for read_committed).
        #expect(try log.read(from: 0, maxBytes: 1 << 20, upTo: 4).count == 2 * small.count)
        #expect(try log.read(from: 4, maxBytes: 1 << 20, upTo: 4).isEmpty)
        // At the end: nothing; past it or before the start: out of range.
        #expect(try log.read(from: 11, maxBytes: 100).isEmpty)
        #expect {
            try log.read(from: 12, maxBytes: 100)
        } throws: { ($0 as? LogError)?.code == .offsetOutOfRange }
    }

    @Test func offsetForTimestampFindsTheFirstRecordAtOrAfter() throws {
        let fixture = LogFixture { $0.segmentBytesMax = 1500; $0.indexIntervalBytes = 100 }
        let log = try fixture.open()
        var rng = LogTestRandom(seed: 99)
        var timestamps: [Int64] = []
        for _ in 0..<80 {
            let count = Int.random(in: 1...4, using: &rng)
            // Mostly increasing with some records out of order, as from several producers.
            let entries = (0..<count).map { _ -> (key: [UInt8]?, value: [UInt8]?, headers: [RecordHeader], timestampMilliseconds: Int64) in
                let t = Int64(timestamps.count * 10) + Int64.random(in: -40...40, using: &rng)
                timestamps.append(t)
                return (nil, [1, 2, 3], [], t)
            }
            _ = try log.append(RecordBatch(entries: entries))
        }
        #expect(log.segmentCount > 2)
        for target in stride(from: Int64(-100), through: Int64(timestamps.count * 10 + 100), by: 7) {
            let expected = timestamps.firstIndex { $0 >= target }.map { Offset(Int64($0)) }
            #expect(try log.offset(forTimestamp: target) == expected, "timestamp \(target)")
        }
        // The same after a restart, from the persisted time indexes.
        try log.close()
        let reopened = try fixture.open()
        for target in stride(from: Int64(0), through: Int64(timestamps.count * 10), by: 13) {
            let expected = timestamps.firstIndex { $0 >= target }.map { Offset(Int64($0)) }
            #expect(try reopened.offset(forTimestamp: target) == expected, "timestamp \(target) after reopen")
        }
    }

    @Test func reopenAfterCloseKeepsEverythingWithoutScanning() throws {
        let fixture = LogFixture { $0.segmentBytesMax = 800; $0.indexIntervalBytes = 64 }
        let log = try fixture.open()
        for n in 0..<30 { _ = try log.append(makeBatch(count: 2, tag: "b\(n)")) }
        let before = try readAll(log)
        let segments = log.segmentBaseOffsets
        try log.close()
        #expect { try log.read(from: 0, maxBytes: 1) } throws: { ($0 as? LogError)?.code == .closed }

        let reopened = try fixture.open()
        #expect(reopened.recoveryReport.wasCleanShutdown)
        #expect(reopened.recoveryReport.scannedSegments.isEmpty)
        #expect(reopened.recoveryReport.isClean)
        #expect(reopened.segmentBaseOffsets == segments)
        #expect(reopened.logEndOffset == 60)
        #expect(try readAll(reopened) == before)
        // Appending continues where the log ended.
        #expect(try reopened.append(makeBatch(count: 1)).baseOffset == 60)
    }

    @Test func crashWithoutCloseScansTheActiveSegment() throws {
        let fixture = LogFixture { $0.segmentBytesMax = 800 }
        do {
            let log = try fixture.open()
            for n in 0..<30 { _ = try log.append(makeBatch(count: 2, tag: "b\(n)")) }
            #expect(try log.flush() == 60)
            // No close: the process "crashes" here.
        }
        let reopened = try fixture.open()
        #expect(!reopened.recoveryReport.wasCleanShutdown)
        #expect(reopened.recoveryReport.scannedSegments.count == 1)
        #expect(reopened.recoveryReport.truncations.isEmpty)
        #expect(reopened.logEndOffset == 60)
        #expect(try readAll(reopened).count == 60)
    }

    @Test func tornTailOfGarbageIsTruncatedAndReported() throws {
        let fixture = LogFixture()
        do {
            let log = try fixture.open()
            for n in 0..<10 { _ = try log.append(makeBatch(count: 3, tag: "b\(n)")) }
            try log.flush()
        }
        let path = fixture.segmentPath(0)
        let goodSize = fileSize(path)
        try appendRawBytes([UInt8](repeating: 0xAB, count: 412), to: path)

        let reopened = try fixture.open()
        let report = reopened.recoveryReport
        #expect(report.truncations.count == 1)
        #expect(report.truncations.first?.bytes == 412)
        #expect(report.truncations.first?.position == goodSize)
        #expect(report.lostBytes == 412)
        #expect(report.messages.contains { $0.hasPrefix("events.raw-3: truncated 412 bytes of ") && $0.contains("at position \(goodSize)") })
        #expect(fileSize(path) == goodSize)
        #expect(reopened.logEndOffset == 30)
        #expect(try readAll(reopened).count == 30)
        #expect(try reopened.append(makeBatch(count: 1)).baseOffset == 30)
    }

    @Test func batchCutMidwayIsTruncatedAndEarlierBatchesSurvive() throws {
        let fixture = LogFixture()
        let batch = makeBatch(count: 3)
        do {
            let log = try fixture.open()
            for _ in 0..<10 { _ = try log.append(batch) }
            // A clean close: even then, a tail that does not parse is found and repaired.
            try log.close()
        }
        let path = fixture.segmentPath(0)
        try truncateFile(path, to: 9 * batch.count + 20)

        let reopened = try fixture.open()
        let report = reopened.recoveryReport
        #expect(report.truncations.count == 1)
        #expect(report.truncations.first?.position == 9 * batch.count)
        #expect(report.truncations.first?.bytes == 20)
        #expect(report.truncations.first?.reason.contains("torn batch") == true)
        #expect(reopened.logEndOffset == 27)
        #expect(try readAll(reopened).count == 27)
    }

    @Test func corruptCRCInTheTailIsTruncated() throws {
        let fixture = LogFixture()
        let batch = makeBatch(count: 2)
        do {
            let log = try fixture.open()
            for _ in 0..<5 { _ = try log.append(batch) }
            try log.flush()
        }
        let path = fixture.segmentPath(0)
        try flipByte(in: path, at: 4 * batch.count + batch.count - 3)

        let reopened = try fixture.open()
        #expect(reopened.recoveryReport.truncations.first?.reason.contains("CRC") == true)
        #expect(reopened.recoveryReport.truncations.first?.bytes == batch.count)
        #expect(reopened.logEndOffset == 8)
        #expect(try readAll(reopened).count == 8)
    }

    @Test func missingIndexesAreRebuilt() throws {
        let fixture = LogFixture { $0.segmentBytesMax = 600; $0.indexIntervalBytes = 50 }
        let log = try fixture.open()
        for n in 0..<20 { _ = try log.append(makeBatch(count: 2, tag: "b\(n)")) }
        let before = try readAll(log)
        try log.close()
        try FileSystem.remove(fixture.segmentPath(0, ".index"))
        let reopened = try fixture.open()
        #expect(reopened.recoveryReport.rebuiltIndexes == [Segment.fileName(baseOffset: 0, suffix: ".log")])
        #expect(try readAll(reopened) == before)
        #expect(fileSize(fixture.segmentPath(0, ".index")) > 0)
    }

    @Test func rollsBySegmentTime() throws {
        let fixture = LogFixture { $0.segmentMilliseconds = 1000 }
        let log = try fixture.open()
        _ = try log.append(makeBatch(count: 1, timestamp: fixture.clock.now))
        _ = try log.append(makeBatch(count: 1, timestamp: fixture.clock.now))
        #expect(log.segmentCount == 1)
        fixture.clock.advance(by: 1000)
        _ = try log.append(makeBatch(count: 1, timestamp: fixture.clock.now))
        #expect(log.segmentBaseOffsets == [0, 2])
    }

    @Test func retentionBySizeDeletesOldSegments() throws {
        let fixture = LogFixture { $0.segmentBytesMax = 1000; $0.retentionBytes = 2500; $0.retentionMilliseconds = -1 }
        let log = try fixture.open()
        for n in 0..<50 { _ = try log.append(makeBatch(count: 2, tag: "b\(n)")) }
        let segmentsBefore = log.segmentBaseOffsets
        let report = try log.enforceRetention()
        #expect(!report.deletedSegments.isEmpty)
        #expect(log.sizeBytes >= 2500)
        #expect(log.sizeBytes - 1000 < 2500)
        #expect(log.logStartOffset == log.segmentBaseOffsets[0])
        #expect(log.segmentBaseOffsets == Array(segmentsBefore.dropFirst(report.deletedSegments.count)))
        #expect(report.logStartOffset == log.logStartOffset)
        for name in report.deletedSegments {
            #expect(fileSize(fixture.partitionDirectory + "/" + name) == -1)
        }
        #expect { try log.read(from: 0, maxBytes: 10) } throws: { ($0 as? LogError)?.code == .offsetOutOfRange }
        let remaining = try readAll(log)
        #expect(remaining.first?.offset == log.logStartOffset)
        #expect(remaining.last?.offset == 99)
        // The new start survives a restart.
        let start = log.logStartOffset
        try log.close()
        #expect(try fixture.open().logStartOffset == start)
    }

    @Test func retentionByAgeDeletesExpiredSegmentsButNeverTheActiveOne() throws {
        let fixture = LogFixture { $0.segmentBytesMax = 600; $0.retentionMilliseconds = 60_000 }
        let log = try fixture.open()
        let start = fixture.clock.now
        for n in 0..<10 { _ = try log.append(makeBatch(count: 2, tag: "old\(n)", timestamp: start)) }
        let oldSegments = log.segmentCount
        try log.roll()
        fixture.clock.advance(by: 50_000)
        for n in 0..<10 { _ = try log.append(makeBatch(count: 2, tag: "new\(n)", timestamp: fixture.clock.now)) }
        #expect(try log.enforceRetention().deletedSegments.isEmpty)

        fixture.clock.advance(by: 20_000)  // the old data is now 70 s old, the new 20 s
        let report = try log.enforceRetention()
        #expect(report.deletedSegments.count == oldSegments)
        #expect(log.logStartOffset == 20)
        #expect(try readAll(log).allSatisfy { $0.valueString?.hasPrefix("new") == true })

        fixture.clock.advance(by: 1_000_000)  // everything expired: the active segment stays
        try log.enforceRetention()
        #expect(log.segmentCount == 1)
        #expect(log.logEndOffset == 40)
    }

    @Test func truncateRemovesWholeBatchesFromTheOffset() throws {
        let fixture = LogFixture { $0.segmentBytesMax = 700 }
        let log = try fixture.open()
        for n in 0..<30 { _ = try log.append(makeBatch(count: 3, tag: "b\(n)")) }
        try log.truncate(to: 31)  // inside the batch 30...32: the whole batch goes
        #expect(log.logEndOffset == 30)
        #expect(try readAll(log).count == 30)
        #expect(try log.append(makeBatch(count: 1)).baseOffset == 30)
        try log.close()
        let reopened = try fixture.open()
        #expect(reopened.logEndOffset == 31)
        try reopened.truncate(to: 0)
        #expect(reopened.logEndOffset == 0)
        #expect(reopened.segmentCount == 1)
    }

    @Test func rejectsBadBatches() throws {
        let fixture = LogFixture { $0.segmentBytesMax = 1000 }
        let log = try fixture.open()
        var corrupt = makeBatch(count: 2)
        corrupt[corrupt.count - 1] ^= 1
        #expect { try log.append(corrupt) } throws: { ($0 as? LogError)?.code == .invalidBatch }
        #expect { try log.append([]) } throws: { ($0 as? LogError)?.code == .invalidBatch }
        #expect { try log.append(makeBatch(count: 1) + [0, 0, 0]) } throws: { ($0 as? LogError)?.code == .invalidBatch }
        #expect { try log.append(makeBatch(count: 1, valueBytes: 2000)) } throws: { ($0 as? LogError)?.code == .batchTooLarge }
        #expect(log.logEndOffset == 0)
        // Several batches in one append get consecutive offsets.
        let result = try log.append(makeBatch(count: 2) + makeBatch(count: 3))
        #expect(result.batchCount == 2)
        #expect(result.lastOffset == 4)
    }

    @Test func leaderEpochAndLogAppendTimeAreWritten() throws {
        let fixture = LogFixture()
        let log = try fixture.open()
        _ = try log.append(makeBatch(count: 2), partitionLeaderEpoch: 7, logAppendTimeMilliseconds: 123)
        let bytes = try log.read(from: 0, maxBytes: 1000)
        let batch = try RecordBatch(decoding: bytes)
        #expect(batch.header.partitionLeaderEpoch == 7)
        #expect(batch.header.maxTimestamp == 123)
        #expect(batch.header.attributes.timestampType == .logAppendTime)
    }

    @Test func concurrentAppendsAndFlushesGetDistinctOffsets() async throws {
        let fixture = LogFixture { $0.segmentBytesMax = 4096 }
        let log = try fixture.open()
        let baseOffsets = try await withThrowingTaskGroup(of: [Int64].self) { group in
            for writer in 0..<4 {
                group.addTask {
                    var offsets: [Int64] = []
                    for n in 0..<50 {
                        offsets.append(try log.append(makeBatch(count: 2, tag: "w\(writer)-\(n)")).baseOffset.rawValue)
                        if n % 10 == 0 { try log.flush() }
                    }
                    return offsets
                }
            }
            var all: [Int64] = []
            for try await offsets in group { all += offsets }
            return all
        }
        #expect(Set(baseOffsets).count == 200)
        #expect(baseOffsets.allSatisfy { $0 % 2 == 0 })
        #expect(log.logEndOffset == 400)
        #expect(try log.flush() == 400)
        #expect(try readAll(log).map(\.offset.rawValue) == Array(0..<400))
    }

    @Test func deleteAllRemovesThePartitionDirectory() throws {
        let fixture = LogFixture()
        let log = try fixture.open()
        _ = try log.append(makeBatch(count: 1))
        try log.deleteAll()
        #expect(!FileSystem.exists(fixture.partitionDirectory))
        #expect { try log.append(makeBatch(count: 1)) } throws: { ($0 as? LogError)?.code == .closed }
    }

    @Test func configurationValidationNamesTheKey() throws {
        var c = LogConfiguration()
        c.segmentBytesMax = 10
        #expect { try c.validate() } throws: { "\($0)".contains("segment.bytes") }
        c = LogConfiguration()
        c.retentionBytes = -5
        #expect { try c.validate() } throws: { "\($0)".contains("retention.bytes") && "\($0)".contains("-5") }
        #expect { try LogConfiguration(topicConfigs: ["cleanup.policy": "shred"]) } throws: { "\($0)".contains("cleanup.policy") }
        #expect { try LogConfiguration(topicConfigs: ["retention.ms": "soon"]) } throws: { "\($0)".contains("retention.ms") }
        let parsed = try LogConfiguration(topicConfigs: ["cleanup.policy": "compact", "segment.bytes": "1048576"])
        #expect(parsed.cleanupPolicy == .compact)
        #expect(parsed.segmentBytesMax == 1_048_576)
        #expect(try LogConfiguration(topicConfigs: parsed.topicConfigs) == parsed)
        #expect(throws: LogError.self) {
            try PartitionLog(topicPartition: TopicPartition("../escape", 0), dataDirectory: "/tmp")
        }
    }
}

struct LogTestRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
