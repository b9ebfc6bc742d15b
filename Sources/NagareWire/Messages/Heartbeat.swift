/// Heartbeat (key 12), v0–4: a member says it is alive; the answer tells it to rejoin when a
/// rebalance started. Flexible from v4.
public struct HeartbeatRequest: KafkaMessage {
    public static let apiKey = ApiKey.heartbeat

    public var groupID: String
    public var generationID: Int32
    public var memberID: String
    /// v3+.
    public var groupInstanceID: String?

    public init(groupID: String = "", generationID: Int32 = -1, memberID: String = "", groupInstanceID: String? = nil) {
        self.groupID = groupID
        self.generationID = generationID
        self.memberID = memberID
        self.groupInstanceID = groupInstanceID
    }

    public static func decode(from reader: inout WireReader, version: Int16) throws(WireError) -> Self {
        try checkVersion(version)
        let flexible = apiKey.isFlexible(version)
        var message = Self()
        message.groupID = try reader.readString("group_id", flexible: flexible)
        message.generationID = try reader.readInt32("generation_id")
        message.memberID = try reader.readString("member_id", flexible: flexible)
        if version >= 3 { message.groupInstanceID = try reader.readNullableString("group_instance_id", flexible: flexible) }
        try reader.skipTaggedFields(flexible: flexible)
        return message
    }

    public func encode(into writer: inout WireWriter, version: Int16) {
        let flexible = Self.apiKey.isFlexible(version)
        writer.writeString(groupID, flexible: flexible)
        writer.writeInt32(generationID)
        writer.writeString(memberID, flexible: flexible)
        if version >= 3 { writer.writeNullableString(groupInstanceID, flexible: flexible) }
        writer.writeEmptyTaggedFields(flexible: flexible)
    }
}

public struct HeartbeatResponse: KafkaMessage {
    public static let apiKey = ApiKey.heartbeat

    /// v1+.
    public var throttleTimeMilliseconds: Int32
    public var errorCode: KafkaErrorCode

    public init(throttleTimeMilliseconds: Int32 = 0, errorCode: KafkaErrorCode = .none) {
        self.throttleTimeMilliseconds = throttleTimeMilliseconds
        self.errorCode = errorCode
    }

    public static func decode(from reader: inout WireReader, version: Int16) throws(WireError) -> Self {
        try checkVersion(version)
        let flexible = apiKey.isFlexible(version)
        var message = Self()
        if version >= 1 { message.throttleTimeMilliseconds = try reader.readInt32("throttle_time_ms") }
        message.errorCode = try reader.readErrorCode()
        try reader.skipTaggedFields(flexible: flexible)
        return message
    }

    public func encode(into writer: inout WireWriter, version: Int16) {
        let flexible = Self.apiKey.isFlexible(version)
        if version >= 1 { writer.writeInt32(throttleTimeMilliseconds) }
        writer.writeErrorCode(errorCode)
        writer.writeEmptyTaggedFields(flexible: flexible)
    }
}
