public import Logging
public import NagareCore
public import NagareKafka

/// Reads a topic and hands each record value to a sink: what `nagare consume` does.
public struct TopicPrinter: Sendable {
    public struct Options: Sendable {
        public var topic: String
        /// With a group, the consumer subscribes and commits what it has printed; without one it
        /// reads every partition and commits nothing.
        public var groupID: String?
        public var startFrom: StartPosition = .earliest
        public var isolationLevel: IsolationLevel = .readCommitted
        public var maxRecords: Int?
        /// Stop after this long without a new record. In a group the clock starts when the first
        /// partitions are assigned, since joining can take a session timeout.
        public var idleTimeout: Duration?

        public init(topic: String) { self.topic = topic }
    }

    let client: ClientConfiguration
    let options: Options
    let logger: Logger

    public init(client: ClientConfiguration, options: Options, logger: Logger) {
        self.client = client
        self.options = options
        self.logger = logger
    }

    /// Returns the number of records handed to `sink`.
    public func run(sink: (Record) throws -> Void) async throws -> Int {
        var config = ConsumerConfiguration(client: client, groupID: options.groupID)
        config.isolationLevel = options.isolationLevel
        config.startFrom = options.startFrom
        let consumer = try Consumer(configuration: config, logger: logger)
        do {
            if options.groupID != nil {
                try consumer.subscribe([options.topic])
            } else {
                let admin = try Admin(configuration: client, logger: logger)
                defer { admin.close() }
                guard let topic = try await admin.listTopics([options.topic]).first else {
                    throw ConfigurationError("topic '\(options.topic)' does not exist")
                }
                try consumer.assign(topic.partitions.map { TopicPartition(options.topic, $0) }, from: options.startFrom)
            }
            var count = 0
            var lastArrival = ContinuousClock.now
            var assigned = options.groupID == nil
            loop: while !Task.isCancelled {
                let remaining = options.maxRecords.map { $0 - count }
                if let remaining, remaining <= 0 { break }
                let events = try await consumer.poll(maxRecords: remaining, timeout: .milliseconds(200))
                var next: [TopicPartition: Offset] = [:]
                for event in events {
                    if case .rebalance(.assigned) = event, !assigned {
                        assigned = true
                        lastArrival = .now
                    }
                    if case .partitionError(let tp, let error) = event {
                        throw KafkaClientError(code: error.code, name: error.name, message: "\(tp): \(error.message)")
                    }
                    guard case .records(let records) = event else { continue }
                    for r in records {
                        try sink(r)
                        count += 1
                        next[r.topicPartition] = r.offset.advanced(by: 1)
                        if let max = options.maxRecords, count >= max { break }
                    }
                }
                if !next.isEmpty {
                    lastArrival = .now
                    if options.groupID != nil {
                        try await consumer.commit(next.map { PartitionOffset($0.key, $0.value) })
                    }
                } else if let idle = options.idleTimeout, assigned, ContinuousClock.now - lastArrival >= idle {
                    break loop
                }
            }
            try await consumer.close()
            return count
        } catch {
            try? await consumer.close()
            throw error
        }
    }
}
