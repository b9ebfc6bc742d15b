/// A user's configuration or command-line value was wrong. The message names what was wrong.
public struct ConfigurationError: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
