/// An error of the broker itself (configuration, storage), as opposed to a Kafka error code sent
/// to a client.
public struct BrokerError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public var rawValue: String
        init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        public static let configuration = Code("configuration")
        public static let storage = Code("storage")
        public static let network = Code("network")
    }

    public var code: Code
    public var message: String
    public var underlying: (any Error & Sendable)?
    public var sourceLocation: String

    public init(_ code: Code, _ message: String, underlying: (any Error & Sendable)? = nil,
                file: String = #fileID, line: Int = #line) {
        self.code = code
        self.message = message
        self.underlying = underlying
        self.sourceLocation = "\(file):\(line)"
    }

    public var description: String {
        if let underlying { return "\(message): \(underlying)" }
        return message
    }

    public var isFatal: Bool { code != .network }
    public var isRetriable: Bool { code == .network }
}
