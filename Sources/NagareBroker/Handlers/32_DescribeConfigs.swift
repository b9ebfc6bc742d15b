import NagareLog
import NagareWire

// DescribeConfigs: v0–4. Behavior: topic resources list the topic's log configs (set ones as
// dynamic topic configs, others as defaults); the broker resource lists a few read-only broker
// settings. Not supported: synonyms and documentation (empty), broker loggers.
extension Broker {
    func handleDescribeConfigs(_ request: DescribeConfigsRequest, _ context: RequestContext) async -> DescribeConfigsResponse {
        var results: [DescribeConfigsResponse.Result] = []
        for resource in request.resources {
            var configs: [DescribeConfigsResponse.Config] = []
            switch resource.resourceType {
            case DescribeConfigsRequest.ResourceType.topic:
                guard let topic = topics.topic(resource.resourceName) else {
                    results.append(.init(errorCode: .unknownTopicOrPartition, errorMessage: "no topic '\(resource.resourceName)'",
                                         resourceType: resource.resourceType, resourceName: resource.resourceName, configs: []))
                    continue
                }
                let effective = (try? LogConfiguration(topicConfigs: topic.configs))?.topicConfigs ?? topic.configs
                for (name, value) in effective.sorted(by: { $0.key < $1.key }) {
                    let isSet = topic.configs[name] != nil
                    // Config sources: 1 = dynamic topic config, 5 = default.
                    configs.append(.init(name: name, value: value, readOnly: false, isDefault: !isSet,
                                         configSource: isSet ? 1 : 5, isSensitive: false))
                }
            case DescribeConfigsRequest.ResourceType.broker:
                let address = advertisedAddress
                let brokerConfigs: [(String, String)] = [
                    ("advertised.listeners", "PLAINTEXT://\(address)"),
                    ("auto.create.topics.enable", configuration.isAutoCreateTopicsEnabled ? "true" : "false"),
                    ("broker.id", String(configuration.nodeID)),
                    ("log.dirs", configuration.dataDirectory),
                    ("num.partitions", String(configuration.defaultPartitions)),
                ]
                for (name, value) in brokerConfigs {
                    configs.append(.init(name: name, value: value, readOnly: true, isDefault: false, configSource: 4, isSensitive: false))
                }
            default:
                results.append(.init(errorCode: .invalidRequest, errorMessage: "resource type \(resource.resourceType) is not supported",
                                     resourceType: resource.resourceType, resourceName: resource.resourceName, configs: []))
                continue
            }
            if let keys = resource.configurationKeys { configs = configs.filter { keys.contains($0.name) } }
            results.append(.init(resourceType: resource.resourceType, resourceName: resource.resourceName, configs: configs))
        }
        return DescribeConfigsResponse(results: results)
    }
}
