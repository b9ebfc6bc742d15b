import NagareWire

// CreateTopics: v0–5. Behavior: creates topics with the given partition count (-1: the
// broker's default) and configs (cleanup.policy, retention.ms, retention.bytes, segment.bytes,
// segment.ms, delete.retention.ms); replication factor must be 1 or -1 on one broker;
// validateOnly checks without creating. Not supported: manual replica assignments.
extension Broker {
    func handleCreateTopics(_ request: CreateTopicsRequest, _ context: RequestContext) async -> CreateTopicsResponse {
        var results: [CreateTopicsResponse.Topic] = []
        for t in request.topics {
            let partitions = t.numPartitions == -1 ? configuration.defaultPartitions : t.numPartitions
            func fail(_ code: KafkaErrorCode, _ message: String) {
                results.append(.init(name: t.name, errorCode: code, errorMessage: message, numPartitions: -1, replicationFactor: -1))
            }
            guard t.replicationFactor == -1 || t.replicationFactor == 1 else {
                fail(.invalidReplicationFactor, "replication factor \(t.replicationFactor): this broker is a single node, use 1")
                continue
            }
            guard t.assignments.isEmpty else {
                fail(.invalidRequest, "manual replica assignments are not supported")
                continue
            }
            var configs: [String: String] = [:]
            for c in t.configs { if let v = c.value { configs[c.name] = v } }
            do throws(TopicManager.CreateError) {
                if request.validateOnly {
                    if topics.topic(t.name) != nil { throw TopicManager.CreateError.alreadyExists }
                    _ = try topics.validate(name: t.name, partitions: partitions, configs: configs)
                } else {
                    try topics.create(name: t.name, partitions: partitions, configs: configs)
                }
                results.append(.init(name: t.name, numPartitions: partitions, replicationFactor: 1,
                                     configs: configs.sorted { $0.key < $1.key }.map { .init(name: $0.key, value: $0.value) }))
            } catch .alreadyExists {
                fail(.topicAlreadyExists, "topic '\(t.name)' already exists")
            } catch .invalidName(let m) {
                fail(.invalidTopicException, m)
            } catch .invalidPartitions(let n) {
                fail(.invalidPartitions, "\(n) partitions: use 1 to 10000")
            } catch .invalidConfig(let m) {
                fail(.invalidConfig, m)
            } catch {
                if case .storage(let m) = error { fail(.kafkaStorageError, m) }
            }
        }
        return CreateTopicsResponse(topics: results)
    }
}
