import Testing
@testable import NagareWire

/// Byte-exact encodings worked out by hand from the protocol guide, in the shape real clients
/// send them. Round trips cannot catch a mistake made the same way on both sides; these can.
@Suite("Golden bytes")
struct GoldenBytesTests {
    static func ascii(_ s: String) -> [UInt8] { Array(s.utf8) }

    /// ApiVersions v3 as librdkafka 2.3.0 opens every connection: request header v2 (client_id
    /// "rdkafka" with an int16 length, then an empty tag section), then the flexible body.
    static let librdkafkaApiVersionsV3: [UInt8] =
        [0x00, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01]             // key 18, v3, correlation 1
        + [0x00, 0x07] + ascii("rdkafka") + [0x00]                   // client_id, header tags
        + [0x0B] + ascii("librdkafka") + [0x06] + ascii("2.3.0")      // compact strings (len + 1)
        + [0x00]                                                      // body tags

    @Test func librdkafkaApiVersionsRequest() throws {
        var r = WireReader(Self.librdkafkaApiVersionsV3)
        let header = try RequestHeader.decode(from: &r)
        #expect(header == RequestHeader(apiKey: .apiVersions, apiVersion: 3, correlationID: 1, clientID: "rdkafka"))
        let body = try ApiVersionsRequest.decode(from: &r, version: 3)
        #expect(body == ApiVersionsRequest(clientSoftwareName: "librdkafka", clientSoftwareVersion: "2.3.0"))
        #expect(r.isAtEnd)

        var w = WireWriter()
        header.encode(into: &w)
        body.encode(into: &w, version: 3)
        #expect(w.bytes == Self.librdkafkaApiVersionsV3)
    }

    @Test func apiVersionsV3ResponseUsesHeaderV0AndAFlexibleBody() {
        var w = WireWriter()
        let v: Int16 = 3
        ResponseHeader(correlationID: 1).encode(
            into: &w, headerVersion: ResponseHeader.headerVersion(apiKey: ApiKey.apiVersions.rawValue, apiVersion: v))
        ApiVersionsResponse(apiKeys: [.init(apiKey: 18, minVersion: 0, maxVersion: 3)]).encode(into: &w, version: v)
        #expect(w.bytes == [
            0x00, 0x00, 0x00, 0x01,                          // correlation id, no header tags
            0x00, 0x00,                                      // error_code NONE
            0x02,                                            // compact array: 1 entry
            0x00, 0x12, 0x00, 0x00, 0x00, 0x03, 0x00,        // key 18, 0...3, entry tags
            0x00, 0x00, 0x00, 0x00,                          // throttle_time_ms
            0x00,                                            // body tags
        ])
    }

    @Test func apiVersionsV0ResponseHasNoThrottleTime() {
        let bytes = ApiVersionsResponse(errorCode: .unsupportedVersion,
                                        apiKeys: [.init(apiKey: 0, minVersion: 3, maxVersion: 9)]).encoded(version: 0)
        #expect(bytes == [0x00, 0x23, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x03, 0x00, 0x09])
    }

    @Test func metadataV0RequestForOneTopic() throws {
        let bytes = MetadataRequest(topics: [.init(name: "test")]).encoded(version: 0)
        #expect(bytes == [0x00, 0x00, 0x00, 0x01, 0x00, 0x04] + Self.ascii("test"))
        // v1+ null means "all topics"; v0 has no null and uses an empty array instead.
        #expect(MetadataRequest(topics: nil).encoded(version: 1) == [0xFF, 0xFF, 0xFF, 0xFF])
        #expect(MetadataRequest(topics: nil).encoded(version: 0) == [0x00, 0x00, 0x00, 0x00])
        #expect(MetadataRequest(topics: nil).encoded(version: 9) == [0x00, 0x01, 0x00, 0x00, 0x00])
    }

    @Test func produceV3AndV9Requests() throws {
        let request = ProduceRequest(transactionalID: nil, acks: -1, timeoutMilliseconds: 30_000, topicData: [
            .init(name: "t", partitionData: [.init(index: 0, records: [0xAA, 0xBB, 0xCC])]),
        ])
        #expect(request.encoded(version: 3) == [
            0xFF, 0xFF,                         // transactional_id null
            0xFF, 0xFF,                         // acks -1
            0x00, 0x00, 0x75, 0x30,             // timeout 30000
            0x00, 0x00, 0x00, 0x01,             // 1 topic
            0x00, 0x01, 0x74,                   // "t"
            0x00, 0x00, 0x00, 0x01,             // 1 partition
            0x00, 0x00, 0x00, 0x00,             // index 0
            0x00, 0x00, 0x00, 0x03, 0xAA, 0xBB, 0xCC,
        ])
        #expect(request.encoded(version: 9) == [
            0x00,                               // compact null
            0xFF, 0xFF,
            0x00, 0x00, 0x75, 0x30,
            0x02,                               // compact array: 1 topic
            0x02, 0x74,                         // compact "t"
            0x02,                               // 1 partition
            0x00, 0x00, 0x00, 0x00,
            0x04, 0xAA, 0xBB, 0xCC,             // compact bytes
            0x00, 0x00, 0x00,                   // partition, topic and body tags
        ])
    }

    @Test func fetchV4ResponseWithAnAbortedTransaction() {
        let response = FetchResponse(throttleTimeMilliseconds: 0, responses: [
            .init(topic: "t", partitions: [
                .init(partitionIndex: 0, highWatermark: 10, lastStableOffset: 8,
                      abortedTransactions: [.init(producerID: 1, firstOffset: 2)], records: nil),
            ]),
        ])
        #expect(response.encoded(version: 4) == [
            0x00, 0x00, 0x00, 0x00,                                 // throttle
            0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x74,               // 1 topic "t"
            0x00, 0x00, 0x00, 0x01,                                 // 1 partition
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00,                     // index 0, NONE
            0, 0, 0, 0, 0, 0, 0, 10,                                // high watermark
            0, 0, 0, 0, 0, 0, 0, 8,                                 // last stable offset
            0x00, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2,
            0xFF, 0xFF, 0xFF, 0xFF,                                 // records null
        ])
    }

    @Test func unknownTaggedFieldsInAFlexibleBodyAreSkipped() throws {
        // Heartbeat v4 from a newer client that adds a tag we do not know.
        var w = WireWriter()
        w.writeCompactString("g")
        w.writeInt32(3)
        w.writeCompactString("m")
        w.writeCompactNullableString(nil)
        w.writeTaggedFields([0: [0x01], 9: Array(repeating: 0xEE, count: 200)])
        let decoded = try HeartbeatRequest.decode(w.bytes, version: 4)
        #expect(decoded == HeartbeatRequest(groupID: "g", generationID: 3, memberID: "m"))
    }
}
