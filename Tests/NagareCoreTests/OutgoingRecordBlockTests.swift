import NagareCore
import Testing

@Suite struct OutgoingRecordBlockTests {
    static let records = [
        OutgoingRecord(topic: "out", key: Array("s1".utf8), value: Array("{\"a\":1}".utf8), timestampMilliseconds: 42),
        OutgoingRecord(topic: "out", key: nil, value: nil),
        OutgoingRecord(topic: "metrics", partition: 3, key: [], value: []),
        OutgoingRecord(
            topic: "dlq", key: Array("k".utf8), value: Array("bad".utf8),
            headers: [RecordHeader(key: "nagare.error", string: "why"), RecordHeader(key: "empty", value: nil)],
            timestampMilliseconds: 7),
        OutgoingRecord(topic: "out", key: Array("s2".utf8), value: Array("{}".utf8)),
    ]

    @Test func readsBackWhatWasAppendedInOrder() {
        let block = OutgoingRecordBlock(Self.records)
        #expect(block.count == 5)
        #expect(Array(block) == Self.records)
        #expect(block.topics == ["out", "metrics", "dlq"])
        // Null and empty stay apart.
        #expect(block[1].key == nil && block[1].value == nil)
        #expect(block[2].key == [] && block[2].value == [])
        #expect(block[2].partition == 3 && block[0].partition == nil)
        #expect(block[4].timestampMilliseconds == nil)
    }

    @Test func appendsAValueFromABufferWithoutAnArray() {
        var block = OutgoingRecordBlock()
        let value = Array("{\"site\":\"s17\"}".utf8)
        value.withUnsafeBufferPointer {
            block.append(topic: "out", key: Array("s17".utf8), value: $0, timestampMilliseconds: 1_000)
        }
        block.append(OutgoingRecord(topic: "out", key: nil, value: Array("x".utf8)))
        #expect(block[0] == OutgoingRecord(topic: "out", key: Array("s17".utf8), value: value, timestampMilliseconds: 1_000))
        #expect(block[1].value == Array("x".utf8))
        #expect(block.entries.map(\.topic) == [0, 0])
        #expect(block.bytes.count == 3 + value.count + 1)
    }

    @Test func equalityIsByRecordsNotLayout() {
        var oneByOne = OutgoingRecordBlock()
        for record in Self.records { oneByOne.append(record) }
        #expect(oneByOne == OutgoingRecordBlock(Self.records))
        #expect(OutgoingRecordBlock(Self.records.reversed()) != OutgoingRecordBlock(Self.records))
        var cleared = oneByOne
        cleared.removeAll()
        #expect(cleared.isEmpty && cleared == [])
        cleared.append(Self.records[3])
        #expect(Array(cleared) == [Self.records[3]])
    }
}
