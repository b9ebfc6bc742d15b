import Foundation
import Logging
import NagareCore
import NagareLog
import Synchronization

/// The topics this broker serves: their partition logs, configs, and creation/deletion.
///
/// Reached from every connection, and synchronously on the produce/fetch hot path, so a `Mutex`
/// guards the map rather than an actor; the logs themselves are thread-safe.
final class TopicManager: Sendable {
    struct Topic: Sendable {
        var name: String
        var configs: [String: String]
        var partitions: [PartitionState]
    }

    enum CreateError: Error, Equatable {
        case alreadyExists
        case invalidName(String)
        case invalidPartitions(Int32)
        case invalidConfig(String)
        case storage(String)
    }

    let dataDirectory: String
    let logger: Logger
    private let store: TopicStore
    private let topics = Mutex<[String: Topic]>([:])

    init(dataDirectory: String, logger: Logger) throws(BrokerError) {
        self.dataDirectory = dataDirectory
        self.logger = logger
        store = try TopicStore(dataDirectory: dataDirectory)
        var loaded: [String: Topic] = [:]
        for entry in try store.loadAll() {
            let configuration: LogConfiguration
            do { configuration = try LogConfiguration(topicConfigs: entry.configs) } catch {
                throw BrokerError(.storage, "topic '\(entry.name)': \(error)")
            }
            var partitions: [PartitionState] = []
            for p in 0..<entry.partitions {
                do {
                    let log = try PartitionLog(
                        topicPartition: TopicPartition(entry.name, p), dataDirectory: dataDirectory,
                        configuration: configuration)
                    for message in log.recoveryReport.messages { logger.warning("recovery: \(message)") }
                    let state = try PartitionState(log: log)
                    logger.debug("recovery: \(state.producerStateReport)")
                    partitions.append(state)
                } catch {
                    throw BrokerError(.storage, "cannot open \(entry.name)-\(p): \(error)")
                }
            }
            loaded[entry.name] = Topic(name: entry.name, configs: entry.configs, partitions: partitions)
        }
        topics.withLock { $0 = loaded }
        if !loaded.isEmpty { logger.info("opened \(loaded.count) topics from \(dataDirectory)") }
    }

    func topic(_ name: String) -> Topic? { topics.withLock { $0[name] } }

    func partition(_ tp: TopicPartition) -> PartitionState? {
        topics.withLock { t in
            guard let topic = t[tp.topic], tp.partition >= 0, Int(tp.partition) < topic.partitions.count else { return nil }
            return topic.partitions[Int(tp.partition)]
        }
    }

    var all: [Topic] { topics.withLock { Array($0.values) }.sorted { $0.name < $1.name } }

    /// Checks a topic creation without doing it (CreateTopics' validateOnly).
    func validate(name: String, partitions: Int32, configs: [String: String]) throws(CreateError) -> LogConfiguration {
        let allowed = name.utf8.allSatisfy { c in
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x2E || c == 0x5F || c == 0x2D
        }
        guard !name.isEmpty, name.utf8.count <= 249, allowed, name != ".", name != "..", !name.hasPrefix("__") else {
            throw .invalidName("topic name '\(name)' is invalid: use 1-249 characters from a-z, A-Z, 0-9, '.', '_', '-', not starting with '__'")
        }
        guard (1...10_000).contains(partitions) else { throw .invalidPartitions(partitions) }
        do { return try LogConfiguration(topicConfigs: configs) } catch { throw .invalidConfig(error.message) }
    }

    /// Creates a topic with its partitions' logs and persists it.
    @discardableResult
    func create(name: String, partitions: Int32, configs: [String: String] = [:]) throws(CreateError) -> Topic {
        let configuration = try validate(name: name, partitions: partitions, configs: configs)
        return try topics.withLock { (t: inout [String: Topic]) throws(CreateError) -> Topic in
            if t[name] != nil { throw .alreadyExists }
            var states: [PartitionState] = []
            for p in 0..<partitions {
                do {
                    let log = try PartitionLog(topicPartition: TopicPartition(name, p), dataDirectory: dataDirectory,
                                               configuration: configuration)
                    states.append(try PartitionState(log: log))
                } catch {
                    for s in states { try? s.log.deleteAll() }
                    throw .storage("\(error)")
                }
            }
            do throws(BrokerError) {
                try store.save(TopicStore.Entry(name: name, partitions: partitions, configs: configs))
            } catch {
                for s in states { try? s.log.deleteAll() }
                throw .storage(error.description)
            }
            let topic = Topic(name: name, configs: configs, partitions: states)
            t[name] = topic
            logger.info("created topic \(name) with \(partitions) partitions \(configs.isEmpty ? "" : "\(configs)")")
            return topic
        }
    }

    /// Deletes a topic and its data. Returns false when it did not exist.
    func delete(name: String) -> Bool {
        guard let topic = topics.withLock({ $0.removeValue(forKey: name) }) else { return false }
        store.remove(name)
        for p in topic.partitions {
            do { try p.log.deleteAll() } catch { logger.error("deleting \(p.topicPartition): \(error)") }
        }
        logger.info("deleted topic \(name)")
        return true
    }

    /// Applies retention and compaction to every partition (called periodically).
    func maintain() {
        for topic in all {
            for p in topic.partitions {
                do {
                    let retention = try p.log.enforceRetention()
                    if !retention.deletedSegments.isEmpty { logger.info("retention: \(p.topicPartition) \(retention)") }
                    // Bounds the scan that rebuilds producer state after a crash.
                    try p.writeProducerSnapshot()
                    if p.log.configuration.cleanupPolicy == .compact {
                        let report = try p.log.compact()
                        if report.supersededRecords + report.expiredTombstones > 0 { logger.info("compaction: \(p.topicPartition) \(report)") }
                    }
                } catch {
                    logger.error("maintenance of \(p.topicPartition): \(error)")
                }
            }
        }
    }

    /// Flushes and closes every log (graceful shutdown).
    func closeAll() {
        for topic in all {
            for p in topic.partitions {
                do {
                    _ = try p.log.flush()
                    try p.writeProducerSnapshot()
                    try p.log.close()
                } catch {
                    logger.error("closing \(p.topicPartition): \(error)")
                }
            }
        }
    }
}
