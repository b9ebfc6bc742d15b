public import Logging
import NagareCore
public import NagareKafka

/// Produces one record per input line: what `nagare produce` does.
public struct LineProducer: Sendable {
    public struct Options: Sendable {
        public var topic: String
        /// Key each record by this top-level field of the line's JSON object.
        public var keyField: String?
        public var partition: Int32?
        /// Commit a transaction every this many lines (transactional mode only).
        public var transactionSize: Int = 1000
        public var transactionalID: String?

        public init(topic: String) { self.topic = topic }
    }

    public struct Summary: Sendable {
        public var produced = 0
        /// Lines that could not be keyed (bad JSON, missing field); they are not produced.
        public var rejected = 0
        public var transactions = 0
    }

    let client: ClientConfiguration
    let options: Options
    let logger: Logger

    public init(client: ClientConfiguration, options: Options, logger: Logger) {
        self.client = client
        self.options = options
        self.logger = logger
    }

    func record(for line: String, lineNumber: Int) -> OutgoingRecord? {
        var key: String?
        if let field = options.keyField {
            do { key = try JSONField.value(of: field, in: line) } catch {
                logger.error("line \(lineNumber): \(error); not produced")
                return nil
            }
        }
        return OutgoingRecord(topic: options.topic, partition: options.partition, key: key, value: line)
    }

    /// Produces every line of `lines`; returns what was done. Delivery failures throw.
    public func run<Lines: AsyncSequence & Sendable>(lines: Lines) async throws -> Summary where Lines.Element == String {
        var summary = Summary()
        if let transactionalID = options.transactionalID {
            let producer = try TransactionalProducer(
                configuration: TransactionalProducerConfiguration(transactionalID: transactionalID, client: client),
                logger: logger)
            defer { producer.close() }
            try await producer.initTransactions()
            var open = false
            var inTransaction = 0
            var n = 0
            for try await line in lines {
                n += 1
                guard let record = record(for: line, lineNumber: n) else { summary.rejected += 1; continue }
                if !open { try producer.beginTransaction(); open = true }
                try await producer.produce(record)
                inTransaction += 1
                if inTransaction >= options.transactionSize {
                    try await producer.commitTransaction()
                    summary.produced += inTransaction
                    summary.transactions += 1
                    inTransaction = 0
                    open = false
                }
            }
            if open {
                try await producer.commitTransaction()
                summary.produced += inTransaction
                summary.transactions += 1
            }
        } else {
            let producer = try Producer(configuration: ProducerConfiguration(client: client), logger: logger)
            var queued = 0
            var n = 0
            do {
                for try await line in lines {
                    n += 1
                    guard let record = record(for: line, lineNumber: n) else { summary.rejected += 1; continue }
                    try await producer.produce(record)
                    queued += 1
                }
                try await producer.close()
            } catch {
                try? await producer.close(timeout: .seconds(5))
                throw error
            }
            summary.produced = queued
        }
        return summary
    }
}
