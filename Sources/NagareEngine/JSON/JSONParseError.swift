/// Input that is not a valid JSON event. Names the byte offset (from 0) where scanning stopped
/// and why, so a dead-letter header tells the producer's author exactly what to fix.
public struct JSONParseError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Offset of the offending byte in the record value.
    public var offset: Int
    public var reason: String

    public init(offset: Int, reason: String) {
        self.offset = offset
        self.reason = reason
    }

    public var description: String { "invalid JSON at byte \(offset): \(reason)" }
}
