import Foundation
import Logging
import NagareCore
import NagareKafka

/// Reads every committed record of a topic (read_committed, from each partition's start to its
/// end) with its own consumer, independent of the pipeline's.
struct AuditTopicReader {
    let client: ClientConfiguration
    let logger: Logger

    /// Per partition, the records in offset order.
    func readAll(_ topic: String, timeout: Duration = .seconds(120)) async throws -> [Int32: [Record]] {
        let admin = try Admin(configuration: client, logger: logger)
        let partitions = try await admin.listTopics([topic]).first?.partitions ?? []
        admin.close()
        guard !partitions.isEmpty else { return [:] }
        var config = ConsumerConfiguration(client: client, groupID: "nagare.audit.check.\(topic).\(UUID().uuidString)")
        config.isolationLevel = .readCommitted
        config.reportsEndOfPartition = true
        let consumer = try Consumer(configuration: config, logger: logger)
        let tps = partitions.map { TopicPartition(topic, $0) }
        try consumer.assign(tps, from: .earliest)
        var out: [Int32: [Record]] = Dictionary(uniqueKeysWithValues: partitions.map { ($0, []) })
        var atEnd: Set<Int32> = []
        let deadline = ContinuousClock.now + timeout
        while atEnd.count < partitions.count {
            guard ContinuousClock.now < deadline else {
                try? await consumer.close()
                throw AuditError("\(topic): the end of partitions \(Set(partitions).subtracting(atEnd).sorted()) not reached within \(timeout)")
            }
            for event in try await consumer.poll(timeout: .milliseconds(500)) {
                switch event {
                case .records(let records):
                    for r in records {
                        atEnd.remove(r.topicPartition.partition)
                        out[r.topicPartition.partition, default: []].append(r)
                    }
                case .endOfPartition(let tp, _): atEnd.insert(tp.partition)
                case .partitionError(let tp, let error): throw AuditError("\(tp): \(error)")
                case .rebalance: continue
                }
            }
        }
        try? await consumer.close()
        return out
    }
}

/// What went wrong running an audit (not a finding about the pipeline: those are in the report).
public struct AuditError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

extension Record {
    /// The generator's `gen.seq` header.
    var generatorSequence: Int? {
        headers.last(where: { $0.key == "gen.seq" }).flatMap { $0.value }.flatMap { Int(String(decoding: $0, as: UTF8.self)) }
    }
}
