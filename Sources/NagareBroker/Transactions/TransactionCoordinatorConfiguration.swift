public import NagareCore

/// Settings of the transaction coordinator. Every collection it keeps has a named maximum.
public struct TransactionCoordinatorConfiguration: Sendable {
    /// Where `__transaction_state-0` lives. Default: `./nagare-data`.
    public var dataDirectory = "./nagare-data"
    /// Longest `transaction.timeout.ms` a producer may ask for; more gets
    /// INVALID_TRANSACTION_TIMEOUT (Kafka's `transaction.max.timeout.ms`). Default: 900000.
    public var transactionTimeoutMaxMilliseconds: Int32 = 900_000
    /// How often `run()` aborts timed-out transactions and retries unfinished ones; it bounds
    /// how late a timeout fires (Kafka's `transaction.abort.timed.out.transaction.cleanup.interval.ms`,
    /// 10000 there; shorter here because aborting is cheap on one node). Default: 500.
    public var sweepIntervalMilliseconds = 500
    /// Transactional ids tracked; InitProducerId for a new one beyond it gets
    /// COORDINATOR_NOT_AVAILABLE. Default: 100000.
    public var transactionalIDsMax = 100_000
    /// Partitions one transaction may touch; more gets INVALID_REQUEST (the markers of one
    /// transaction are written in one step). Default: 10000.
    public var partitionsPerTransactionMax = 10_000
    /// How often `run()` compacts the transaction log (closed segments). Default: 600000.
    public var compactionIntervalMilliseconds = 600_000
    /// Segment size of the transaction log (Kafka's `transaction.state.log.segment.bytes`).
    /// Default: 104857600.
    public var logSegmentBytesMax = 100 * 1024 * 1024

    public init() {}

    /// Takes the data directory of the broker's configuration; the rest keep their defaults.
    public init(broker: BrokerConfiguration) {
        dataDirectory = broker.dataDirectory
    }

    public func validate() throws(ConfigurationError) {
        if dataDirectory.isEmpty { throw ConfigurationError("dataDirectory: must not be empty") }
        if transactionTimeoutMaxMilliseconds < 1 {
            throw ConfigurationError("transactionTimeoutMaxMilliseconds: must be positive, got \(transactionTimeoutMaxMilliseconds)")
        }
        if sweepIntervalMilliseconds < 1 {
            throw ConfigurationError("sweepIntervalMilliseconds: must be at least 1, got \(sweepIntervalMilliseconds)")
        }
        if transactionalIDsMax < 1 { throw ConfigurationError("transactionalIDsMax: must be at least 1, got \(transactionalIDsMax)") }
        if partitionsPerTransactionMax < 1 {
            throw ConfigurationError("partitionsPerTransactionMax: must be at least 1, got \(partitionsPerTransactionMax)")
        }
        if compactionIntervalMilliseconds < 1 {
            throw ConfigurationError("compactionIntervalMilliseconds: must be at least 1, got \(compactionIntervalMilliseconds)")
        }
        if logSegmentBytesMax < 64 * 1024 {
            throw ConfigurationError("logSegmentBytesMax: must be at least 65536, got \(logSegmentBytesMax)")
        }
    }
}
