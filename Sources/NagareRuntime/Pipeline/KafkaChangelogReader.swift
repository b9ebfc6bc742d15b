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
        try await readChangelogs(topic: topic, partitions: [partition])[partition] ?? []
    }

    /// One consumer for all the partitions: it reads them side by side and stops at each one's
    /// end (a process's start-up had created a consumer per partition, ~10 ms each, in turn).
    func readChangelogs(topic: String, partitions: [Int32]) async throws -> [Int32: [Record]] {
        var config = ConsumerConfiguration(client: client, groupID: nil)
        config.isolationLevel = .readCommitted
        config.reportsEndOfPartition = true
        config.client.properties["fetch.wait.max.ms"] = "50"
        let consumer = try Consumer(configuration: config, logger: logger)
        var records: [Int32: [Record]] = [:]
        do {
            // An empty changelog partition (a new pipeline) needs no read.
            var unread: Set<TopicPartition> = []
            for partition in partitions {
                records[partition] = []
                let tp = TopicPartition(topic, partition)
                let (low, high) = try await consumer.watermarks(tp)
                if low != high { unread.insert(tp) }
            }
            if !unread.isEmpty {
                try consumer.assign(unread.sorted(), from: .earliest)
                while !unread.isEmpty {
                    for event in try await consumer.poll(timeout: .milliseconds(500)) {
                        switch event {
                        case .records(let batch):
                            for record in batch { records[record.topicPartition.partition, default: []].append(record) }
                        case .endOfPartition(let tp, _): unread.remove(tp)
                        case .rebalance: continue
                        case .partitionError(let tp, let error): throw EngineError(.invalidChangelog, "\(tp): \(error)")
                        }
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
