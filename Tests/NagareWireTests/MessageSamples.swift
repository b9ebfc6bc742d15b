@testable import NagareWire

/// Representative values of every message at every supported version. Each sample sets only
/// the fields its version carries (others keep their defaults), so that encode → decode must
/// give back exactly the same value. Values are deliberately not the defaults, include
/// nulls/empties where the schema allows them, and non-ASCII text, to catch swapped or
/// mis-gated fields.
enum MessageSamples {
    static var all: [MessageCase] { ApiKey.allCases.flatMap { cases(for: $0) } }

    static func cases(for key: ApiKey) -> [MessageCase] {
        key.supportedVersions.flatMap { v -> [MessageCase] in
            switch key {
            case .apiVersions: [MessageCase(apiVersionsRequest(v), version: v), MessageCase(apiVersionsResponse(v), version: v)]
            case .metadata: [MessageCase(metadataRequest(v), version: v), MessageCase(metadataRequestAll(v), version: v),
                             MessageCase(metadataResponse(v), version: v)]
            case .produce: [MessageCase(produceRequest(v), version: v), MessageCase(produceResponse(v), version: v)]
            case .fetch: [MessageCase(fetchRequest(v), version: v), MessageCase(fetchResponse(v), version: v)]
            case .listOffsets: [MessageCase(listOffsetsRequest(v), version: v), MessageCase(listOffsetsResponse(v), version: v)]
            case .findCoordinator: [MessageCase(findCoordinatorRequest(v), version: v),
                                    MessageCase(findCoordinatorResponse(v), version: v)]
            default: moreCases(for: key, version: v)
            }
        }
    }

    // MARK: ApiVersions

    static func apiVersionsRequest(_ v: Int16) -> ApiVersionsRequest {
        v >= 3 ? ApiVersionsRequest(clientSoftwareName: "librdkafka", clientSoftwareVersion: "2.3.0") : ApiVersionsRequest()
    }

    static func apiVersionsResponse(_ v: Int16) -> ApiVersionsResponse {
        ApiVersionsResponse(errorCode: v == 0 ? .unsupportedVersion : .none,
                            apiKeys: ApiVersionsResponse.ApiVersion.nagareSupported,
                            throttleTimeMilliseconds: v >= 1 ? 17 : 0)
    }

    // MARK: Metadata

    static func metadataRequest(_ v: Int16) -> MetadataRequest {
        var m = MetadataRequest(topics: [.init(name: "events.raw"), .init(name: "流れ")])
        if v >= 4 { m.allowAutoTopicCreation = false }
        if v >= 8 {
            m.includeClusterAuthorizedOperations = true
            m.includeTopicAuthorizedOperations = true
        }
        return m
    }

    static func metadataRequestAll(_ v: Int16) -> MetadataRequest {
        MetadataRequest(topics: v >= 1 ? nil : [])
    }

    static func metadataResponse(_ v: Int16) -> MetadataResponse {
        var broker = MetadataResponse.Broker(nodeID: 1, host: "127.0.0.1", port: 9092)
        if v >= 1 { broker.rack = "rack-a" }
        var p0 = MetadataResponse.Partition(partitionIndex: 0, leaderID: 1, replicaNodes: [1], isrNodes: [1])
        let p1 = MetadataResponse.Partition(errorCode: .leaderNotAvailable, partitionIndex: 1, leaderID: -1)
        if v >= 7 { p0.leaderEpoch = 3 }
        if v >= 5 { p0.offlineReplicas = [2, 3] }
        var t = MetadataResponse.Topic(name: "events.raw", partitions: [p0, p1])
        if v >= 1 { t.isInternal = true }
        if v >= 8 { t.topicAuthorizedOperations = 0x0FF8 }
        var m = MetadataResponse(brokers: [broker, .init(nodeID: 2, host: "b2", port: 9093)],
                                 topics: [t, .init(errorCode: .unknownTopicOrPartition, name: "missing")])
        if v >= 3 { m.throttleTimeMilliseconds = 5 }
        if v >= 2 { m.clusterID = "nagare-cluster" }
        if v >= 1 { m.controllerID = 1 }
        if v >= 8 { m.clusterAuthorizedOperations = 0 }
        return m
    }

    // MARK: Produce

    static func produceRequest(_ v: Int16) -> ProduceRequest {
        ProduceRequest(transactionalID: "txn-1", acks: -1, timeoutMilliseconds: 1_500, topicData: [
            .init(name: "events.raw", partitionData: [
                .init(index: 0, records: Array(0..<61).map { UInt8($0) }),
                .init(index: 1, records: nil),
                .init(index: 2, records: []),
            ]),
            .init(name: "empty", partitionData: []),
        ])
    }

    static func produceResponse(_ v: Int16) -> ProduceResponse {
        var ok = ProduceResponse.PartitionResponse(index: 0, baseOffset: 42)
        var bad = ProduceResponse.PartitionResponse(index: 1, errorCode: .invalidRecord, baseOffset: -1)
        if v >= 2 { ok.logAppendTimeMilliseconds = 1_700_000_000_000 }
        if v >= 5 { ok.logStartOffset = 7 }
        if v >= 8 {
            bad.recordErrors = [.init(batchIndex: 3, batchIndexErrorMessage: "bad key"), .init(batchIndex: 4)]
            bad.errorMessage = "one record failed validation"
        }
        return ProduceResponse(responses: [.init(name: "events.raw", partitionResponses: [ok, bad])],
                               throttleTimeMilliseconds: v >= 1 ? 9 : 0)
    }

    // MARK: Fetch

    static func fetchRequest(_ v: Int16) -> FetchRequest {
        var p = FetchRequest.Partition(partition: 3, fetchOffset: 1_000, partitionMaxBytes: 1_048_576)
        if v >= 9 { p.currentLeaderEpoch = 4 }
        if v >= 12 { p.lastFetchedEpoch = 2 }
        if v >= 5 { p.logStartOffset = 10 }
        var m = FetchRequest(maxWaitMilliseconds: 100, minBytes: 1, maxBytes: 52_428_800,
                             isolationLevel: .readCommitted, topics: [.init(topic: "events.raw", partitions: [p])])
        if v >= 7 {
            m.sessionID = 77
            m.sessionEpoch = 3
            m.forgottenTopicsData = [.init(topic: "old", partitions: [0, 5])]
        }
        if v >= 11 { m.rackID = "rack-a" }
        return m
    }

    static func fetchResponse(_ v: Int16) -> FetchResponse {
        var p = FetchResponse.Partition(partitionIndex: 3, highWatermark: 2_000, lastStableOffset: 1_990,
                                        abortedTransactions: [.init(producerID: 5, firstOffset: 1_500)],
                                        records: [0xDE, 0xAD, 0xBE, 0xEF])
        if v >= 5 { p.logStartOffset = 10 }
        if v >= 11 { p.preferredReadReplica = 1 }
        let empty = FetchResponse.Partition(partitionIndex: 4, errorCode: .offsetOutOfRange)
        var m = FetchResponse(throttleTimeMilliseconds: 1, responses: [.init(topic: "events.raw", partitions: [p, empty])])
        if v >= 7 {
            m.errorCode = .none
            m.sessionID = 77
        }
        return m
    }

    // MARK: ListOffsets

    static func listOffsetsRequest(_ v: Int16) -> ListOffsetsRequest {
        var p = ListOffsetsRequest.Partition(partitionIndex: 0, timestamp: ListOffsetsRequest.earliestTimestamp)
        if v >= 4 { p.currentLeaderEpoch = 2 }
        var m = ListOffsetsRequest(topics: [.init(name: "events.raw", partitions: [
            p, .init(partitionIndex: 1, timestamp: ListOffsetsRequest.latestTimestamp),
        ])])
        if v >= 2 { m.isolationLevel = .readCommitted }
        return m
    }

    static func listOffsetsResponse(_ v: Int16) -> ListOffsetsResponse {
        var p = ListOffsetsResponse.Partition(partitionIndex: 0, timestamp: -1, offset: 12)
        if v >= 4 { p.leaderEpoch = 2 }
        return ListOffsetsResponse(throttleTimeMilliseconds: v >= 2 ? 3 : 0, topics: [
            .init(name: "events.raw", partitions: [p, .init(partitionIndex: 9, errorCode: .unknownTopicOrPartition)]),
        ])
    }

    // MARK: FindCoordinator

    static func findCoordinatorRequest(_ v: Int16) -> FindCoordinatorRequest {
        FindCoordinatorRequest(key: "nagare.pipeline", keyType: v >= 1 ? .transaction : .group)
    }

    static func findCoordinatorResponse(_ v: Int16) -> FindCoordinatorResponse {
        FindCoordinatorResponse(throttleTimeMilliseconds: v >= 1 ? 2 : 0, errorCode: .none,
                                errorMessage: v >= 1 ? "ok" : nil, nodeID: 1, host: "localhost", port: 9092)
    }
}
