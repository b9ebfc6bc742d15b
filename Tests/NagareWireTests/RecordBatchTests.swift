import NagareCore
import Testing
@testable import NagareWire

func recordBatchHex(_ hex: String) -> [UInt8] {
    var bytes: [UInt8] = []
    var index = hex.startIndex
    while index < hex.endIndex {
        let next = hex.index(index, offsetBy: 2)
        bytes.append(UInt8(hex[index..<next], radix: 16)!)
        index = next
    }
    return bytes
}

@Suite("RecordBatch")
struct RecordBatchTests {
    /// Built by kafka-python 3.0.12's `DefaultRecordBatchBuilder` (magic 2, no compression,
    /// producer -1): records (k1, v1, [h: x]) at 1700000000000, (null, null) at +5,
    /// (k3, "", [n: null]) at +3.
    static let kafkaPythonBatch = recordBatchHex(
        "0000000000000000000000530000000002282713c60000000000020000018bcfe568000000018bcfe56805"
            + "ffffffffffffffffffffffffffff000000031c000000046b3104763102026802780c000a0201010016"
            + "000604046b330002026e01")

    /// kafka-python again: producer 42, epoch 3, base sequence 10; three records "key" →
    /// "value0…2" at 1700000000000 + i.
    static let kafkaPythonIdempotentBatch = recordBatchHex(
        "0000000000000000000000610000000002944cc6930000000000020000018bcfe568000000018bcfe56802"
            + "000000000000002a00030000000a000000031e000000066b65790c76616c756530001e000202066b65"
            + "790c76616c756531001e000404066b65790c76616c75653200")

    static let goldenEntries: [(key: [UInt8]?, value: [UInt8]?, headers: [RecordHeader], timestampMilliseconds: Int64)] = [
        (Array("k1".utf8), Array("v1".utf8), [RecordHeader(key: "h", string: "x")], 1_700_000_000_000),
        (nil, nil, [], 1_700_000_000_005),
        (Array("k3".utf8), [], [RecordHeader(key: "n", value: nil)], 1_700_000_000_003),
    ]

    @Test func encodingMatchesKafkaPythonByteForByte() {
        let batch = RecordBatch(entries: Self.goldenEntries, partitionLeaderEpoch: 0)
        #expect(batch.encoded() == Self.kafkaPythonBatch)
    }

    @Test func decodesKafkaPythonBatch() throws {
        let batch = try RecordBatch(decoding: Self.kafkaPythonBatch)
        #expect(batch.header.baseOffset == 0)
        #expect(batch.header.batchLength == 0x53)
        #expect(batch.header.crc == 0x2827_13C6)
        #expect(batch.header.lastOffsetDelta == 2)
        #expect(batch.header.baseTimestamp == 1_700_000_000_000)
        #expect(batch.header.maxTimestamp == 1_700_000_000_005)
        #expect(batch.header.producerID == -1)
        #expect(batch.header.recordCount == 3)
        #expect(batch.header.compression == CompressionCodec.none)
        let records = batch.records(in: TopicPartition("t", 0))
        #expect(records.map(\.offset) == [0, 1, 2])
        #expect(records.map(\.timestampMilliseconds) == [1_700_000_000_000, 1_700_000_000_005, 1_700_000_000_003])
        #expect(records[0].keyString == "k1")
        #expect(records[0].valueString == "v1")
        #expect(records[0].headers == [RecordHeader(key: "h", string: "x")])
        #expect(records[1].key == nil)
        #expect(records[1].value == nil)
        #expect(records[2].value == [])
        #expect(records[2].headers == [RecordHeader(key: "n", value: nil)])
    }

    @Test func decodesIdempotentProducerFields() throws {
        let batch = try RecordBatch(decoding: Self.kafkaPythonIdempotentBatch)
        #expect(batch.header.producerID == 42)
        #expect(batch.header.producerEpoch == 3)
        #expect(batch.header.baseSequence == 10)
        #expect(batch.records.map { $0.value.map { String(decoding: $0, as: UTF8.self) } } == ["value0", "value1", "value2"])
    }

    /// The header written field by field, with the offsets of the layout comment.
    @Test func headerGoldenBytes() {
        let header = RecordBatchHeader(
            baseOffset: 0x0102_0304_0506_0708, batchLength: 0x49, partitionLeaderEpoch: 5, crc: 0xCAFE_BABE,
            attributes: RecordBatchAttributes(compression: .zstd, timestampType: .logAppendTime, isTransactional: true, isControl: true),
            lastOffsetDelta: 9, baseTimestamp: 0x10, maxTimestamp: 0x20, producerID: 0x30, producerEpoch: 0x40,
            baseSequence: 0x50, recordCount: 10)
        var w = WireWriter()
        header.write(to: &w)
        let expected = recordBatchHex(
            "0102030405060708" + "00000049" + "00000005" + "02" + "cafebabe" + "003c" + "00000009"
                + "0000000000000010" + "0000000000000020" + "0000000000000030" + "0040" + "00000050" + "0000000a")
        #expect(w.bytes == expected)
        #expect(w.bytes.count == RecordBatchHeader.size)
        #expect(throws: Never.self) { try RecordBatchHeader(parsing: w.bytes) }
        #expect((try? RecordBatchHeader(parsing: w.bytes)) == header)
    }

    @Test func attributesBits() {
        for codec in CompressionCodec.allCases {
            let a = RecordBatchAttributes(compression: codec)
            #expect(a.rawValue == codec.rawValue)
            #expect(a.compression == codec)
        }
        #expect(RecordBatchAttributes(timestampType: .logAppendTime).rawValue == 0x08)
        #expect(RecordBatchAttributes(isTransactional: true).rawValue == 0x10)
        #expect(RecordBatchAttributes(isControl: true).rawValue == 0x20)
        #expect(RecordBatchAttributes(rawValue: 5).compression == nil)
    }

    @Test func roundTripWithKeysNullsAndHeaders() throws {
        let entries: [(key: [UInt8]?, value: [UInt8]?, headers: [RecordHeader], timestampMilliseconds: Int64)] = [
            (Array("a".utf8), Array("1".utf8), [], 1000),
            (Array("b".utf8), nil, [RecordHeader(key: "trace", string: "abc"), RecordHeader(key: "empty", value: [])], 900),
            (nil, Array(repeating: 0xAB, count: 300), [RecordHeader(key: "ключ", value: nil)], 5000),
            (Array(repeating: 1, count: 200), [], [], -1),
        ]
        let batch = RecordBatch(baseOffset: 77, entries: entries, producerID: 9, producerEpoch: 2, baseSequence: 100)
        let bytes = batch.encoded()
        let decoded = try RecordBatch(decoding: bytes)
        #expect(decoded.records == batch.records)
        #expect(decoded.header.baseOffset == 77)
        #expect(decoded.header.lastOffsetDelta == 3)
        #expect(decoded.header.maxTimestamp == 5000)
        #expect(decoded.header.recordCount == 4)
        let records = decoded.records(in: TopicPartition("t", 1))
        #expect(records.map(\.offset) == [77, 78, 79, 80])
        #expect(records.map(\.timestampMilliseconds) == [1000, 900, 5000, -1])
        #expect(records[1].value == nil)
        #expect(records[2].key == nil)
        #expect(records[2].headers == [RecordHeader(key: "ключ", value: nil)])
        // Re-encoding the decoded batch gives the same bytes.
        #expect(decoded.encoded() == bytes)
    }

    @Test func emptyBatchRoundTrips() throws {
        let bytes = RecordBatch(entries: []).encoded()
        #expect(bytes.count == RecordBatchHeader.size)
        #expect(try RecordBatch(decoding: bytes).records.isEmpty)
    }

    @Test func rewritingBaseOffsetAndEpochKeepsTheCRCValid() throws {
        var bytes = RecordBatch(entries: Self.goldenEntries).encoded()
        RecordBatch.setBaseOffset(123_456_789_012, in: &bytes, batchStart: 0)
        RecordBatch.setPartitionLeaderEpoch(17, in: &bytes, batchStart: 0)
        let decoded = try RecordBatch(decoding: bytes)
        #expect(decoded.header.baseOffset == 123_456_789_012)
        #expect(decoded.header.partitionLeaderEpoch == 17)
        #expect(decoded.records(in: TopicPartition("t", 0)).last?.offset == Offset(123_456_789_014))
    }

    @Test func logAppendTimeRecomputesTheCRC() throws {
        var bytes = RecordBatch(entries: Self.goldenEntries).encoded()
        RecordBatch.setLogAppendTime(42, in: &bytes, batchStart: 0)
        let decoded = try RecordBatch(decoding: bytes)
        #expect(decoded.header.attributes.timestampType == .logAppendTime)
        #expect(decoded.header.maxTimestamp == 42)
        #expect(decoded.records(in: TopicPartition("t", 0)).allSatisfy { $0.timestampMilliseconds == 42 })
    }

    @Test func flippedByteIsACRCError() {
        let bytes = RecordBatch(entries: Self.goldenEntries).encoded()
        for index in RecordBatchHeader.attributesOffset..<bytes.count {
            var corrupt = bytes
            corrupt[index] ^= 0x01
            // Flipping a header byte can also make the header invalid; anything but success.
            #expect(throws: WireError.self) { try RecordBatchSplitter.split(corrupt) }
        }
        var corrupt = bytes
        corrupt[bytes.count - 1] ^= 0x40
        #expect {
            try RecordBatchSplitter.split(corrupt)
        } throws: { error in
            if case WireError.crcMismatch = error { return true }
            return false
        }
        // The CRC itself altered.
        corrupt = bytes
        corrupt[RecordBatchHeader.crcOffset] ^= 0x80
        #expect(throws: WireError.self) { try RecordBatch(decoding: corrupt) }
    }

    @Test func compressedBatchesAreRecognisedButNotDecoded() throws {
        for codec in [CompressionCodec.gzip, .snappy, .lz4, .zstd] {
            var batch = RecordBatch(entries: Self.goldenEntries)
            batch.header.attributes.compressionCode = codec.rawValue
            // The records are not really compressed; the broker never looks inside.
            let bytes = batch.encoded()
            let spans = try RecordBatchSplitter.split(bytes)
            #expect(spans.count == 1)
            #expect(spans[0].header.compression == codec)
            #expect(throws: WireError.unsupported("decoding records of a \(codec)-compressed batch")) {
                try RecordBatch(decoding: bytes)
            }
        }
        var batch = RecordBatch(entries: Self.goldenEntries)
        batch.header.attributes.compressionCode = 6
        #expect(throws: WireError.unsupported("record batch compression code 6")) {
            try RecordBatchSplitter.split(batch.encoded())
        }
    }

    @Test func oldMagicIsRejected() {
        var bytes = RecordBatch(entries: Self.goldenEntries).encoded()
        bytes[RecordBatchHeader.magicOffset] = 1
        #expect(throws: WireError.unsupported("record batch magic 1 (only magic 2 is supported)")) {
            try RecordBatchSplitter.split(bytes)
        }
    }

    @Test func transactionMarkersRoundTrip() throws {
        for marker in [EndTransactionMarker(type: .commit, coordinatorEpoch: 7), EndTransactionMarker(type: .abort, coordinatorEpoch: -1)] {
            let batch = RecordBatch.endTransactionMarker(
                marker, producerID: 1234, producerEpoch: 5, timestampMilliseconds: 1_700_000_000_000, baseOffset: 10)
            #expect(batch.header.attributes.isControl)
            #expect(batch.header.attributes.isTransactional)
            #expect(batch.header.attributes.rawValue == 0x30)
            let decoded = try RecordBatch(decoding: batch.encoded())
            #expect(decoded.header.producerID == 1234)
            #expect(decoded.header.producerEpoch == 5)
            #expect(try EndTransactionMarker(batch: decoded) == marker)
        }
        // Golden key/value bytes.
        let commit = EndTransactionMarker(type: .commit, coordinatorEpoch: 3)
        #expect(commit.key == [0, 0, 0, 1])
        #expect(commit.value == [0, 0, 0, 0, 0, 3])
        #expect(EndTransactionMarker(type: .abort, coordinatorEpoch: 3).key == [0, 0, 0, 0])
        #expect(throws: WireError.self) { try EndTransactionMarker(key: [0, 0, 0, 2], value: [0, 0, 0, 0, 0, 0]) }
        #expect(throws: WireError.self) { try EndTransactionMarker(key: [0, 0, 0], value: [0, 0, 0, 0, 0, 0]) }
        #expect(throws: WireError.self) { try EndTransactionMarker(key: [0, 0, 0, 1], value: nil) }
        #expect(try EndTransactionMarker.controlType(ofKey: [0, 0, 0, 2]) == ControlRecordType(rawValue: 2))
    }

    @Test func recordsMustFillTheBatchExactly() {
        var batch = RecordBatch(entries: Self.goldenEntries)
        batch.header.recordCount = 2
        var bytes = batch.encoded()  // encoded() rewrites recordCount to 3 …
        bytes[RecordBatchHeader.size - 1] = 2  // … so patch it to claim only two records.
        RecordBatch.updateCRC(in: &bytes, batchStart: 0)
        #expect(throws: WireError.self) { try RecordBatch(decoding: bytes) }
        bytes[RecordBatchHeader.size - 1] = 4
        RecordBatch.updateCRC(in: &bytes, batchStart: 0)
        #expect(throws: WireError.self) { try RecordBatch(decoding: bytes) }
    }
}
