/// InitProducerId (key 22), v0–4: an idempotent or transactional producer gets its producer id
/// and epoch. For a transactional id this also fences older producers with the same id and
/// aborts (or completes) their open transaction — the step that makes a restarted Nagare
/// pipeline safe. Flexible from v2; v3+ lets a producer bump its epoch after an abortable error
/// (KIP-360). v5+ (KIP-939 two-phase commit) is not supported.
public struct InitProducerIDRequest: KafkaMessage {
    public static let apiKey = ApiKey.initProducerID

    /// `nil` for an idempotent producer without transactions.
    public var transactionalID: String?
    public var transactionTimeoutMilliseconds: Int32
    /// v3+: the current producer id when re-initializing, else -1.
    public var producerID: Int64
    /// v3+: the current epoch when re-initializing, else -1.
    public var producerEpoch: Int16

    public init(transactionalID: String? = nil, transactionTimeoutMilliseconds: Int32 = 60_000,
                producerID: Int64 = -1, producerEpoch: Int16 = -1) {
        self.transactionalID = transactionalID
        self.transactionTimeoutMilliseconds = transactionTimeoutMilliseconds
        self.producerID = producerID
        self.producerEpoch = producerEpoch
    }

    public static func decode(from reader: inout WireReader, version: Int16) throws(WireError) -> Self {
        try checkVersion(version)
        let flexible = apiKey.isFlexible(version)
        var message = Self()
        message.transactionalID = try reader.readNullableString("transactional_id", flexible: flexible)
        message.transactionTimeoutMilliseconds = try reader.readInt32("transaction_timeout_ms")
        if version >= 3 {
            message.producerID = try reader.readInt64("producer_id")
            message.producerEpoch = try reader.readInt16("producer_epoch")
        }
        try reader.skipTaggedFields(flexible: flexible)
        return message
    }

    public func encode(into writer: inout WireWriter, version: Int16) {
        let flexible = Self.apiKey.isFlexible(version)
        writer.writeNullableString(transactionalID, flexible: flexible)
        writer.writeInt32(transactionTimeoutMilliseconds)
        if version >= 3 {
            writer.writeInt64(producerID)
            writer.writeInt16(producerEpoch)
        }
        writer.writeEmptyTaggedFields(flexible: flexible)
    }
}

public struct InitProducerIDResponse: KafkaMessage {
    public static let apiKey = ApiKey.initProducerID

    public var throttleTimeMilliseconds: Int32
    public var errorCode: KafkaErrorCode
    public var producerID: Int64
    public var producerEpoch: Int16

    public init(throttleTimeMilliseconds: Int32 = 0, errorCode: KafkaErrorCode = .none, producerID: Int64 = -1,
                producerEpoch: Int16 = 0) {
        self.throttleTimeMilliseconds = throttleTimeMilliseconds
        self.errorCode = errorCode
        self.producerID = producerID
        self.producerEpoch = producerEpoch
    }

    public static func decode(from reader: inout WireReader, version: Int16) throws(WireError) -> Self {
        try checkVersion(version)
        let flexible = apiKey.isFlexible(version)
        let message = Self(throttleTimeMilliseconds: try reader.readInt32("throttle_time_ms"),
                           errorCode: try reader.readErrorCode(),
                           producerID: try reader.readInt64("producer_id"),
                           producerEpoch: try reader.readInt16("producer_epoch"))
        try reader.skipTaggedFields(flexible: flexible)
        return message
    }

    public func encode(into writer: inout WireWriter, version: Int16) {
        let flexible = Self.apiKey.isFlexible(version)
        writer.writeInt32(throttleTimeMilliseconds)
        writer.writeErrorCode(errorCode)
        writer.writeInt64(producerID)
        writer.writeInt16(producerEpoch)
        writer.writeEmptyTaggedFields(flexible: flexible)
    }
}
