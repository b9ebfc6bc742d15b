public import NagareCore

/// One record inside an uncompressed RecordBatch v2, with offset and timestamp kept as deltas
/// from the batch header (as on the wire).
///
/// ```
/// length          varint   bytes after this field
/// attributes      int8     unused, 0
/// timestampDelta  varlong  from the batch's baseTimestamp
/// offsetDelta     varint   from the batch's baseOffset
/// keyLength       varint   -1 for a null key
/// key             bytes
/// valueLength     varint   -1 for a null value (a tombstone in a compacted topic)
/// value           bytes
/// headerCount     varint
///   keyLength varint, key UTF-8, valueLength varint (-1 null), value bytes
/// ```
public struct RecordBatchRecord: Hashable, Sendable {
    public var attributes: Int8
    public var timestampDelta: Int64
    public var offsetDelta: Int32
    public var key: [UInt8]?
    public var value: [UInt8]?
    public var headers: [RecordHeader]

    public init(
        offsetDelta: Int32, timestampDelta: Int64 = 0, key: [UInt8]? = nil, value: [UInt8]?,
        headers: [RecordHeader] = [], attributes: Int8 = 0
    ) {
        self.attributes = attributes
        self.timestampDelta = timestampDelta
        self.offsetDelta = offsetDelta
        self.key = key
        self.value = value
        self.headers = headers
    }

    /// The smallest possible encoded record: seven one-byte fields. Used to bound a hostile
    /// record count before reserving memory.
    static let minimumEncodedBytes = 7

    /// Decodes one record at the reader's position. The record must end exactly where its
    /// length prefix says; on error the reader may have advanced.
    public static func decode(from reader: inout WireReader) throws(WireError) -> RecordBatchRecord {
        let length = Int(try reader.readVarint("record length"))
        guard length >= minimumEncodedBytes - 1, length <= reader.remaining else {
            if length > reader.remaining {
                throw .truncated(needed: length, available: reader.remaining, what: "record")
            }
            throw .invalidLength(Int64(length), what: "record length")
        }
        let end = reader.position + length
        // A reader limited to this record, so a field cannot spill into the next record.
        var r = WireReader(reader.bytes, from: reader.position, to: end)
        let attributes = try r.readInt8("record attributes")
        let timestampDelta = try r.readVarlong("record timestampDelta")
        let offsetDelta = try r.readVarint("record offsetDelta")
        let key = try readVarintBytes(&r, "record key")
        let value = try readVarintBytes(&r, "record value")
        let headerCount = Int(try r.readVarint("record header count"))
        guard headerCount >= 0, headerCount <= r.remaining / 2 else {
            throw .invalidLength(Int64(headerCount), what: "record header count")
        }
        var headers: [RecordHeader] = []
        headers.reserveCapacity(headerCount)
        for _ in 0..<headerCount {
            guard let keyBytes = try readVarintBytes(&r, "record header key") else {
                throw .invalidLength(-1, what: "record header key")
            }
            guard let headerKey = String(validating: keyBytes, as: UTF8.self) else {
                throw .invalidUTF8(what: "record header key")
            }
            headers.append(RecordHeader(key: headerKey, value: try readVarintBytes(&r, "record header value")))
        }
        guard r.isAtEnd else {
            throw .invalidLength(Int64(length), what: "record length (\(r.remaining) bytes left unread)")
        }
        try reader.skip(length, what: "record")
        return RecordBatchRecord(
            offsetDelta: offsetDelta, timestampDelta: timestampDelta, key: key, value: value,
            headers: headers, attributes: attributes)
    }

    private static func readVarintBytes(_ r: inout WireReader, _ what: String) throws(WireError) -> [UInt8]? {
        let n = Int(try r.readVarint(what))
        if n == -1 { return nil }
        guard n >= 0 else { throw .invalidLength(Int64(n), what: what) }
        return try r.readBytes(count: n, what)
    }

    /// Appends the encoded record, length prefix included.
    public func write(to writer: inout WireWriter) {
        var body = WireWriter(reservingCapacity: 16 + (key?.count ?? 0) + (value?.count ?? 0))
        body.writeInt8(attributes)
        body.writeVarlong(timestampDelta)
        body.writeVarint(offsetDelta)
        Self.writeVarintBytes(&body, key)
        Self.writeVarintBytes(&body, value)
        body.writeVarint(Int32(clamping: headers.count))
        for header in headers {
            Self.writeVarintBytes(&body, Array(header.key.utf8))
            Self.writeVarintBytes(&body, header.value)
        }
        writer.writeVarint(Int32(clamping: body.count))
        writer.writeBytes(body.bytes)
    }

    private static func writeVarintBytes(_ w: inout WireWriter, _ bytes: [UInt8]?) {
        guard let bytes else { w.writeVarint(-1); return }
        w.writeVarint(Int32(clamping: bytes.count))
        w.writeBytes(bytes)
    }

    /// The record as the rest of Nagare sees it, with absolute offset and timestamp.
    public func record(in topicPartition: TopicPartition, batch header: RecordBatchHeader) -> Record {
        Record(
            topicPartition: topicPartition, offset: Offset(header.baseOffset &+ Int64(offsetDelta)),
            timestampMilliseconds: header.attributes.timestampType == .logAppendTime
                ? header.maxTimestamp : header.baseTimestamp &+ timestampDelta,
            key: key, value: value, headers: headers)
    }
}
