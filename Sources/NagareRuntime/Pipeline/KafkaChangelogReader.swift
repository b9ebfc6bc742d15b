import Logging
import NagareCore
import NagareEngine
import NagareKafka

/// Reads a task's changelog partition from the beginning to its end, committed records only,
/// with a short-lived consumer outside any group.
final class KafkaChangelogReader: ChangelogReader {
    let client: ClientConfiguration
    let logger: Logger

    init(client: ClientConfiguration, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    func readChangelog(topic: String, partition: Int32) async throws -> [Record] {
        var config = ConsumerConfiguration(client: client, groupID: nil)
        config.isolationLevel = .readCommitted
        config.reportsEndOfPartition = true
        config.client.properties["fetch.wait.max.ms"] = "50"
        let consumer = try Consumer(configuration: config, logger: logger)
        let tp = TopicPartition(topic, partition)
        var records: [Record] = []
        // An empty changelog (a new pipeline) needs no read.
        let (low, high) = try await consumer.watermarks(tp)
        if low == high {
            try await consumer.close()
            return []
        }
        do {
            try consumer.assign([tp], from: .earliest)
            reading: while true {
                for event in try await consumer.poll(timeout: .milliseconds(500)) {
                    switch event {
                    case .records(let batch): records += batch
                    case .endOfPartition: break reading
                    case .rebalance: continue
                    case .partitionError(let tp, let error): throw EngineError(.invalidChangelog, "\(tp): \(error)")
                    }
                }
            }
        } catch {
            try? await consumer.close()
            throw error
        }
        try await consumer.close()
        return records
    }
}
