/// The one error type of `NagareStore`, shaped like NIO's `FileSystemError`: a machine-readable
/// `code`, a message that names the bad file, line, key or query field, an optional underlying
/// cause and where it was raised.
///
/// The HTTP layer maps `isClientError` to a 400 response and everything else to a 500; the
/// ingestion loop retries `isRetriable` errors and stops on `isFatal` ones.
public struct StoreError: Error, CustomStringConvertible, @unchecked Sendable {
    /// What went wrong, coarsely; the message says precisely.
    public enum Code: String, Sendable, Hashable {
        /// The datasource YAML is malformed or has a bad key or value.
        case invalidSpec
        /// A query's JSON is malformed or names a bad field, dimension, metric or value.
        case invalidQuery
        /// A query is well formed but asks for something this store does not implement.
        case unsupportedQuery
        /// A query or a description names a datasource that this store does not serve.
        case unknownDatasource
        /// The data directory was written for a different spec (other dimensions or metrics).
        case schemaMismatch
        /// SQLite failed (disk full, I/O error, locked database).
        case database
        /// The data directory could not be created or read.
        case io
        /// The offset stored for a partition lies outside the topic's log (its records were
        /// deleted by retention, or the topic was recreated): ingestion cannot resume there
        /// without losing or re-reading data, so it stops for an operator to decide.
        case offsetOutOfRange
    }

    public var code: Code
    public var message: String
    /// The underlying error, if any. `@unchecked Sendable` above holds because the causes stored
    /// here are GRDB's `DatabaseError` and Foundation errors, which are immutable values.
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

    /// The caller sent something wrong; repeating the same request fails the same way.
    public var isClientError: Bool {
        switch code {
        case .invalidQuery, .unsupportedQuery, .unknownDatasource: true
        default: false
        }
    }

    /// Retrying the same operation later may succeed (a busy or locked database).
    public var isRetriable: Bool { code == .database }

    /// The store cannot go on without an operator's help (bad spec, incompatible data directory).
    public var isFatal: Bool {
        switch code {
        case .invalidSpec, .schemaMismatch, .io, .offsetOutOfRange: true
        default: false
        }
    }

    public var description: String {
        if let cause { return "\(message) (\(cause))" }
        return message
    }

    static func query(_ path: String, _ message: String, file: String = #fileID, line: Int = #line) -> StoreError {
        StoreError(.invalidQuery, path.isEmpty ? message : "\(path): \(message)", file: file, line: line)
    }
}
