/// A request or response body of one Kafka API, encodable and decodable at every version that
/// `apiKey.supportedVersions` lists.
///
/// Both directions exist for both sides because the broker decodes requests and encodes
/// responses while tests (and any Swift client) do the reverse; having both lets every codec be
/// checked by round trips.
public protocol KafkaMessage: Hashable, Sendable {
    static var apiKey: ApiKey { get }

    /// Reads the body (not the header) at `version`. Throws `WireError.unsupported` for a
    /// version outside `apiKey.supportedVersions`, because guessing the layout of a version we
    /// do not know would silently misread the fields.
    static func decode(from reader: inout WireReader, version: Int16) throws(WireError) -> Self

    /// Appends the body at `version`. Fields that `version` does not carry are left out; the
    /// caller must pass a supported version (the broker only answers with negotiated ones).
    func encode(into writer: inout WireWriter, version: Int16)
}

extension KafkaMessage {
    /// Throws unless `version` is one Nagare supports for this API.
    static func checkVersion(_ version: Int16) throws(WireError) {
        guard apiKey.supportedVersions.contains(version) else {
            throw .unsupported("\(apiKey.name) version \(version)")
        }
    }

    /// The body encoded at `version`, on its own.
    public func encoded(version: Int16) -> [UInt8] {
        var writer = WireWriter()
        encode(into: &writer, version: version)
        return writer.bytes
    }

    /// Decodes a body that must fill `bytes` exactly: trailing bytes mean the two sides disagree
    /// about the layout, which is better reported than ignored.
    public static func decode(_ bytes: [UInt8], version: Int16) throws(WireError) -> Self {
        var reader = WireReader(bytes)
        let message = try decode(from: &reader, version: version)
        guard reader.isAtEnd else {
            throw .invalidLength(Int64(reader.remaining), what: "trailing bytes after \(apiKey.name) v\(version)")
        }
        return message
    }
}
