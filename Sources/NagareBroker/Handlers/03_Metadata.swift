import NagareCore
import NagareWire

// Metadata: v0–9. Behavior: one broker (this one), which leads every partition with leader
// epoch 0 and is the only replica and in-sync replica. Topics named in the request that do not
// exist are created when auto-creation is on (and, from v4, the request allows it); otherwise
// UNKNOWN_TOPIC_OR_PARTITION. A null topic list means every topic. Not supported: authorized
// operations (always "omitted"), racks.
extension Broker {
    func handleMetadata(_ request: MetadataRequest, _ context: RequestContext) async -> MetadataResponse {
        let address = advertisedAddress
        let broker = MetadataResponse.Broker(nodeID: configuration.nodeID, host: address.host, port: Int32(address.port))
        var out: [MetadataResponse.Topic] = []
        if let requested = request.topics {
            for name in requested.map(\.name) {
                if let topic = topics.topic(name) {
                    out.append(describe(topic))
                    continue
                }
                let allowCreate = configuration.isAutoCreateTopicsEnabled
                    && (context.apiVersion < 4 || request.allowAutoTopicCreation)
                guard allowCreate else {
                    out.append(MetadataResponse.Topic(errorCode: .unknownTopicOrPartition, name: name))
                    continue
                }
                switch autoCreate(name) {
                case .success(let topic): out.append(describe(topic))
                case .failure(let code): out.append(MetadataResponse.Topic(errorCode: code, name: name))
                }
            }
        } else {
            out = topics.all.map(describe)
        }
        return MetadataResponse(brokers: [broker], clusterID: "nagare", controllerID: configuration.nodeID, topics: out)
    }

    func describe(_ topic: TopicManager.Topic) -> MetadataResponse.Topic {
        let node = configuration.nodeID
        return MetadataResponse.Topic(
            name: topic.name,
            partitions: topic.partitions.indices.map {
                MetadataResponse.Partition(partitionIndex: Int32($0), leaderID: node, leaderEpoch: 0,
                                           replicaNodes: [node], isrNodes: [node])
            })
    }

    /// Creates a topic a client named for the first time, with the default partition count.
    func autoCreate(_ name: String) -> AutoCreateResult {
        do throws(TopicManager.CreateError) {
            return .success(try topics.create(name: name, partitions: configuration.defaultPartitions))
        } catch .alreadyExists {
            // Another connection created it meanwhile.
            if let topic = topics.topic(name) { return .success(topic) }
            return .failure(.unknownTopicOrPartition)
        } catch .invalidName {
            return .failure(.invalidTopicException)
        } catch {
            logger.error("auto-creating topic '\(name)': \(error)")
            return .failure(.unknownServerError)
        }
    }

    enum AutoCreateResult {
        case success(TopicManager.Topic)
        case failure(KafkaErrorCode)
    }
}
