/// AddOffsetsToTxn (key 25), v0–3: a transactional producer says it will commit a group's
/// offsets in the current transaction (the first half of `sendOffsetsToTransaction`; the offsets
/// themselves follow in TxnOffsetCommit). Flexible from v3.
public struct AddOffsetsToTxnRequest: KafkaMessage {
    public static let apiKey = ApiKey.addOffsetsToTxn

    public var transactionalID: String
    public var producerID: Int64
    public var producerEpoch: Int16
    public var groupID: String

    public init(transactionalID: String = "", producerID: Int64 = -1, producerEpoch: Int16 = -1, groupID: String = "") {
        self.transactionalID = transactionalID
        self.producerID = producerID
        self.producerEpoch = producerEpoch
        self.groupID = groupID
    }

    public static func decode(from reader: inout WireReader, version: Int16) throws(WireError) -> Self {
        try checkVersion(version)
        let flexible = apiKey.isFlexible(version)
        let message = Self(transactionalID: try reader.readString("transactional_id", flexible: flexible),
                           producerID: try reader.readInt64("producer_id"),
                           producerEpoch: try reader.readInt16("producer_epoch"),
                           groupID: try reader.readString("group_id", flexible: flexible))
        try reader.skipTaggedFields(flexible: flexible)
        return message
    }

    public func encode(into writer: inout WireWriter, version: Int16) {
        let flexible = Self.apiKey.isFlexible(version)
        writer.writeString(transactionalID, flexible: flexible)
        writer.writeInt64(producerID)
        writer.writeInt16(producerEpoch)
        writer.writeString(groupID, flexible: flexible)
        writer.writeEmptyTaggedFields(flexible: flexible)
    }
}

public struct AddOffsetsToTxnResponse: KafkaMessage {
    public static let apiKey = ApiKey.addOffsetsToTxn

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
