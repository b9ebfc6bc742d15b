import Logging
import NagareCore
@testable import NagareKafka

/// A librdkafka mock cluster with helpers to make clients for it.
struct MockClusterFixture {
    let cluster: MockCluster
    let client: ClientConfiguration
    let logger: Logger

    init(brokers: Int32 = 3) throws {
        var logger = Logger(label: "test")
        logger.logLevel = .error
        self.logger = logger
        cluster = try MockCluster(brokers: brokers, logger: logger)
        var client = try ClientConfiguration(brokers: cluster.bootstrapServers)
        // The mock answers instantly; short retry backoffs keep the tests quick.
        client.properties["topic.metadata.refresh.interval.ms"] = "1000"
        client.properties["retry.backoff.ms"] = "50"
        self.client = client
    }

    func uniqueTopic(_ prefix: String, partitions: Int32) throws -> String {
        let name = "\(prefix)-\(UInt32.random(in: 0...UInt32.max))"
        try cluster.createTopic(name, partitions: partitions)
        return name
    }

    func producer(maxInFlight: Int = 10_000) throws -> Producer {
        var config = ProducerConfiguration(client: client)
        config.maxInFlightRecords = maxInFlight
        config.lingerMilliseconds = 1
        return try Producer(configuration: config, logger: logger)
    }

    func consumer(group: String?, isolation: IsolationLevel = .readCommitted,
                  strategy: String = "cooperative-sticky",
                  listener: (@Sendable (RebalanceEvent) -> Void)? = nil) throws -> Consumer {
        var config = ConsumerConfiguration(client: client, groupID: group)
        config.isolationLevel = isolation
        config.partitionAssignmentStrategy = strategy
        config.sessionTimeoutMilliseconds = 6000
        config.rebalanceListener = listener
        config.client.properties["heartbeat.interval.ms"] = "200"
        return try Consumer(configuration: config, logger: logger)
    }

    /// Polls until `count` records have arrived or `deadline` passes.
    func collect(_ consumer: Consumer, count: Int, within deadline: Duration = .seconds(20)) async throws -> [Record] {
        var records: [Record] = []
        let end = ContinuousClock.now + deadline
        while records.count < count, ContinuousClock.now < end {
            for event in try await consumer.poll(timeout: .milliseconds(100)) {
                if case .records(let r) = event { records += r }
            }
        }
        return records
    }

    func close() { cluster.close() }
}
