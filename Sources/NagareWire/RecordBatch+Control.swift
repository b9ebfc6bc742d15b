/// The type of a control record (the int16 after the version in its key).
///
/// A struct rather than an enum so that types Nagare does not handle (KRaft's leader-change
/// and snapshot records) can still be read and skipped.
public struct ControlRecordType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: Int16
    public init(rawValue: Int16) { self.rawValue = rawValue }

    /// The transaction was aborted: read_committed consumers drop its records.
    public static let abort = ControlRecordType(rawValue: 0)
    /// The transaction was committed: its records become visible.
    public static let commit = ControlRecordType(rawValue: 1)

    public var description: String {
        switch self {
        case .abort: "abort"
        case .commit: "commit"
        default: "control(\(rawValue))"
        }
    }
}

/// A transaction marker: the single control record the transaction coordinator writes into
/// each partition a transaction touched, when the transaction ends.
///
/// Key: version int16 (0), type int16. Value: version int16 (0), coordinatorEpoch int32.
/// The marker's batch has the control and transactional attributes and the producer's ID and
/// epoch, which is how consumers match it to the transaction's data batches.
public struct EndTransactionMarker: Hashable, Sendable {
    public var type: ControlRecordType
    public var coordinatorEpoch: Int32

    public init(type: ControlRecordType, coordinatorEpoch: Int32) {
        self.type = type
        self.coordinatorEpoch = coordinatorEpoch
    }

    public static let keyVersion: Int16 = 0
    public static let valueVersion: Int16 = 0

    /// The record key: version then type.
    public var key: [UInt8] {
        var w = WireWriter(reservingCapacity: 4)
        w.writeInt16(Self.keyVersion)
        w.writeInt16(type.rawValue)
        return w.bytes
    }

    /// The record value: version then coordinator epoch.
    public var value: [UInt8] {
        var w = WireWriter(reservingCapacity: 6)
        w.writeInt16(Self.valueVersion)
        w.writeInt32(coordinatorEpoch)
        return w.bytes
    }

    /// The control type of a control record key, whatever the type.
    public static func controlType(ofKey key: [UInt8]?) throws(WireError) -> ControlRecordType {
        guard let key else { throw .invalidLength(-1, what: "control record key") }
        var r = WireReader(key)
        let version = try r.readInt16("control record key version")
        // Later versions may append fields; the type stays second.
        guard version >= 0 else { throw .unsupported("control record key version \(version)") }
        return ControlRecordType(rawValue: try r.readInt16("control record type"))
    }

    /// Decodes a marker from a control record's key and value. Throws `.unsupported` for
    /// control types other than commit and abort.
    public init(key: [UInt8]?, value: [UInt8]?) throws(WireError) {
        let type = try Self.controlType(ofKey: key)
        guard type == .commit || type == .abort else {
            throw .unsupported("control record type \(type.rawValue) is not a transaction marker")
        }
        guard let value else { throw .invalidLength(-1, what: "transaction marker value") }
        var r = WireReader(value)
        let version = try r.readInt16("transaction marker version")
        guard version >= 0 else { throw .unsupported("transaction marker version \(version)") }
        self.type = type
        self.coordinatorEpoch = try r.readInt32("transaction marker coordinatorEpoch")
    }

    /// Decodes the marker of a control batch (its first record).
    public init(batch: RecordBatch) throws(WireError) {
        guard batch.header.isControl else { throw .unsupported("batch is not a control batch") }
        guard let record = batch.records.first else {
            throw .invalidLength(0, what: "control batch record count")
        }
        try self.init(key: record.key, value: record.value)
    }
}

extension RecordBatch {
    /// The control batch holding `marker` for one producer's transaction, with attributes
    /// isControl | isTransactional and one record at offset delta 0.
    public static func endTransactionMarker(
        _ marker: EndTransactionMarker, producerID: Int64, producerEpoch: Int16,
        timestampMilliseconds: Int64, baseOffset: Int64 = 0, partitionLeaderEpoch: Int32 = -1
    ) -> RecordBatch {
        RecordBatch(
            baseOffset: baseOffset,
            entries: [(key: marker.key, value: marker.value, headers: [], timestampMilliseconds: timestampMilliseconds)],
            attributes: RecordBatchAttributes(isTransactional: true, isControl: true),
            producerID: producerID, producerEpoch: producerEpoch, baseSequence: -1,
            partitionLeaderEpoch: partitionLeaderEpoch)
    }
}
