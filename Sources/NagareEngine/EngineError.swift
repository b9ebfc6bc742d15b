/// The one public error type of `NagareEngine`, shaped like NIO's `FileSystemError`: a code to
/// switch on, a message for people, an optional underlying cause and where it was raised.
///
/// Sinks and sources that the runtime implements over Kafka report their failures with this
/// type too, choosing the code, because the batch loop's reaction depends on it: abortable
/// errors abort and retry the batch, fencing stops the loop, anything else is fatal.
public struct EngineError: Error, CustomStringConvertible, @unchecked Sendable {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }

        /// The pipeline definition is invalid (file, line and key in the message).
        public static let invalidPipeline = Code("invalidPipeline")
        /// A dimension table could not be read or parsed.
        public static let invalidTable = Code("invalidTable")
        /// A record failed and the error policy is `fail`.
        public static let recordFailed = Code("recordFailed")
        /// The transaction can be aborted and the batch retried (Kafka's abortable errors).
        public static let transactionAbortable = Code("transactionAbortable")
        /// Another process took over the transactional ID or the partitions: stop, do not retry.
        public static let fenced = Code("fenced")
        /// The changelog does not match the state the task expects.
        public static let invalidChangelog = Code("invalidChangelog")
        /// A committed offset is outside the partition's log (see `--allow-reset`).
        public static let offsetOutOfRange = Code("offsetOutOfRange")
        /// A source or sink failed in a way the engine cannot recover from.
        public static let ioFailed = Code("ioFailed")
        /// A batch was retried `maxBatchRetries` times without committing.
        public static let retriesExhausted = Code("retriesExhausted")
    }

    public var code: Code
    public var message: String
    /// The underlying error, e.g. a Kafka client error. Not `Sendable`-checked because arbitrary
    /// client errors are wrapped; it is only read for descriptions.
    public var cause: (any Error)?
    public var file: String
    public var line: Int

    public init(
        _ code: Code, _ message: String, cause: (any Error)? = nil,
        file: String = #fileID, line: Int = #line
    ) {
        self.code = code
        self.message = message
        self.cause = cause
        self.file = file
        self.line = line
    }

    /// Retrying the batch after an abort may succeed.
    public var isRetriable: Bool { code == .transactionAbortable }

    /// The loop must stop: retrying cannot help and could break exactly-once.
    public var isFatal: Bool { !isRetriable }

    public var description: String {
        var text = "\(code): \(message)"
        if let cause { text += " (cause: \(cause))" }
        return text
    }
}
