/// EndTxn (key 26), v0–3: commit or abort the producer's current transaction. The coordinator
/// then writes markers to every partition registered through AddPartitionsToTxn (and to the
/// offsets topic for AddOffsetsToTxn). Flexible from v3. v4+ (KIP-890 epoch bump) is not
/// supported.
public struct EndTxnRequest: KafkaMessage {
    public static let apiKey = ApiKey.endTxn

    public var transactionalID: String
    public var producerID: Int64
    public var producerEpoch: Int16
    /// `true` to commit, `false` to abort.
    public var committed: Bool

    public init(transactionalID: String = "", producerID: Int64 = -1, producerEpoch: Int16 = -1, committed: Bool = false) {
        self.transactionalID = transactionalID
        self.producerID = producerID
        self.producerEpoch = producerEpoch
        self.committed = committed
    }

    public static func decode(from reader: inout WireReader, version: Int16) throws(WireError) -> Self {
        try checkVersion(version)
        let flexible = apiKey.isFlexible(version)
        let message = Self(transactionalID: try reader.readString("transactional_id", flexible: flexible),
                           producerID: try reader.readInt64("producer_id"),
                           producerEpoch: try reader.readInt16("producer_epoch"),
                           committed: try reader.readBool("committed"))
        try reader.skipTaggedFields(flexible: flexible)
        return message
    }

    public func encode(into writer: inout WireWriter, version: Int16) {
        let flexible = Self.apiKey.isFlexible(version)
        writer.writeString(transactionalID, flexible: flexible)
        writer.writeInt64(producerID)
        writer.writeInt16(producerEpoch)
        writer.writeBool(committed)
        writer.writeEmptyTaggedFields(flexible: flexible)
    }
}

public struct EndTxnResponse: KafkaMessage {
    public static let apiKey = ApiKey.endTxn

    public var throttleTimeMilliseconds: Int32
    public var errorCode: KafkaErrorCode

    public init(throttleTimeMilliseconds: Int32 = 0, errorCode: KafkaErrorCode = .none) {
        self.throttleTimeMilliseconds = throttleTimeMilliseconds
        self.errorCode = errorCode
    }

    public static func decode(from reader: inout WireReader, version: Int16) throws(WireError) -> Self {
        try checkVersion(version)
        let message = Self(throttleTimeMilliseconds: try reader.readInt32("throttle_time_ms"),
                           errorCode: try reader.readErrorCode())
        try reader.skipTaggedFields(flexible: apiKey.isFlexible(version))
        return message
    }

    public func encode(into writer: inout WireWriter, version: Int16) {
        writer.writeInt32(throttleTimeMilliseconds)
        writer.writeErrorCode(errorCode)
        writer.writeEmptyTaggedFields(flexible: Self.apiKey.isFlexible(version))
    }
}
