import Foundation
import Logging
import NagareCore
import Testing
import NagareWire
@testable import NagareBroker

/// A broker over a temporary data directory.
final class BrokerFixture: Sendable {
    let directory: String
    let broker: Broker

    init(autoCreate: Bool = true) throws {
        directory = NSTemporaryDirectory() + "nagare-broker-\(UUID().uuidString)"
        var config = BrokerConfiguration()
        config.dataDirectory = directory
        config.defaultPartitions = 2
        config.isAutoCreateTopicsEnabled = autoCreate
        var logger = Logger(label: "test")
        logger.logLevel = .error
        broker = try Broker(configuration: config, logger: logger)
    }

    func close() async {
        await broker.shutdown()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Sends `request` at `version` and decodes the response body.
    func call<Request: KafkaMessage, Response: KafkaMessage>(
        _ request: Request, version: Int16, expecting: Response.Type, correlationID: Int32 = 7
    ) async throws -> Response {
        var w = WireWriter()
        RequestHeader(apiKey: Request.apiKey, apiVersion: version, correlationID: correlationID, clientID: "test")
            .encode(into: &w)
        request.encode(into: &w, version: version)
        guard case .respond(let frame) = await broker.respond(to: w.bytes, clientHost: "127.0.0.1", connectionID: 1) else {
            throw TestFailure("no response")
        }
        var r = WireReader(frame)
        let length = try r.readInt32()
        #expect(Int(length) == frame.count - 4)
        let header = try ResponseHeader.decode(
            from: &r, headerVersion: ResponseHeader.headerVersion(apiKey: Request.apiKey.rawValue, apiVersion: version))
        #expect(header.correlationID == correlationID)
        let response = try Response.decode(from: &r, version: version)
        #expect(r.isAtEnd)
        return response
    }
}

struct TestFailure: Error {
    var message: String
    init(_ m: String) { message = m }
}


/// The broker's request processing in-process: frames in, frames out, no sockets.
@Suite(.timeLimit(.minutes(1)))
struct BrokerRequestTests {
    func batch(_ values: [String], timestamp: Int64 = 1_700_000_000_000) -> [UInt8] {
        RecordBatch(entries: values.map { (key: nil, value: Array($0.utf8), headers: [], timestampMilliseconds: timestamp) })
            .encoded()
    }

    @Test func apiVersionsListsEveryApiFromTheTable() async throws {
        let fx = try BrokerFixture()
        let response = try await fx.call(ApiVersionsRequest(clientSoftwareName: "t", clientSoftwareVersion: "1"),
                                         version: 3, expecting: ApiVersionsResponse.self)
        await fx.close()
        #expect(response.errorCode == .none)
        #expect(Set(response.apiKeys.map(\.apiKey)) == Set(ApiKey.allCases.map(\.rawValue)))
        let produce = try #require(response.apiKeys.first { $0.apiKey == ApiKey.produce.rawValue })
        #expect(produce.minVersion == 3 && produce.maxVersion == 9)
    }

    @Test func tooNewApiVersionsGetsErrorThirtyFiveWithAVersionZeroBody() async throws {
        let fx = try BrokerFixture()
        var w = WireWriter()
        RequestHeader(apiKey: ApiKey.apiVersions.rawValue, apiVersion: 99, correlationID: 3, clientID: "future").encode(into: &w)
        w.writeBytes([0, 0, 0])  // whatever a v99 body is, it must not matter
        let outcome = await fx.broker.respond(to: w.bytes, clientHost: "h", connectionID: 1)
        await fx.close()
        guard case .respond(let frame) = outcome else { Issue.record("expected a response"); return }
        var r = WireReader(frame, from: 4)
        #expect(try r.readInt32() == 3)
        let body = try ApiVersionsResponse.decode(from: &r, version: 0)
        #expect(body.errorCode == .unsupportedVersion)
        #expect(!body.apiKeys.isEmpty)
    }

    @Test func unknownApiKeysAndMalformedBodiesCloseTheConnection() async throws {
        let fx = try BrokerFixture()
        var w = WireWriter()
        RequestHeader(apiKey: 999, apiVersion: 0, correlationID: 1, clientID: "x").encode(into: &w)
        guard case .close(let reason) = await fx.broker.respond(to: w.bytes, clientHost: "h", connectionID: 1) else {
            Issue.record("unknown API should close"); await fx.close(); return
        }
        #expect(reason.contains("999"))
        var m = WireWriter()
        RequestHeader(apiKey: ApiKey.metadata.rawValue, apiVersion: 4, correlationID: 1, clientID: "x").encode(into: &m)
        m.writeInt32(5)  // five topics promised, none present
        guard case .close(let why) = await fx.broker.respond(to: m.bytes, clientHost: "h", connectionID: 1) else {
            Issue.record("truncated Metadata should close"); await fx.close(); return
        }
        #expect(why.contains("Metadata"))
        await fx.close()
    }

    @Test func produceThenFetchReturnsTheBatchWithAssignedOffsets() async throws {
        let fx = try BrokerFixture()
        let produce = ProduceRequest(acks: -1, timeoutMilliseconds: 5000, topicData: [
            .init(name: "t", partitionData: [.init(index: 1, records: batch(["a", "b", "c"]))]),
        ])
        let first = try await fx.call(produce, version: 7, expecting: ProduceResponse.self)
        let second = try await fx.call(produce, version: 7, expecting: ProduceResponse.self)
        #expect(first.responses[0].partitionResponses[0].errorCode == .none)
        #expect(first.responses[0].partitionResponses[0].baseOffset == 0)
        #expect(second.responses[0].partitionResponses[0].baseOffset == 3)

        let fetch = FetchRequest(maxWaitMilliseconds: 0, minBytes: 1, maxBytes: 1 << 20, topics: [
            .init(topic: "t", partitions: [.init(partition: 1, fetchOffset: 2, partitionMaxBytes: 1 << 20)]),
        ])
        let fetched = try await fx.call(fetch, version: 11, expecting: FetchResponse.self)
        await fx.close()
        let p = fetched.responses[0].partitions[0]
        #expect(p.errorCode == .none)
        #expect(p.highWatermark == 6)
        let records = try RecordBatchSplitter.split(p.records ?? []).flatMap { span in
            try RecordBatch(decoding: p.records!, in: span.range).records(in: TopicPartition("t", 1))
        }
        // Offset 2 is inside the first batch: the whole batch comes back, then the second.
        #expect(records.map(\.offset.rawValue) == [0, 1, 2, 3, 4, 5])
        #expect(records.compactMap(\.valueString) == ["a", "b", "c", "a", "b", "c"])
    }

    @Test func corruptBatchesAreRejectedAndNothingIsAppended() async throws {
        let fx = try BrokerFixture()
        var bytes = batch(["x", "y"])
        bytes[bytes.count - 1] ^= 0xFF
        let response = try await fx.call(
            ProduceRequest(acks: 1, topicData: [.init(name: "c", partitionData: [.init(index: 0, records: bytes)])]),
            version: 7, expecting: ProduceResponse.self)
        #expect(response.responses[0].partitionResponses[0].errorCode == .corruptMessage)
        let offsets = try await fx.call(
            ListOffsetsRequest(topics: [.init(name: "c", partitions: [.init(partitionIndex: 0, timestamp: -1)])]),
            version: 5, expecting: ListOffsetsResponse.self)
        await fx.close()
        #expect(offsets.topics[0].partitions[0].offset == 0)
    }

    @Test func fetchOutsideTheLogIsOffsetOutOfRange() async throws {
        let fx = try BrokerFixture()
        _ = try await fx.call(
            ProduceRequest(acks: -1, topicData: [.init(name: "o", partitionData: [.init(index: 0, records: batch(["1"]))])]),
            version: 7, expecting: ProduceResponse.self)
        let response = try await fx.call(
            FetchRequest(maxWaitMilliseconds: 0, topics: [.init(topic: "o", partitions: [.init(partition: 0, fetchOffset: 5, partitionMaxBytes: 1000)])]),
            version: 11, expecting: FetchResponse.self)
        await fx.close()
        #expect(response.responses[0].partitions[0].errorCode == .offsetOutOfRange)
    }

    @Test func aParkedFetchIsWokenByAProduce() async throws {
        let fx = try BrokerFixture()
        _ = try await fx.call(CreateTopicsRequest(topics: [.init(name: "w", numPartitions: 1, replicationFactor: 1)]),
                              version: 4, expecting: CreateTopicsResponse.self)
        let started = ContinuousClock.now
        async let fetched = fx.call(
            FetchRequest(maxWaitMilliseconds: 10_000, minBytes: 1, topics: [.init(topic: "w", partitions: [.init(partition: 0, fetchOffset: 0, partitionMaxBytes: 1000)])]),
            version: 11, expecting: FetchResponse.self)
        try await Task.sleep(for: .milliseconds(200))
        _ = try await fx.call(
            ProduceRequest(acks: 1, topicData: [.init(name: "w", partitionData: [.init(index: 0, records: batch(["wake"]))])]),
            version: 7, expecting: ProduceResponse.self)
        let response = try await fetched
        await fx.close()
        #expect(response.responses[0].partitions[0].records?.isEmpty == false)
        // Woken by the produce, long before its 10 s MaxWait.
        #expect(ContinuousClock.now - started < .seconds(5))
    }

    @Test func metadataAutoCreatesOnlyWhenEnabled() async throws {
        let on = try BrokerFixture()
        let created = try await on.call(MetadataRequest(topics: [.init(name: "fresh")]), version: 8, expecting: MetadataResponse.self)
        await on.close()
        #expect(created.topics[0].errorCode == .none)
        #expect(created.topics[0].partitions.count == 2)
        #expect(created.topics[0].partitions.allSatisfy { $0.leaderID == 1 && $0.leaderEpoch == 0 })

        let off = try BrokerFixture(autoCreate: false)
        let missing = try await off.call(MetadataRequest(topics: [.init(name: "fresh")]), version: 8, expecting: MetadataResponse.self)
        await off.close()
        #expect(missing.topics[0].errorCode == .unknownTopicOrPartition)
    }

    @Test func createTopicsValidatesNamesReplicationAndDuplicates() async throws {
        let fx = try BrokerFixture()
        let response = try await fx.call(CreateTopicsRequest(topics: [
            .init(name: "ok", numPartitions: 3, replicationFactor: 1, configs: [.init(name: "cleanup.policy", value: "compact")]),
            .init(name: "ok", numPartitions: 3, replicationFactor: 1),
            .init(name: "bad/name", numPartitions: 1, replicationFactor: 1),
            .init(name: "replicated", numPartitions: 1, replicationFactor: 3),
            .init(name: "badconfig", numPartitions: 1, replicationFactor: 1, configs: [.init(name: "cleanup.policy", value: "shred")]),
        ]), version: 5, expecting: CreateTopicsResponse.self)
        await fx.close()
        #expect(response.topics.map(\.errorCode) == [.none, .topicAlreadyExists, .invalidTopicException,
                                                     .invalidReplicationFactor, .invalidConfig])
    }

    @Test func topicsAndDataSurviveARestart() async throws {
        let fx = try BrokerFixture()
        _ = try await fx.call(
            ProduceRequest(acks: -1, topicData: [.init(name: "kept", partitionData: [.init(index: 0, records: batch(["1", "2"]))])]),
            version: 7, expecting: ProduceResponse.self)
        await fx.broker.shutdown()
        var config = fx.broker.configuration
        config.isAutoCreateTopicsEnabled = false
        var logger = Logger(label: "test")
        logger.logLevel = .error
        let reopened = try Broker(configuration: config, logger: logger)
        #expect(reopened.topics.topic("kept")?.partitions.count == 2)
        #expect(reopened.topics.partition(TopicPartition("kept", 0))?.highWatermark == 2)
        await reopened.shutdown()
        try? FileManager.default.removeItem(atPath: fx.directory)
    }
}
