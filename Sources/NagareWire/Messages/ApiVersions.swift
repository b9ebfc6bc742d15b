/// ApiVersions (key 18), v0–3: the first request of every connection, asking which APIs and
/// versions the broker speaks. v3 is flexible in its body but, unlike every other flexible
/// API, its response header stays v0 (see `ResponseHeader.headerVersion`).
public struct ApiVersionsRequest: KafkaMessage {
    public static let apiKey = ApiKey.apiVersions

    /// v3+: the client library's name, e.g. "librdkafka". Informational.
    public var clientSoftwareName: String
    /// v3+: the client library's version.
    public var clientSoftwareVersion: String

    public init(clientSoftwareName: String = "", clientSoftwareVersion: String = "") {
        self.clientSoftwareName = clientSoftwareName
        self.clientSoftwareVersion = clientSoftwareVersion
    }

    public static func decode(from reader: inout WireReader, version: Int16) throws(WireError) -> Self {
        try checkVersion(version)
        var message = Self()
        if version >= 3 {
            message.clientSoftwareName = try reader.readCompactString("client_software_name")
            message.clientSoftwareVersion = try reader.readCompactString("client_software_version")
            try reader.skipTaggedFields(flexible: true)
        }
        return message
    }

    public func encode(into writer: inout WireWriter, version: Int16) {
        if version >= 3 {
            writer.writeCompactString(clientSoftwareName)
            writer.writeCompactString(clientSoftwareVersion)
            writer.writeEmptyTaggedFields(flexible: true)
        }
    }
}

public struct ApiVersionsResponse: KafkaMessage {
    public static let apiKey = ApiKey.apiVersions

    /// One supported API: its key and the version range.
    public struct ApiVersion: Hashable, Sendable {
        public var apiKey: Int16
        public var minVersion: Int16
        public var maxVersion: Int16

        public init(apiKey: Int16, minVersion: Int16, maxVersion: Int16) {
            self.apiKey = apiKey
            self.minVersion = minVersion
            self.maxVersion = maxVersion
        }

        /// What Nagare advertises, generated from `ApiKey` so that it cannot disagree with what
        /// the codecs accept.
        public static var nagareSupported: [ApiVersion] {
            ApiKey.allCases.map {
                ApiVersion(apiKey: $0.rawValue, minVersion: $0.supportedVersions.lowerBound,
                           maxVersion: $0.supportedVersions.upperBound)
            }
        }
    }

    public var errorCode: KafkaErrorCode
    public var apiKeys: [ApiVersion]
    /// v1+.
    public var throttleTimeMilliseconds: Int32

    public init(errorCode: KafkaErrorCode = .none, apiKeys: [ApiVersion] = [], throttleTimeMilliseconds: Int32 = 0) {
        self.errorCode = errorCode
        self.apiKeys = apiKeys
        self.throttleTimeMilliseconds = throttleTimeMilliseconds
    }

    public static func decode(from reader: inout WireReader, version: Int16) throws(WireError) -> Self {
        try checkVersion(version)
        let flexible = apiKey.isFlexible(version)
        var message = Self()
        message.errorCode = try reader.readErrorCode()
        message.apiKeys = try reader.readArray("api_keys", flexible: flexible, minElementSize: 6) { (r) throws(WireError) in
            let entry = ApiVersion(apiKey: try r.readInt16("api_key"), minVersion: try r.readInt16("min_version"),
                                   maxVersion: try r.readInt16("max_version"))
            try r.skipTaggedFields(flexible: flexible)
            return entry
        }
        if version >= 1 { message.throttleTimeMilliseconds = try reader.readInt32("throttle_time_ms") }
        // v3 tags (supported/finalized features) are skipped: Nagare has no feature flags.
        try reader.skipTaggedFields(flexible: flexible)
        return message
    }

    public func encode(into writer: inout WireWriter, version: Int16) {
        let flexible = Self.apiKey.isFlexible(version)
        writer.writeErrorCode(errorCode)
        writer.writeArray(apiKeys, flexible: flexible) { w, e in
            w.writeInt16(e.apiKey)
            w.writeInt16(e.minVersion)
            w.writeInt16(e.maxVersion)
            w.writeEmptyTaggedFields(flexible: flexible)
        }
        if version >= 1 { writer.writeInt32(throttleTimeMilliseconds) }
        writer.writeEmptyTaggedFields(flexible: flexible)
    }
}
