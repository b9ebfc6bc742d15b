/// The header in front of every request body.
///
/// - v0: api_key, api_version, correlation_id (only ControlledShutdown v0 used it; kept so the
///   codec covers the whole header schema).
/// - v1: adds client_id, a classic NULLABLE_STRING.
/// - v2: adds a tagged-field section. client_id stays a classic int16-length string even here:
///   a broker must be able to read the header of an ApiVersions request of any version, before
///   it knows whether the client speaks the flexible format.
public struct RequestHeader: Hashable, Sendable {
    /// Raw, not `ApiKey`, so a request for an API Nagare does not know still parses and can be
    /// answered with an error carrying its correlation id.
    public var apiKey: Int16
    public var apiVersion: Int16
    public var correlationID: Int32
    public var clientID: String?

    public init(apiKey: Int16, apiVersion: Int16, correlationID: Int32, clientID: String? = nil) {
        self.apiKey = apiKey
        self.apiVersion = apiVersion
        self.correlationID = correlationID
        self.clientID = clientID
    }

    public init(apiKey: ApiKey, apiVersion: Int16, correlationID: Int32, clientID: String? = nil) {
        self.init(apiKey: apiKey.rawValue, apiVersion: apiVersion, correlationID: correlationID, clientID: clientID)
    }

    /// The header version a request of `apiKey` at `apiVersion` uses: 2 for flexible versions,
    /// 1 otherwise. An API key Nagare does not know gets 1, the most a reader can assume; its body
    /// is never parsed anyway.
    public static func headerVersion(apiKey: Int16, apiVersion: Int16) -> Int16 {
        guard let key = ApiKey(rawValue: apiKey) else { return 1 }
        return key.isFlexible(apiVersion) ? 2 : 1
    }

    public var headerVersion: Int16 { Self.headerVersion(apiKey: apiKey, apiVersion: apiVersion) }

    /// Reads a header at an explicit header version.
    public static func decode(from reader: inout WireReader, headerVersion: Int16) throws(WireError) -> RequestHeader {
        guard (0...2).contains(headerVersion) else { throw .unsupported("request header version \(headerVersion)") }
        let apiKey = try reader.readInt16("request_api_key")
        let apiVersion = try reader.readInt16("request_api_version")
        let correlationID = try reader.readInt32("correlation_id")
        let clientID = headerVersion >= 1 ? try reader.readNullableString("client_id") : nil
        try reader.skipTaggedFields(flexible: headerVersion >= 2)
        return RequestHeader(apiKey: apiKey, apiVersion: apiVersion, correlationID: correlationID, clientID: clientID)
    }

    /// Reads a header whose version follows from its own api key and version, as a broker does:
    /// those two fields come first in every header version, so it can peek at them.
    public static func decode(from reader: inout WireReader) throws(WireError) -> RequestHeader {
        var peek = reader
        let apiKey = try peek.readInt16("request_api_key")
        let apiVersion = try peek.readInt16("request_api_version")
        return try decode(from: &reader, headerVersion: headerVersion(apiKey: apiKey, apiVersion: apiVersion))
    }

    public func encode(into writer: inout WireWriter, headerVersion: Int16) {
        writer.writeInt16(apiKey)
        writer.writeInt16(apiVersion)
        writer.writeInt32(correlationID)
        if headerVersion >= 1 { writer.writeNullableString(clientID) }
        writer.writeEmptyTaggedFields(flexible: headerVersion >= 2)
    }

    /// Writes the header at the version its api key and version call for.
    public func encode(into writer: inout WireWriter) {
        encode(into: &writer, headerVersion: headerVersion)
    }
}
