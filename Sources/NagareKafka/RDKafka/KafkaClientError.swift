import CRdKafka

/// An error from the Kafka client: librdkafka's error code and text, classified the way a caller
/// needs to react to it.
///
/// - `isRetriable`: the same call may succeed if tried again (a broker was briefly unavailable).
/// - `requiresAbort`: the current transaction cannot commit; abort it and redo the batch.
/// - `isFatal`: this client instance is unusable (e.g. a producer fenced by a newer instance with
///   the same `transactional.id`); close it.
public struct KafkaClientError: Error, Hashable, Sendable, CustomStringConvertible {
    /// librdkafka's `rd_kafka_resp_err_t`: negative for client-side errors, the Kafka wire error
    /// code otherwise.
    public var code: Int32
    /// librdkafka's symbolic name, e.g. `PRODUCER_FENCED` or `_TIMED_OUT`.
    public var name: String
    public var message: String
    public var isRetriable: Bool
    public var requiresAbort: Bool
    public var isFatal: Bool
    public var file: String
    public var line: Int

    public init(
        code: Int32, name: String, message: String, isRetriable: Bool = false,
        requiresAbort: Bool = false, isFatal: Bool = false,
        file: String = #fileID, line: Int = #line
    ) {
        self.code = code
        self.name = name
        self.message = message
        self.isRetriable = isRetriable
        self.requiresAbort = requiresAbort
        self.isFatal = isFatal
        self.file = file
        self.line = line
    }

    public var description: String {
        var flags: [String] = []
        if isFatal { flags.append("fatal") }
        if requiresAbort { flags.append("transaction must abort") }
        if isRetriable { flags.append("retriable") }
        let suffix = flags.isEmpty ? "" : " (\(flags.joined(separator: ", ")))"
        return "Kafka error \(name) [\(code)]: \(message)\(suffix)"
    }

    /// A newer producer with the same transactional id exists; this one must stop.
    public var isFenced: Bool {
        code == RD_KAFKA_RESP_ERR_PRODUCER_FENCED.rawValue
            || code == RD_KAFKA_RESP_ERR_INVALID_PRODUCER_EPOCH.rawValue
            || code == RD_KAFKA_RESP_ERR__FENCED.rawValue
    }

    public var isTimeout: Bool {
        code == RD_KAFKA_RESP_ERR__TIMED_OUT.rawValue
            || code == RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT.rawValue
    }

    /// An error made by Nagare itself around the C library (bad argument, closed client).
    static func client(_ message: String, file: String = #fileID, line: Int = #line) -> KafkaClientError {
        KafkaClientError(code: RD_KAFKA_RESP_ERR__INVALID_ARG.rawValue, name: "_INVALID_ARG",
                         message: message, file: file, line: line)
    }

    /// From a plain response error code.
    init(_ err: rd_kafka_resp_err_t, _ message: String? = nil, fatal: Bool = false,
         file: String = #fileID, line: Int = #line) {
        let retriable: Bool
        switch err {
        case RD_KAFKA_RESP_ERR__TRANSPORT, RD_KAFKA_RESP_ERR__TIMED_OUT,
             RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT, RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN,
             RD_KAFKA_RESP_ERR_NOT_COORDINATOR, RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE,
             RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS, RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE,
             RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION, RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS,
             RD_KAFKA_RESP_ERR__QUEUE_FULL, RD_KAFKA_RESP_ERR_UNSTABLE_OFFSET_COMMIT,
             RD_KAFKA_RESP_ERR_CONCURRENT_TRANSACTIONS:
            retriable = true
        default:
            retriable = false
        }
        let text = String(cString: rd_kafka_err2str(err))
        self.init(code: err.rawValue, name: String(cString: rd_kafka_err2name(err)),
                  message: message.map { "\($0): \(text)" } ?? text,
                  isRetriable: retriable, isFatal: fatal, file: file, line: line)
    }

    /// From an `rd_kafka_error_t`, which it destroys.
    init(consuming error: OpaquePointer, context: String? = nil,
         file: String = #fileID, line: Int = #line) {
        defer { rd_kafka_error_destroy(error) }
        let text = String(cString: rd_kafka_error_string(error))
        self.init(code: rd_kafka_error_code(error).rawValue,
                  name: String(cString: rd_kafka_error_name(error)),
                  message: context.map { "\($0): \(text)" } ?? text,
                  isRetriable: rd_kafka_error_is_retriable(error) != 0,
                  requiresAbort: rd_kafka_error_txn_requires_abort(error) != 0,
                  isFatal: rd_kafka_error_is_fatal(error) != 0,
                  file: file, line: line)
    }
}
