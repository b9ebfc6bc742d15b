/// The one error type of `NagareLog`: a code to branch on, a message for people that names the
/// file or partition concerned, an optional underlying cause, and where it was thrown.
public struct LogError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, coarsely enough to decide what to do about it.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public var rawValue: String
        init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// A system call on a log file failed (disk full, permissions, I/O error).
        public static let io = Code("io")
        /// Bytes on disk are not what the log wrote (bad CRC, bad length, bad index).
        public static let corrupt = Code("corrupt")
        /// Bytes given to `append` are not valid record batches.
        public static let invalidBatch = Code("invalidBatch")
        /// The requested offset is before the log start or after the log end.
        public static let offsetOutOfRange = Code("offsetOutOfRange")
        /// A `LogConfiguration` value is out of range; the message names the key.
        public static let invalidConfiguration = Code("invalidConfiguration")
        /// A batch is larger than a segment may be.
        public static let batchTooLarge = Code("batchTooLarge")
        /// The log was closed.
        public static let closed = Code("closed")
    }

    /// A failed system call, kept as the underlying cause of an `.io` error.
    public struct SystemCallFailure: Error, Hashable, Sendable, CustomStringConvertible {
        public var call: String
        public var errno: Int32
        public var description: String { "\(call): \(systemErrorMessage(errno)) (errno \(errno))" }
    }

    public var code: Code
    public var message: String
    public var underlying: (any Error & Sendable)?
    public var sourceLocation: String

    public init(
        _ code: Code, _ message: String, underlying: (any Error & Sendable)? = nil,
        fileID: String = #fileID, line: Int = #line
    ) {
        self.code = code
        self.message = message
        self.underlying = underlying
        self.sourceLocation = "\(fileID):\(line)"
    }

    /// Retrying the same call may succeed (an out-of-range offset after the log grew).
    public var isRetriable: Bool { code == .offsetOutOfRange }

    /// The log cannot be used safely any more: the broker should take the partition offline.
    public var isFatal: Bool { code == .io || code == .corrupt || code == .closed }

    public var description: String {
        if let underlying { return "\(message): \(underlying)" }
        return message
    }
}
