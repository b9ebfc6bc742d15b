public import NagareWire

/// Who sent a request: passed to every handler.
public struct RequestContext: Sendable {
    public var header: RequestHeader
    /// The client's address, as `host` (Kafka reports it in group member descriptions).
    public var clientHost: String
    /// Unique per connection for the broker's lifetime.
    public var connectionID: UInt64

    public init(header: RequestHeader, clientHost: String, connectionID: UInt64) {
        self.header = header
        self.clientHost = clientHost
        self.connectionID = connectionID
    }

    public var apiVersion: Int16 { header.apiVersion }
    public var clientID: String { header.clientID ?? "" }
}
