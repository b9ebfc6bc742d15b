/// DeleteTopics (key 20), v0–4: admin clients delete topics by name. Flexible from v4.
/// v5+ (error messages, topic ids) is not supported.
public struct DeleteTopicsRequest: KafkaMessage {
    public static let apiKey = ApiKey.deleteTopics

    public var topicNames: [String]
    public var timeoutMilliseconds: Int32

    public init(topicNames: [String] = [], timeoutMilliseconds: Int32 = 30_000) {
        self.topicNames = topicNames
        self.timeoutMilliseconds = timeoutMilliseconds
    }

    public static func decode(from reader: inout WireReader, version: Int16) throws(WireError) -> Self {
        try checkVersion(version)
        let flexible = apiKey.isFlexible(version)
        var message = Self()
        message.topicNames = try reader.readStringArray("topic_names", flexible: flexible)
        message.timeoutMilliseconds = try reader.readInt32("timeout_ms")
        try reader.skipTaggedFields(flexible: flexible)
        return message
    }

    public func encode(into writer: inout WireWriter, version: Int16) {
        let flexible = Self.apiKey.isFlexible(version)
        writer.writeStringArray(topicNames, flexible: flexible)
        writer.writeInt32(timeoutMilliseconds)
        writer.writeEmptyTaggedFields(flexible: flexible)
    }
}

public struct DeleteTopicsResponse: KafkaMessage {
    public static let apiKey = ApiKey.deleteTopics

    public struct Result: Hashable, Sendable {
        public var name: String
        public var errorCode: KafkaErrorCode

        public init(name: String, errorCode: KafkaErrorCode = .none) {
            self.name = name
            self.errorCode = errorCode
        }
    }

    /// v1+.
    public var throttleTimeMilliseconds: Int32
    public var responses: [Result]

    public init(throttleTimeMilliseconds: Int32 = 0, responses: [Result] = []) {
        self.throttleTimeMilliseconds = throttleTimeMilliseconds
        self.responses = responses
    }

    public static func decode(from reader: inout WireReader, version: Int16) throws(WireError) -> Self {
        try checkVersion(version)
        let flexible = apiKey.isFlexible(version)
        var message = Self()
        if version >= 1 { message.throttleTimeMilliseconds = try reader.readInt32("throttle_time_ms") }
        message.responses = try reader.readArray("responses", flexible: flexible, minElementSize: 3) { (r) throws(WireError) in
            let result = Result(name: try r.readString("name", flexible: flexible), errorCode: try r.readErrorCode())
            try r.skipTaggedFields(flexible: flexible)
            return result
        }
        try reader.skipTaggedFields(flexible: flexible)
        return message
    }

    public func encode(into writer: inout WireWriter, version: Int16) {
        let flexible = Self.apiKey.isFlexible(version)
        if version >= 1 { writer.writeInt32(throttleTimeMilliseconds) }
        writer.writeArray(responses, flexible: flexible) { w, result in
            w.writeString(result.name, flexible: flexible)
            w.writeErrorCode(result.errorCode)
            w.writeEmptyTaggedFields(flexible: flexible)
        }
        writer.writeEmptyTaggedFields(flexible: flexible)
    }
}
