// Writes the seed corpora for the fuzz targets from NagareWire's own encoders, so every seed is
// a valid input and the fuzzer starts from the deep end of each decoder rather than from its
// first length check.
//
//     swift run --package-path Fuzz GenerateCorpus Fuzz/Corpus
//
// The output is committed (the files are small); run this again after adding an API or a
// version so the new decoder gets seeds of its own.
import Foundation
import NagareWire

let corpusDirectory = URL(fileURLWithPath: CommandLine.arguments.dropFirst().first ?? "Corpus")

/// One request body per API, with every array and optional field populated so that the seeds
/// reach the element decoders. Versions that lack a field simply do not encode it.
func sampleRequest(for api: ApiKey) -> any KafkaMessage {
    let batch = sampleBatches()[0]
    switch api {
    case .produce:
        return ProduceRequest(transactionalID: nil, acks: -1, timeoutMilliseconds: 30_000, topicData: [
            .init(name: "events", partitionData: [.init(index: 0, records: batch)]),
        ])
    case .fetch:
        return FetchRequest(topics: [
            .init(topic: "events", partitions: [.init(partition: 0, fetchOffset: 5, partitionMaxBytes: 1 << 20)]),
        ], forgottenTopicsData: [.init(topic: "old", partitions: [1])], rackID: "rack-a")
    case .listOffsets:
        return ListOffsetsRequest(isolationLevel: .readCommitted, topics: [
            .init(name: "events", partitions: [.init(partitionIndex: 0, timestamp: -1)]),
        ])
    case .metadata:
        return MetadataRequest(topics: [.init(name: "events"), .init(name: "other")], allowAutoTopicCreation: false)
    case .offsetCommit:
        return OffsetCommitRequest(groupID: "group", generationID: 3, memberID: "member-1", groupInstanceID: "instance",
                                   topics: [.init(name: "events", partitions: [.init(partitionIndex: 0, committedOffset: 42)])])
    case .offsetFetch:
        return OffsetFetchRequest(groupID: "group", topics: [.init(name: "events", partitionIndexes: [0, 1])], requireStable: true)
    case .findCoordinator:
        return FindCoordinatorRequest(key: "group", keyType: .group)
    case .joinGroup:
        return JoinGroupRequest(groupID: "group", rebalanceTimeoutMilliseconds: 60_000, memberID: "",
                                groupInstanceID: "instance", protocols: [.init(name: "range", metadata: [0, 1, 2, 3])])
    case .heartbeat:
        return HeartbeatRequest(groupID: "group", generationID: 1, memberID: "member-1", groupInstanceID: "instance")
    case .leaveGroup:
        return LeaveGroupRequest(groupID: "group", memberID: "member-1", members: [.init(memberID: "member-1", groupInstanceID: "instance")])
    case .syncGroup:
        return SyncGroupRequest(groupID: "group", generationID: 1, memberID: "member-1", groupInstanceID: "instance",
                                assignments: [.init(memberID: "member-1", assignment: [0, 1, 0, 0])])
    case .describeGroups:
        return DescribeGroupsRequest(groups: ["group", "other"], includeAuthorizedOperations: true)
    case .listGroups:
        return ListGroupsRequest(statesFilter: ["Stable"])
    case .apiVersions:
        return ApiVersionsRequest(clientSoftwareName: "nagare-fuzz", clientSoftwareVersion: "1.0")
    case .createTopics:
        return CreateTopicsRequest(topics: [
            .init(name: "events", numPartitions: 3, replicationFactor: 1,
                  configs: [.init(name: "cleanup.policy", value: "compact"), .init(name: "retention.ms", value: nil)]),
            .init(name: "assigned", assignments: [.init(partitionIndex: 0, brokerIDs: [1])]),
        ], validateOnly: true)
    case .deleteTopics:
        return DeleteTopicsRequest(topicNames: ["events", "other"])
    case .initProducerID:
        return InitProducerIDRequest(transactionalID: "txn", producerID: 7, producerEpoch: 1)
    case .addPartitionsToTxn:
        return AddPartitionsToTxnRequest(transactionalID: "txn", producerID: 7, producerEpoch: 1,
                                         topics: [.init(name: "events", partitions: [0, 2])])
    case .addOffsetsToTxn:
        return AddOffsetsToTxnRequest(transactionalID: "txn", producerID: 7, producerEpoch: 1, groupID: "group")
    case .endTxn:
        return EndTxnRequest(transactionalID: "txn", producerID: 7, producerEpoch: 1, committed: true)
    case .txnOffsetCommit:
        return TxnOffsetCommitRequest(transactionalID: "txn", groupID: "group", producerID: 7, producerEpoch: 1,
                                      topics: [.init(name: "events", partitions: [.init(partitionIndex: 0, committedOffset: 9)])])
    case .describeConfigs:
        return DescribeConfigsRequest(resources: [.init(resourceType: 2, resourceName: "events", configurationKeys: ["retention.ms"])],
                                      includeSynonyms: true, includeDocumentation: true)
    }
}

/// A request frame as `Broker.respond(to:)` receives it: header and body, no length prefix.
/// `headerVersion` lets a seed claim a version other than the one its body is encoded at.
func frame(_ body: some KafkaMessage, version: Int16, correlationID: Int32, headerVersion: Int16? = nil) -> [UInt8] {
    var writer = WireWriter()
    RequestHeader(apiKey: type(of: body).apiKey, apiVersion: headerVersion ?? version, correlationID: correlationID,
                  clientID: "fuzz")
        .encode(into: &writer)
    body.encode(into: &writer, version: version)
    return writer.bytes
}

/// Valid RecordBatch v2 inputs: plain, idempotent with headers and a null key, a transaction
/// marker, an empty batch, and two batches back to back.
func sampleBatches() -> [[UInt8]] {
    let plain = RecordBatch(baseOffset: 0, entries: [
        (key: Array("k1".utf8), value: Array("v1".utf8), headers: [], timestampMilliseconds: 1_700_000_000_000),
        (key: nil, value: Array("v2".utf8), headers: [.init(key: "h", value: [1, 2])], timestampMilliseconds: 1_700_000_000_005),
    ]).encoded()
    let idempotent = RecordBatch(baseOffset: 0, entries: [
        (key: Array("key".utf8), value: nil, headers: [.init(key: "trace", value: nil)], timestampMilliseconds: 5),
        (key: [], value: [], headers: [], timestampMilliseconds: 3),
        (key: [0xFF], value: Array(repeating: 0x61, count: 40), headers: [], timestampMilliseconds: 9),
    ], producerID: 1000, producerEpoch: 2, baseSequence: 17).encoded()
    let marker = RecordBatch.endTransactionMarker(
        EndTransactionMarker(type: .commit, coordinatorEpoch: 4), producerID: 1000, producerEpoch: 2,
        timestampMilliseconds: 10
    ).encoded()
    let empty = RecordBatch(header: RecordBatchHeader(), records: []).encoded()
    return [plain, idempotent, marker, empty, plain + idempotent]
}

func write(_ bytes: [UInt8], to target: String, name: String) throws {
    let directory = corpusDirectory.appendingPathComponent(target)
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    try Data(bytes).write(to: directory.appendingPathComponent(name))
}

/// Versions today's clients send, seeded besides each API's lowest, first flexible and highest.
let commonVersions: [ApiKey: [Int16]] = [.produce: [7], .fetch: [11], .metadata: [4], .listOffsets: [5]]

// Request frames: each API at its lowest, first flexible (when supported), highest and common
// versions.
var count = 0
for api in ApiKey.allCases {
    let versions = Set([api.supportedVersions.lowerBound, api.firstFlexibleVersion, api.supportedVersions.upperBound]
                       + (commonVersions[api] ?? []))
        .filter { api.supportedVersions.contains($0) }.sorted()
    for version in versions {
        try write(frame(sampleRequest(for: api), version: version, correlationID: Int32(count)),
                  to: "FuzzRequestFrame", name: "\(api.name)-v\(version)")
        count += 1
    }
}
// A too-new ApiVersions, which the broker answers rather than refuses (KIP-511).
try write(frame(ApiVersionsRequest(), version: 3, correlationID: 99, headerVersion: 99), to: "FuzzRequestFrame", name: "ApiVersions-v99")

for (i, batch) in sampleBatches().enumerated() {
    try write(batch, to: "FuzzRecordBatch", name: "batch-\(i)")
}
print("wrote \(count + 1) request frames and \(sampleBatches().count) record batch inputs under \(corpusDirectory.path)")
