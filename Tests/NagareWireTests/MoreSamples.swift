@testable import NagareWire

extension MessageSamples {
    static func moreCases(for key: ApiKey, version v: Int16) -> [MessageCase] {
        switch key {
        case .joinGroup: [MessageCase(joinGroupRequest(v), version: v), MessageCase(joinGroupResponse(v), version: v)]
        case .syncGroup: [MessageCase(syncGroupRequest(v), version: v), MessageCase(syncGroupResponse(v), version: v)]
        case .heartbeat: [MessageCase(heartbeatRequest(v), version: v),
                          MessageCase(HeartbeatResponse(throttleTimeMilliseconds: v >= 1 ? 4 : 0,
                                                        errorCode: .rebalanceInProgress), version: v)]
        case .leaveGroup: [MessageCase(leaveGroupRequest(v), version: v), MessageCase(leaveGroupResponse(v), version: v)]
        case .offsetCommit: [MessageCase(offsetCommitRequest(v), version: v), MessageCase(offsetCommitResponse(v), version: v)]
        case .offsetFetch: [MessageCase(offsetFetchRequest(v), version: v), MessageCase(offsetFetchResponse(v), version: v)]
        case .describeGroups: [MessageCase(describeGroupsRequest(v), version: v),
                               MessageCase(describeGroupsResponse(v), version: v)]
        case .listGroups: [MessageCase(ListGroupsRequest(statesFilter: v >= 4 ? ["Stable", "Empty"] : []), version: v),
                           MessageCase(listGroupsResponse(v), version: v)]
        case .createTopics: [MessageCase(createTopicsRequest(v), version: v), MessageCase(createTopicsResponse(v), version: v)]
        case .deleteTopics: [MessageCase(DeleteTopicsRequest(topicNames: ["a", "b"], timeoutMilliseconds: 5_000), version: v),
                             MessageCase(DeleteTopicsResponse(throttleTimeMilliseconds: v >= 1 ? 1 : 0, responses: [
                                 .init(name: "a"), .init(name: "b", errorCode: .unknownTopicOrPartition),
                             ]), version: v)]
        case .describeConfigs: [MessageCase(describeConfigsRequest(v), version: v),
                                MessageCase(describeConfigsResponse(v), version: v)]
        case .initProducerID: [MessageCase(initProducerIDRequest(v), version: v),
                               MessageCase(InitProducerIDResponse(throttleTimeMilliseconds: 0, errorCode: .none,
                                                                  producerID: 4_000, producerEpoch: 7), version: v)]
        case .addPartitionsToTxn: [MessageCase(AddPartitionsToTxnRequest(transactionalID: "nagare-txn", producerID: 4_000,
                                                                         producerEpoch: 7, topics: [
                                                                             .init(name: "events.enriched", partitions: [0, 1, 2]),
                                                                         ]), version: v),
                                   MessageCase(AddPartitionsToTxnResponse(throttleTimeMilliseconds: 3, results: [
                                       .init(name: "events.enriched", resultsByPartition: [
                                           .init(partitionIndex: 0), .init(partitionIndex: 1, partitionErrorCode: .concurrentTransactions),
                                       ]),
                                   ]), version: v)]
        case .addOffsetsToTxn: [MessageCase(AddOffsetsToTxnRequest(transactionalID: "nagare-txn", producerID: 4_000,
                                                                   producerEpoch: 7, groupID: "nagare.pipeline"), version: v),
                                MessageCase(AddOffsetsToTxnResponse(throttleTimeMilliseconds: 2, errorCode: .producerFenced),
                                            version: v)]
        case .endTxn: [MessageCase(EndTxnRequest(transactionalID: "nagare-txn", producerID: 4_000, producerEpoch: 7,
                                                 committed: true), version: v),
                       MessageCase(EndTxnResponse(throttleTimeMilliseconds: 0, errorCode: .invalidTxnState), version: v)]
        case .txnOffsetCommit: [MessageCase(txnOffsetCommitRequest(v), version: v),
                                MessageCase(TxnOffsetCommitResponse(throttleTimeMilliseconds: 1, topics: [
                                    .init(name: "events.raw", partitions: [.init(partitionIndex: 0),
                                                                          .init(partitionIndex: 1, errorCode: .fencedInstanceID)]),
                                ]), version: v)]
        default: []
        }
    }

    // MARK: Groups

    static func joinGroupRequest(_ v: Int16) -> JoinGroupRequest {
        var m = JoinGroupRequest(groupID: "nagare.pipeline", sessionTimeoutMilliseconds: 10_000, memberID: "",
                                 protocolType: "consumer", protocols: [
                                     .init(name: "range", metadata: [0, 1, 0, 0, 0, 1, 0, 2, 0x61, 0x62]),
                                     .init(name: "cooperative-sticky", metadata: []),
                                 ])
        if v >= 1 { m.rebalanceTimeoutMilliseconds = 300_000 }
        if v >= 5 { m.groupInstanceID = "worker-1" }
        return m
    }

    static func joinGroupResponse(_ v: Int16) -> JoinGroupResponse {
        var member = JoinGroupResponse.Member(memberID: "rdkafka-1", metadata: [1, 2, 3])
        if v >= 5 { member.groupInstanceID = "worker-1" }
        return JoinGroupResponse(throttleTimeMilliseconds: v >= 2 ? 6 : 0, errorCode: .none, generationID: 3,
                                 protocolName: "range", leader: "rdkafka-1", memberID: "rdkafka-1",
                                 members: [member, .init(memberID: "rdkafka-2", metadata: [])])
    }

    static func syncGroupRequest(_ v: Int16) -> SyncGroupRequest {
        SyncGroupRequest(groupID: "nagare.pipeline", generationID: 3, memberID: "rdkafka-1",
                         groupInstanceID: v >= 3 ? "worker-1" : nil,
                         assignments: [.init(memberID: "rdkafka-1", assignment: [0, 1, 2]),
                                       .init(memberID: "rdkafka-2", assignment: [])])
    }

    static func syncGroupResponse(_ v: Int16) -> SyncGroupResponse {
        SyncGroupResponse(throttleTimeMilliseconds: v >= 1 ? 8 : 0, errorCode: .none, assignment: [0, 1, 0, 0, 0, 0])
    }

    static func heartbeatRequest(_ v: Int16) -> HeartbeatRequest {
        HeartbeatRequest(groupID: "g", generationID: 9, memberID: "m-1", groupInstanceID: v >= 3 ? "i-1" : nil)
    }

    static func leaveGroupRequest(_ v: Int16) -> LeaveGroupRequest {
        v <= 2 ? LeaveGroupRequest(groupID: "g", memberID: "m-1")
            : LeaveGroupRequest(groupID: "g", members: [.init(memberID: "m-1"), .init(memberID: "", groupInstanceID: "i-2")])
    }

    static func leaveGroupResponse(_ v: Int16) -> LeaveGroupResponse {
        LeaveGroupResponse(throttleTimeMilliseconds: v >= 1 ? 1 : 0, errorCode: .none,
                           members: v >= 3 ? [.init(memberID: "m-1"), .init(memberID: "", groupInstanceID: "i-2",
                                                                             errorCode: .unknownMemberID)] : [])
    }

    static func offsetCommitRequest(_ v: Int16) -> OffsetCommitRequest {
        var p = OffsetCommitRequest.Partition(partitionIndex: 0, committedOffset: 1_234, committedMetadata: "batch-17")
        if v >= 6 { p.committedLeaderEpoch = 5 }
        if v == 1 { p.commitTimestamp = 1_700_000_000_000 }
        var m = OffsetCommitRequest(groupID: "nagare.pipeline", topics: [
            .init(name: "events.raw", partitions: [p, .init(partitionIndex: 1, committedOffset: 0, committedMetadata: nil)]),
        ])
        if v >= 1 {
            m.generationID = 3
            m.memberID = "rdkafka-1"
        }
        if v >= 7 { m.groupInstanceID = "worker-1" }
        if (2...4).contains(v) { m.retentionTimeMilliseconds = 86_400_000 }
        return m
    }

    static func offsetCommitResponse(_ v: Int16) -> OffsetCommitResponse {
        OffsetCommitResponse(throttleTimeMilliseconds: v >= 3 ? 2 : 0, topics: [
            .init(name: "events.raw", partitions: [.init(partitionIndex: 0), .init(partitionIndex: 1, errorCode: .illegalGeneration)]),
        ])
    }

    static func offsetFetchRequest(_ v: Int16) -> OffsetFetchRequest {
        OffsetFetchRequest(groupID: "nagare.pipeline", topics: v >= 2 && v % 2 == 0 ? nil : [.init(name: "events.raw", partitionIndexes: [0, 1])],
                           requireStable: v >= 7)
    }

    static func offsetFetchResponse(_ v: Int16) -> OffsetFetchResponse {
        var p = OffsetFetchResponse.Partition(partitionIndex: 0, committedOffset: 1_234, metadata: "batch-17")
        if v >= 5 { p.committedLeaderEpoch = 5 }
        return OffsetFetchResponse(throttleTimeMilliseconds: v >= 3 ? 1 : 0, topics: [
            .init(name: "events.raw", partitions: [p, .init(partitionIndex: 1, errorCode: .unstableOffsetCommit)]),
        ], errorCode: v >= 2 ? .coordinatorLoadInProgress : .none)
    }

    static func describeGroupsRequest(_ v: Int16) -> DescribeGroupsRequest {
        DescribeGroupsRequest(groups: ["nagare.pipeline", "other"], includeAuthorizedOperations: v >= 3)
    }

    static func describeGroupsResponse(_ v: Int16) -> DescribeGroupsResponse {
        var member = DescribeGroupsResponse.Member(memberID: "rdkafka-1", clientID: "rdkafka", clientHost: "/127.0.0.1",
                                                   memberMetadata: [1], memberAssignment: [2, 3])
        if v >= 4 { member.groupInstanceID = "worker-1" }
        var group = DescribeGroupsResponse.Group(groupID: "nagare.pipeline", groupState: "Stable", protocolType: "consumer",
                                                 protocolData: "range", members: [member])
        if v >= 3 { group.authorizedOperations = 0x1F }
        return DescribeGroupsResponse(throttleTimeMilliseconds: v >= 1 ? 3 : 0, groups: [
            group, .init(errorCode: .groupIDNotFound, groupID: "other", groupState: "Dead"),
        ])
    }

    static func listGroupsResponse(_ v: Int16) -> ListGroupsResponse {
        ListGroupsResponse(throttleTimeMilliseconds: v >= 1 ? 1 : 0, errorCode: .none, groups: [
            .init(groupID: "nagare.pipeline", protocolType: "consumer", groupState: v >= 4 ? "Stable" : ""),
            .init(groupID: "store", protocolType: "consumer", groupState: v >= 4 ? "Empty" : ""),
        ])
    }

    // MARK: Admin

    static func createTopicsRequest(_ v: Int16) -> CreateTopicsRequest {
        CreateTopicsRequest(topics: [
            .init(name: "events.raw", numPartitions: 6, replicationFactor: 1,
                  configs: [.init(name: "cleanup.policy", value: "delete"), .init(name: "retention.ms", value: nil)]),
            .init(name: "manual", assignments: [.init(partitionIndex: 0, brokerIDs: [1]), .init(partitionIndex: 1, brokerIDs: [])]),
        ], timeoutMilliseconds: 30_000, validateOnly: v >= 1)
    }

    static func createTopicsResponse(_ v: Int16) -> CreateTopicsResponse {
        var created = CreateTopicsResponse.Topic(name: "events.raw")
        if v >= 5 {
            created.numPartitions = 6
            created.replicationFactor = 1
            created.configs = [.init(name: "cleanup.policy", value: "delete", readOnly: false, configSource: 5, isSensitive: false),
                               .init(name: "secret", value: nil, readOnly: true, configSource: 1, isSensitive: true)]
        }
        return CreateTopicsResponse(throttleTimeMilliseconds: v >= 2 ? 1 : 0, topics: [
            created,
            .init(name: "dup", errorCode: .topicAlreadyExists, errorMessage: v >= 1 ? "Topic 'dup' already exists." : nil),
        ])
    }

    static func describeConfigsRequest(_ v: Int16) -> DescribeConfigsRequest {
        DescribeConfigsRequest(resources: [
            .init(resourceType: DescribeConfigsRequest.ResourceType.topic, resourceName: "events.raw"),
            .init(resourceType: DescribeConfigsRequest.ResourceType.broker, resourceName: "1",
                  configurationKeys: ["log.retention.ms"]),
        ], includeSynonyms: v >= 1, includeDocumentation: v >= 3)
    }

    static func describeConfigsResponse(_ v: Int16) -> DescribeConfigsResponse {
        var c = DescribeConfigsResponse.Config(name: "retention.ms", value: "604800000", readOnly: false)
        if v == 0 { c.isDefault = true }
        if v >= 1 {
            c.configSource = 5
            c.synonyms = [.init(name: "log.retention.ms", value: nil, source: 5)]
        }
        if v >= 3 {
            c.configType = 5
            c.documentation = "How long to keep records."
        }
        let secret = DescribeConfigsResponse.Config(name: "sasl.password", value: nil, readOnly: true, isSensitive: true)
        return DescribeConfigsResponse(throttleTimeMilliseconds: 0, results: [
            .init(resourceType: 2, resourceName: "events.raw", configs: [c, secret]),
            .init(errorCode: .unknownTopicOrPartition, errorMessage: "no such topic", resourceType: 2, resourceName: "x"),
        ])
    }

    // MARK: Transactions

    static func initProducerIDRequest(_ v: Int16) -> InitProducerIDRequest {
        var m = InitProducerIDRequest(transactionalID: "nagare-txn", transactionTimeoutMilliseconds: 60_000)
        if v >= 3 {
            m.producerID = 4_000
            m.producerEpoch = 6
        }
        return m
    }

    static func txnOffsetCommitRequest(_ v: Int16) -> TxnOffsetCommitRequest {
        var p = TxnOffsetCommitRequest.Partition(partitionIndex: 0, committedOffset: 99, committedMetadata: "")
        if v >= 2 { p.committedLeaderEpoch = 5 }
        var m = TxnOffsetCommitRequest(transactionalID: "nagare-txn", groupID: "nagare.pipeline", producerID: 4_000,
                                       producerEpoch: 7, topics: [.init(name: "events.raw", partitions: [
                                           p, .init(partitionIndex: 1, committedOffset: 100),
                                       ])])
        if v >= 3 {
            m.generationID = 3
            m.memberID = "rdkafka-1"
            m.groupInstanceID = nil
        }
        return m
    }
}
