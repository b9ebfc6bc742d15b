import CRdKafka
public import Logging

/// librdkafka's in-process mock Kafka cluster, for unit tests: real wire protocol on loopback,
/// no broker process. It does not implement everything a broker does (read_committed filtering
/// of aborted records, for one); Nagare's own broker is tested for that with real clients.
public final class MockCluster: Sendable {
    private let owner: RDKafkaClient
    private let cluster: UncheckedSendable<OpaquePointer>
    /// Comma-separated `host:port` list to bootstrap clients from.
    public let bootstrapServers: String

    public init(brokers: Int32 = 3, logger: Logger = Logger(label: "nagare.kafka.mock")) throws {
        // The mock cluster belongs to a client instance; a plain producer handle that sends
        // nothing keeps it alive.
        owner = try RDKafkaClient(kind: .producer, properties: ["log_level": "3"], context: ClientContext(logger: logger))
        guard let c = rd_kafka_mock_cluster_new(owner.handle, brokers) else {
            owner.destroy()
            throw KafkaClientError.client("cannot start the mock cluster")
        }
        cluster = UncheckedSendable(c)
        bootstrapServers = String(cString: rd_kafka_mock_cluster_bootstraps(c))
    }

    public func createTopic(_ name: String, partitions: Int32, replicationFactor: Int32 = 1) throws {
        let err = rd_kafka_mock_topic_create(cluster.value, name, partitions, replicationFactor)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaClientError(err, "mock topic '\(name)'") }
    }

    /// Makes the next `count` requests of `apiKey` fail with `errorCode`.
    public func pushRequestErrors(apiKey: Int16, errorCode: Int32, count: Int) {
        var errors = [rd_kafka_resp_err_t](repeating: rd_kafka_resp_err_t(rawValue: errorCode), count: count)
        rd_kafka_mock_push_request_errors_array(cluster.value, apiKey, count, &errors)
    }

    public func close() {
        rd_kafka_mock_cluster_destroy(cluster.value)
        owner.destroy()
    }
}
