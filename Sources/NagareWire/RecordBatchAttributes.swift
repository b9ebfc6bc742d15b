/// The compression codec of a record batch (attributes bits 0–2).
///
/// Nagare's broker stores compressed batches exactly as received and never decompresses them,
/// so the codec only needs to be recognised, not implemented.
public enum CompressionCodec: Int16, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    case none = 0
    case gzip = 1
    case snappy = 2
    case lz4 = 3
    case zstd = 4

    public var description: String {
        switch self {
        case .none: "none"
        case .gzip: "gzip"
        case .snappy: "snappy"
        case .lz4: "lz4"
        case .zstd: "zstd"
        }
    }
}

/// Whose clock the batch timestamps come from (attributes bit 3).
public enum TimestampType: Int16, Hashable, Sendable {
    /// Set by the producer.
    case createTime = 0
    /// Set by the broker when it appended the batch (`message.timestamp.type=LogAppendTime`).
    case logAppendTime = 1
}

/// The 16-bit attributes field of a RecordBatch v2 header.
///
/// Kept as the raw value so that unknown bits (7–15) survive a decode → encode round trip
/// unchanged; the properties read and write the documented bits.
public struct RecordBatchAttributes: Hashable, Sendable, CustomStringConvertible {
    public var rawValue: Int16

    public init(rawValue: Int16) { self.rawValue = rawValue }

    public init(
        compression: CompressionCodec = .none, timestampType: TimestampType = .createTime,
        isTransactional: Bool = false, isControl: Bool = false
    ) {
        rawValue = 0
        self.compressionCode = compression.rawValue
        self.timestampType = timestampType
        self.isTransactional = isTransactional
        self.isControl = isControl
    }

    static let compressionMask: Int16 = 0x07
    static let timestampTypeBit: Int16 = 0x08
    static let transactionalBit: Int16 = 0x10
    static let controlBit: Int16 = 0x20
    static let deleteHorizonBit: Int16 = 0x40

    /// The raw compression code (0–7); only 0–4 are defined.
    public var compressionCode: Int16 {
        get { rawValue & Self.compressionMask }
        set { rawValue = (rawValue & ~Self.compressionMask) | (newValue & Self.compressionMask) }
    }

    /// The codec, or nil for the undefined codes 5–7.
    public var compression: CompressionCodec? { CompressionCodec(rawValue: compressionCode) }

    public var timestampType: TimestampType {
        get { rawValue & Self.timestampTypeBit != 0 ? .logAppendTime : .createTime }
        set { setBit(Self.timestampTypeBit, newValue == .logAppendTime) }
    }

    /// The batch belongs to a transaction; read_committed consumers hide it until its commit
    /// marker and drop it after an abort marker.
    public var isTransactional: Bool {
        get { rawValue & Self.transactionalBit != 0 }
        set { setBit(Self.transactionalBit, newValue) }
    }

    /// The batch holds control records (transaction markers), never shown to applications.
    public var isControl: Bool {
        get { rawValue & Self.controlBit != 0 }
        set { setBit(Self.controlBit, newValue) }
    }

    /// Bit 6 (KIP-534): the base timestamp is the compaction delete horizon. Nagare's compactor
    /// does not set it but preserves it.
    public var hasDeleteHorizon: Bool { rawValue & Self.deleteHorizonBit != 0 }

    private mutating func setBit(_ bit: Int16, _ on: Bool) {
        rawValue = on ? rawValue | bit : rawValue & ~bit
    }

    public var description: String {
        var parts = ["compression=\(compression?.description ?? "unknown(\(compressionCode))")"]
        if timestampType == .logAppendTime { parts.append("logAppendTime") }
        if isTransactional { parts.append("transactional") }
        if isControl { parts.append("control") }
        return parts.joined(separator: ",")
    }
}
