import Testing
@testable import NagareWire

@Suite("Request and response headers")
struct HeaderTests {
    /// The first version of each API that is flexible, from Kafka's message schemas
    /// (`flexibleVersions` in clients/src/main/resources/common/message/*.json).
    static let firstFlexible: [(ApiKey, Int16)] = [
        (.apiVersions, 3), (.metadata, 9), (.produce, 9), (.fetch, 12), (.listOffsets, 6), (.findCoordinator, 3),
        (.joinGroup, 6), (.syncGroup, 4), (.heartbeat, 4), (.leaveGroup, 4), (.offsetCommit, 8), (.offsetFetch, 6),
        (.describeGroups, 5), (.listGroups, 3), (.createTopics, 5), (.deleteTopics, 4), (.describeConfigs, 4),
        (.initProducerID, 2), (.addPartitionsToTxn, 3), (.addOffsetsToTxn, 3), (.endTxn, 3), (.txnOffsetCommit, 3),
    ]

    @Test func headerVersionsFollowFlexibility() {
        #expect(Self.firstFlexible.count == ApiKey.allCases.count)
        for (key, v) in Self.firstFlexible {
            #expect(RequestHeader.headerVersion(apiKey: key.rawValue, apiVersion: v - 1) == 1, "\(key) v\(v - 1)")
            #expect(RequestHeader.headerVersion(apiKey: key.rawValue, apiVersion: v) == 2, "\(key) v\(v)")
            #expect(ResponseHeader.headerVersion(apiKey: key.rawValue, apiVersion: v - 1) == 0, "\(key) v\(v - 1)")
            let expected: Int16 = key == .apiVersions ? 0 : 1
            #expect(ResponseHeader.headerVersion(apiKey: key.rawValue, apiVersion: v) == expected, "\(key) v\(v)")
        }
    }

    @Test func apiVersionsResponseHeaderIsAlwaysV0() {
        for v: Int16 in 0...10 {
            #expect(ResponseHeader.headerVersion(apiKey: 18, apiVersion: v) == 0)
        }
    }

    @Test func unknownApiKeysGetTheClassicHeaders() {
        #expect(RequestHeader.headerVersion(apiKey: 60, apiVersion: 1) == 1)
        #expect(ResponseHeader.headerVersion(apiKey: 60, apiVersion: 1) == 0)
    }

    @Test(arguments: [Int16(0), 1, 2])
    func requestHeaderRoundTrips(_ headerVersion: Int16) throws {
        for clientID in [nil, "", "nagare-ナガレ"] as [String?] {
            let header = RequestHeader(apiKey: .fetch, apiVersion: 12, correlationID: -7,
                                       clientID: headerVersion >= 1 ? clientID : nil)
            var w = WireWriter()
            header.encode(into: &w, headerVersion: headerVersion)
            var r = WireReader(w.bytes)
            #expect(try RequestHeader.decode(from: &r, headerVersion: headerVersion) == header)
            #expect(r.isAtEnd)
            for n in 0..<w.bytes.count {
                var p = WireReader(Array(w.bytes[0..<n]))
                #expect(throws: WireError.self) { try RequestHeader.decode(from: &p, headerVersion: headerVersion) }
            }
        }
    }

    @Test func requestHeaderV2KeepsAClassicClientIDAndSkipsUnknownTags() throws {
        var w = WireWriter()
        w.writeInt16(3)        // Metadata
        w.writeInt16(9)        // flexible
        w.writeInt32(42)
        w.writeString("ab")    // int16 length, not compact
        w.writeTaggedFields([5: [1, 2, 3]])
        w.writeInt8(0x7A)      // first body byte
        var r = WireReader(w.bytes)
        let header = try RequestHeader.decode(from: &r)
        #expect(header == RequestHeader(apiKey: .metadata, apiVersion: 9, correlationID: 42, clientID: "ab"))
        #expect(try r.readInt8() == 0x7A)
    }

    @Test func responseHeaderRoundTrips() throws {
        for hv: Int16 in [0, 1] {
            var w = WireWriter()
            ResponseHeader(correlationID: 99).encode(into: &w, headerVersion: hv)
            #expect(w.bytes.count == (hv == 0 ? 4 : 5))
            var r = WireReader(w.bytes)
            #expect(try ResponseHeader.decode(from: &r, headerVersion: hv).correlationID == 99)
            #expect(r.isAtEnd)
        }
    }
}
