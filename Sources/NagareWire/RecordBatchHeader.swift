/// The fixed 61-byte header of a RecordBatch v2 (magic 2), the unit in which Kafka clients
/// produce, brokers store and consumers fetch records.
///
/// ```
/// offset  size  field
///      0     8  baseOffset            ┐ "log overhead": assigned or
///      8     4  batchLength           ┘ computed, outside the CRC
///     12     4  partitionLeaderEpoch    set by the broker, outside the CRC
///     16     1  magic (2)
///     17     4  crc                     CRC-32C of bytes 21 ..< end of batch
///     21     2  attributes
///     23     4  lastOffsetDelta
///     27     8  baseTimestamp
///     35     8  maxTimestamp
///     43     8  producerId
///     51     2  producerEpoch
///     53     4  baseSequence
///     57     4  recordCount
///     61        records …
/// ```
///
/// `batchLength` counts the bytes after itself, so a whole batch is `12 + batchLength` bytes.
public struct RecordBatchHeader: Hashable, Sendable {
    /// Bytes in the header, up to and including the record count.
    public static let size = 61
    /// baseOffset + batchLength: the part of the header that `batchLength` does not count.
    public static let logOverheadBytes = 12
    /// The smallest valid `batchLength`: a header with no records.
    public static let minimumBatchLength = Int32(size - logOverheadBytes)
    /// The only magic (format version) Nagare accepts.
    public static let currentMagic: Int8 = 2

    // Byte offsets of the fields the broker patches in place.
    public static let baseOffsetOffset = 0
    public static let batchLengthOffset = 8
    public static let partitionLeaderEpochOffset = 12
    public static let magicOffset = 16
    public static let crcOffset = 17
    /// The CRC covers everything from the attributes to the end of the batch.
    public static let attributesOffset = 21
    public static let maxTimestampOffset = 35

    public var baseOffset: Int64
    public var batchLength: Int32
    public var partitionLeaderEpoch: Int32
    public var magic: Int8
    public var crc: UInt32
    public var attributes: RecordBatchAttributes
    public var lastOffsetDelta: Int32
    public var baseTimestamp: Int64
    public var maxTimestamp: Int64
    public var producerID: Int64
    public var producerEpoch: Int16
    public var baseSequence: Int32
    public var recordCount: Int32

    public init(
        baseOffset: Int64 = 0, batchLength: Int32 = minimumBatchLength, partitionLeaderEpoch: Int32 = -1,
        magic: Int8 = currentMagic, crc: UInt32 = 0, attributes: RecordBatchAttributes = .init(),
        lastOffsetDelta: Int32 = 0, baseTimestamp: Int64 = -1, maxTimestamp: Int64 = -1,
        producerID: Int64 = -1, producerEpoch: Int16 = -1, baseSequence: Int32 = -1, recordCount: Int32 = 0
    ) {
        self.baseOffset = baseOffset
        self.batchLength = batchLength
        self.partitionLeaderEpoch = partitionLeaderEpoch
        self.magic = magic
        self.crc = crc
        self.attributes = attributes
        self.lastOffsetDelta = lastOffsetDelta
        self.baseTimestamp = baseTimestamp
        self.maxTimestamp = maxTimestamp
        self.producerID = producerID
        self.producerEpoch = producerEpoch
        self.baseSequence = baseSequence
        self.recordCount = recordCount
    }

    /// Parses and sanity-checks the header starting at `start`. It does not check the CRC nor
    /// that the whole batch is present (see `RecordBatchSplitter`).
    ///
    /// Rejects: fewer than 61 bytes, a magic other than 2 (the v0/v1 message sets of very old
    /// clients), a `batchLength` too small for a header, compression codes 5–7, and negative
    /// record counts or offset deltas.
    /// Bytes at or after `end` (default: the end of `bytes`) are never read.
    public init(parsing bytes: [UInt8], at start: Int = 0, end: Int? = nil) throws(WireError) {
        let end = min(end ?? bytes.count, bytes.count)
        guard start >= 0, start <= end else {
            throw .truncated(needed: Self.size, available: 0, what: "record batch header")
        }
        var r = WireReader(bytes, from: start, to: end)
        guard r.remaining >= Self.size else {
            // Report the magic problem first when it is visible: it explains more than "short".
            if r.remaining > Self.magicOffset, Int8(bitPattern: bytes[start + Self.magicOffset]) != Self.currentMagic {
                throw .unsupported("record batch magic \(Int8(bitPattern: bytes[start + Self.magicOffset])) (only magic 2 is supported)")
            }
            throw .truncated(needed: Self.size, available: r.remaining, what: "record batch header")
        }
        baseOffset = try r.readInt64("baseOffset")
        batchLength = try r.readInt32("batchLength")
        partitionLeaderEpoch = try r.readInt32("partitionLeaderEpoch")
        magic = try r.readInt8("magic")
        crc = try r.readUInt32("crc")
        attributes = RecordBatchAttributes(rawValue: try r.readInt16("attributes"))
        lastOffsetDelta = try r.readInt32("lastOffsetDelta")
        baseTimestamp = try r.readInt64("baseTimestamp")
        maxTimestamp = try r.readInt64("maxTimestamp")
        producerID = try r.readInt64("producerId")
        producerEpoch = try r.readInt16("producerEpoch")
        baseSequence = try r.readInt32("baseSequence")
        recordCount = try r.readInt32("recordCount")

        guard magic == Self.currentMagic else {
            throw .unsupported("record batch magic \(magic) (only magic 2 is supported)")
        }
        guard batchLength >= Self.minimumBatchLength else {
            throw .invalidLength(Int64(batchLength), what: "record batch length")
        }
        guard attributes.compression != nil else {
            throw .unsupported("record batch compression code \(attributes.compressionCode)")
        }
        guard recordCount >= 0 else { throw .invalidLength(Int64(recordCount), what: "record batch record count") }
        guard lastOffsetDelta >= 0 else {
            throw .invalidLength(Int64(lastOffsetDelta), what: "record batch lastOffsetDelta")
        }
    }

    /// Bytes of the whole batch, header included.
    public var totalBytes: Int { Self.logOverheadBytes + Int(batchLength) }

    /// The offset of the batch's last record (gaps left by compaction included).
    public var lastOffset: Int64 { baseOffset &+ Int64(lastOffsetDelta) }

    /// The offset following this batch: where the next batch starts.
    public var nextOffset: Int64 { lastOffset &+ 1 }

    public var isControl: Bool { attributes.isControl }
    public var isTransactional: Bool { attributes.isTransactional }
    public var compression: CompressionCodec { attributes.compression ?? .none }

    /// Writes the 61 header bytes, exactly as the fields say (no length or CRC computed).
    public func write(to writer: inout WireWriter) {
        writer.writeInt64(baseOffset)
        writer.writeInt32(batchLength)
        writer.writeInt32(partitionLeaderEpoch)
        writer.writeInt8(magic)
        writer.writeUInt32(crc)
        writer.writeInt16(attributes.rawValue)
        writer.writeInt32(lastOffsetDelta)
        writer.writeInt64(baseTimestamp)
        writer.writeInt64(maxTimestamp)
        writer.writeInt64(producerID)
        writer.writeInt16(producerEpoch)
        writer.writeInt32(baseSequence)
        writer.writeInt32(recordCount)
    }
}
