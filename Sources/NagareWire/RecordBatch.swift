public import NagareCore

/// A decoded, uncompressed RecordBatch v2: its header and its records.
///
/// The broker mostly handles batches as opaque bytes (see `RecordBatchSplitter` and the
/// in-place helpers below); this type is for the places that need the records themselves:
/// tests, transaction markers, the log compactor and the broker's internal topics.
public struct RecordBatch: Hashable, Sendable {
    public var header: RecordBatchHeader
    public var records: [RecordBatchRecord]

    /// A batch from already-delta-encoded records. `encoded()` fills in length, CRC and count.
    public init(header: RecordBatchHeader, records: [RecordBatchRecord]) {
        self.header = header
        self.records = records
    }

    /// Builds a batch from records with offset deltas 0, 1, 2, … and the given absolute
    /// timestamps (milliseconds since the epoch; one per record), computing `lastOffsetDelta`,
    /// `baseTimestamp` and `maxTimestamp` as a producer would.
    public init(
        baseOffset: Int64 = 0,
        entries: [(key: [UInt8]?, value: [UInt8]?, headers: [RecordHeader], timestampMilliseconds: Int64)],
        attributes: RecordBatchAttributes = .init(), producerID: Int64 = -1, producerEpoch: Int16 = -1,
        baseSequence: Int32 = -1, partitionLeaderEpoch: Int32 = -1
    ) {
        let baseTimestamp = entries.first?.timestampMilliseconds ?? -1
        let maxTimestamp = entries.map(\.timestampMilliseconds).max() ?? -1
        records = entries.enumerated().map { i, e in
            RecordBatchRecord(
                offsetDelta: Int32(clamping: i), timestampDelta: e.timestampMilliseconds &- baseTimestamp,
                key: e.key, value: e.value, headers: e.headers)
        }
        header = RecordBatchHeader(
            baseOffset: baseOffset, partitionLeaderEpoch: partitionLeaderEpoch, attributes: attributes,
            lastOffsetDelta: Int32(clamping: max(entries.count - 1, 0)), baseTimestamp: baseTimestamp,
            maxTimestamp: maxTimestamp, producerID: producerID, producerEpoch: producerEpoch,
            baseSequence: baseSequence, recordCount: Int32(clamping: entries.count))
    }

    /// Decodes the batch at `range` of `bytes` (the whole array when nil). The batch must be
    /// uncompressed, complete, with a valid CRC (unless `verifyingCRC` is false), and its
    /// records must fill it exactly.
    public init(decoding bytes: [UInt8], in range: Range<Int>? = nil, verifyingCRC: Bool = true) throws(WireError) {
        let r = (range ?? 0..<bytes.count).clamped(to: 0..<bytes.count)
        let header = try RecordBatchHeader(parsing: bytes, at: r.lowerBound, end: r.upperBound)
        guard header.totalBytes <= r.count else {
            throw .truncated(needed: header.totalBytes, available: r.count, what: "record batch")
        }
        let batchRange = r.lowerBound..<r.lowerBound + header.totalBytes
        if verifyingCRC { try Self.verifyCRC(of: bytes, batch: batchRange, header: header) }
        self.header = header
        self.records = try Self.decodeRecords(in: bytes, batch: batchRange, header: header)
    }

    /// The records of the uncompressed batch at `batch` (a range covering exactly one batch).
    /// Throws `.unsupported` for compressed batches: the broker never decompresses.
    public static func decodeRecords(
        in bytes: [UInt8], batch: Range<Int>, header: RecordBatchHeader
    ) throws(WireError) -> [RecordBatchRecord] {
        guard header.compression == .none else {
            throw .unsupported("decoding records of a \(header.compression)-compressed batch")
        }
        var reader = WireReader(bytes, from: batch.lowerBound + RecordBatchHeader.size, to: batch.upperBound)
        let count = Int(header.recordCount)
        guard count <= reader.remaining / RecordBatchRecord.minimumEncodedBytes else {
            throw .invalidLength(Int64(count), what: "record batch record count")
        }
        var records: [RecordBatchRecord] = []
        records.reserveCapacity(count)
        for _ in 0..<count { records.append(try RecordBatchRecord.decode(from: &reader)) }
        guard reader.isAtEnd else {
            throw .invalidLength(Int64(header.batchLength), what: "record batch length (\(reader.remaining) bytes after the last record)")
        }
        return records
    }

    /// The batch bytes. `batchLength`, `crc`, `recordCount` and `magic` are computed; every other
    /// header field is written as it is (so the compactor can keep `lastOffsetDelta`).
    public func encoded() -> [UInt8] {
        var w = WireWriter(reservingCapacity: RecordBatchHeader.size + records.count * 32)
        var h = header
        h.magic = RecordBatchHeader.currentMagic
        h.recordCount = Int32(clamping: records.count)
        h.crc = 0
        h.write(to: &w)
        for record in records { record.write(to: &w) }
        var bytes = w.bytes
        Self.writeInt32(Int32(clamping: bytes.count - RecordBatchHeader.logOverheadBytes), into: &bytes,
                        at: RecordBatchHeader.batchLengthOffset)
        Self.updateCRC(in: &bytes, batchStart: 0)
        return bytes
    }

    /// The records with absolute offsets and timestamps.
    public func records(in topicPartition: TopicPartition) -> [Record] {
        records.map { $0.record(in: topicPartition, batch: header) }
    }

    // MARK: Checks and in-place edits on raw batch bytes

    /// Throws `.crcMismatch` unless the CRC stored in the header matches the bytes from the
    /// attributes to the end of the batch.
    public static func verifyCRC(of bytes: [UInt8], batch: Range<Int>, header: RecordBatchHeader) throws(WireError) {
        let covered = batch.lowerBound + RecordBatchHeader.attributesOffset..<batch.upperBound
        guard covered.lowerBound >= 0, covered.upperBound <= bytes.count, !covered.isEmpty else {
            throw .truncated(needed: batch.count, available: bytes.count, what: "record batch")
        }
        let actual = CRC32C.checksum(bytes, in: covered)
        guard actual == header.crc else { throw .crcMismatch(expected: header.crc, actual: actual) }
    }

    /// Sets the baseOffset of the batch starting at `batchStart`. The broker assigns offsets on
    /// append; the field is outside the CRC, so nothing else changes.
    public static func setBaseOffset(_ offset: Int64, in bytes: inout [UInt8], batchStart: Int) {
        writeInt64(offset, into: &bytes, at: batchStart + RecordBatchHeader.baseOffsetOffset)
    }

    /// Sets the partitionLeaderEpoch of the batch starting at `batchStart` (outside the CRC).
    public static func setPartitionLeaderEpoch(_ epoch: Int32, in bytes: inout [UInt8], batchStart: Int) {
        writeInt32(epoch, into: &bytes, at: batchStart + RecordBatchHeader.partitionLeaderEpochOffset)
    }

    /// Marks the batch as LogAppendTime and sets its maxTimestamp to the broker's clock, as a
    /// topic with `message.timestamp.type=LogAppendTime` requires. Both fields are inside the
    /// CRC, which is therefore recomputed.
    public static func setLogAppendTime(_ timestampMilliseconds: Int64, in bytes: inout [UInt8], batchStart: Int) {
        let at = batchStart + RecordBatchHeader.attributesOffset
        guard at >= 0, at + 2 <= bytes.count else { return }
        var attributes = RecordBatchAttributes(rawValue: Int16(bitPattern: UInt16(bytes[at]) << 8 | UInt16(bytes[at + 1])))
        attributes.timestampType = .logAppendTime
        let raw = UInt16(bitPattern: attributes.rawValue)
        bytes[at] = UInt8(truncatingIfNeeded: raw >> 8)
        bytes[at + 1] = UInt8(truncatingIfNeeded: raw)
        writeInt64(timestampMilliseconds, into: &bytes, at: batchStart + RecordBatchHeader.maxTimestampOffset)
        updateCRC(in: &bytes, batchStart: batchStart)
    }

    /// Recomputes the CRC of the batch starting at `batchStart`, whose length field must be set.
    public static func updateCRC(in bytes: inout [UInt8], batchStart: Int) {
        let lengthAt = batchStart + RecordBatchHeader.batchLengthOffset
        guard lengthAt >= 0, lengthAt + 4 <= bytes.count else { return }
        let length = Int(Int32(bitPattern: UInt32(bytes[lengthAt]) << 24 | UInt32(bytes[lengthAt + 1]) << 16
            | UInt32(bytes[lengthAt + 2]) << 8 | UInt32(bytes[lengthAt + 3])))
        let end = batchStart + RecordBatchHeader.logOverheadBytes + length
        let from = batchStart + RecordBatchHeader.attributesOffset
        guard length >= RecordBatchHeader.minimumBatchLength, end <= bytes.count else { return }
        let crc = CRC32C.checksum(bytes, in: from..<end)
        writeInt32(Int32(bitPattern: crc), into: &bytes, at: batchStart + RecordBatchHeader.crcOffset)
    }

    static func writeInt32(_ v: Int32, into bytes: inout [UInt8], at i: Int) {
        guard i >= 0, i + 4 <= bytes.count else { return }
        let u = UInt32(bitPattern: v)
        for k in 0..<4 { bytes[i + k] = UInt8(truncatingIfNeeded: u >> (24 - 8 * UInt32(k))) }
    }

    static func writeInt64(_ v: Int64, into bytes: inout [UInt8], at i: Int) {
        guard i >= 0, i + 8 <= bytes.count else { return }
        let u = UInt64(bitPattern: v)
        for k in 0..<8 { bytes[i + k] = UInt8(truncatingIfNeeded: u >> (56 - 8 * UInt64(k))) }
    }
}
