/// Which records a Fetch or ListOffsets may see: everything, or only committed transactions.
///
/// A raw-value struct rather than an enum so that an unknown value sent by a client decodes and
/// the broker can answer it with INVALID_REQUEST instead of dropping the connection.
public struct IsolationLevel: RawRepresentable, Hashable, Sendable {
    public var rawValue: Int8
    public init(rawValue: Int8) { self.rawValue = rawValue }

    /// Records of open and aborted transactions are returned too.
    public static let readUncommitted = IsolationLevel(rawValue: 0)
    /// Reads stop at the last stable offset; aborted transactions are listed so they can be skipped.
    public static let readCommitted = IsolationLevel(rawValue: 1)
}
