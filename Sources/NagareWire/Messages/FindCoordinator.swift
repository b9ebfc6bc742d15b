/// FindCoordinator (key 10), v0–3: which broker coordinates a group or a transactional id.
/// Flexible from v3. v4+ (batched keys) is not supported.
public struct FindCoordinatorRequest: KafkaMessage {
    public static let apiKey = ApiKey.findCoordinator

    /// What `key` names. Raw-value struct so an unknown type still decodes and can be refused
    /// with an error code rather than a dropped connection.
    public struct KeyType: RawRepresentable, Hashable, Sendable {
        public var rawValue: Int8
        public init(rawValue: Int8) { self.rawValue = rawValue }

        public static let group = KeyType(rawValue: 0)
        public static let transaction = KeyType(rawValue: 1)
    }

    /// A group id or a transactional id.
    public var key: String
    /// v1+; v0 always means a group.
    public var keyType: KeyType

    public init(key: String = "", keyType: KeyType = .group) {
        self.key = key
        self.keyType = keyType
    }

    public static func decode(from reader: inout WireReader, version: Int16) throws(WireError) -> Self {
        try checkVersion(version)
        let flexible = apiKey.isFlexible(version)
        var message = Self(key: try reader.readString("key", flexible: flexible))
        if version >= 1 { message.keyType = KeyType(rawValue: try reader.readInt8("key_type")) }
        try reader.skipTaggedFields(flexible: flexible)
        return message
    }

    public func encode(into writer: inout WireWriter, version: Int16) {
        let flexible = Self.apiKey.isFlexible(version)
        writer.writeString(key, flexible: flexible)
        if version >= 1 { writer.writeInt8(keyType.rawValue) }
        writer.writeEmptyTaggedFields(flexible: flexible)
    }
}

public struct FindCoordinatorResponse: KafkaMessage {
    public static let apiKey = ApiKey.findCoordinator

    /// v1+.
    public var throttleTimeMilliseconds: Int32
    public var errorCode: KafkaErrorCode
    /// v1+.
    public var errorMessage: String?
    public var nodeID: Int32
    public var host: String
    public var port: Int32

    public init(throttleTimeMilliseconds: Int32 = 0, errorCode: KafkaErrorCode = .none, errorMessage: String? = nil,
                nodeID: Int32 = -1, host: String = "", port: Int32 = -1) {
        self.throttleTimeMilliseconds = throttleTimeMilliseconds
        self.errorCode = errorCode
        self.errorMessage = errorMessage
        self.nodeID = nodeID
        self.host = host
        self.port = port
    }

    public static func decode(from reader: inout WireReader, version: Int16) throws(WireError) -> Self {
        try checkVersion(version)
        let flexible = apiKey.isFlexible(version)
        var message = Self()
        if version >= 1 { message.throttleTimeMilliseconds = try reader.readInt32("throttle_time_ms") }
        message.errorCode = try reader.readErrorCode()
        if version >= 1 { message.errorMessage = try reader.readNullableString("error_message", flexible: flexible) }
        message.nodeID = try reader.readInt32("node_id")
        message.host = try reader.readString("host", flexible: flexible)
        message.port = try reader.readInt32("port")
        try reader.skipTaggedFields(flexible: flexible)
        return message
    }

    public func encode(into writer: inout WireWriter, version: Int16) {
        let flexible = Self.apiKey.isFlexible(version)
        if version >= 1 { writer.writeInt32(throttleTimeMilliseconds) }
        writer.writeErrorCode(errorCode)
        if version >= 1 { writer.writeNullableString(errorMessage, flexible: flexible) }
        writer.writeInt32(nodeID)
        writer.writeString(host, flexible: flexible)
        writer.writeInt32(port)
        writer.writeEmptyTaggedFields(flexible: flexible)
    }
}
