/// The header in front of every response body: the correlation id, plus (v1, flexible) a
/// tagged-field section.
public struct ResponseHeader: Hashable, Sendable {
    public var correlationID: Int32

    public init(correlationID: Int32) { self.correlationID = correlationID }

    /// The header version of the response to a request of `apiKey` at `apiVersion`.
    ///
    /// ApiVersions responses always use v0, even for the flexible v3: a client that sent a
    /// version the broker does not support gets a v0-shaped answer, and it must be able to read
    /// the header before it knows which format the broker chose.
    public static func headerVersion(apiKey: Int16, apiVersion: Int16) -> Int16 {
        if apiKey == ApiKey.apiVersions.rawValue { return 0 }
        guard let key = ApiKey(rawValue: apiKey) else { return 0 }
        return key.isFlexible(apiVersion) ? 1 : 0
    }

    public static func decode(from reader: inout WireReader, headerVersion: Int16) throws(WireError) -> ResponseHeader {
        guard (0...1).contains(headerVersion) else { throw .unsupported("response header version \(headerVersion)") }
        let correlationID = try reader.readInt32("correlation_id")
        try reader.skipTaggedFields(flexible: headerVersion >= 1)
        return ResponseHeader(correlationID: correlationID)
    }

    public func encode(into writer: inout WireWriter, headerVersion: Int16) {
        writer.writeInt32(correlationID)
        writer.writeEmptyTaggedFields(flexible: headerVersion >= 1)
    }
}
