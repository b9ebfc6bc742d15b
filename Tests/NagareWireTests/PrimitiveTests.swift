import Testing
@testable import NagareWire

@Suite("Wire primitives")
struct PrimitiveTests {
    /// Zigzag varint encodings worked out by hand from the protocol guide's definition
    /// ((n << 1) ^ (n >> 31), then 7 bits per byte, least significant first).
    static let varintGolden: [(Int32, [UInt8])] = [
        (0, [0x00]), (-1, [0x01]), (1, [0x02]), (-2, [0x03]), (63, [0x7E]), (-64, [0x7F]),
        (64, [0x80, 0x01]), (300, [0xD8, 0x04]), (-300, [0xD7, 0x04]),
        (Int32.max, [0xFE, 0xFF, 0xFF, 0xFF, 0x0F]), (Int32.min, [0xFF, 0xFF, 0xFF, 0xFF, 0x0F]),
    ]

    static let varlongGolden: [(Int64, [UInt8])] = [
        (0, [0x00]), (-1, [0x01]), (1, [0x02]), (150, [0xAC, 0x02]),
        (Int64(Int32.max) + 1, [0x80, 0x80, 0x80, 0x80, 0x10]),
        (Int64.max, [0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]),
        (Int64.min, [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]),
    ]

    @Test func varintGoldenBytes() throws {
        for (value, bytes) in Self.varintGolden {
            var w = WireWriter()
            w.writeVarint(value)
            #expect(w.bytes == bytes, "varint \(value)")
            var r = WireReader(bytes)
            #expect(try r.readVarint() == value)
            #expect(r.isAtEnd)
        }
    }

    @Test func varlongGoldenBytes() throws {
        for (value, bytes) in Self.varlongGolden {
            var w = WireWriter()
            w.writeVarlong(value)
            #expect(w.bytes == bytes, "varlong \(value)")
            var r = WireReader(bytes)
            #expect(try r.readVarlong() == value)
            #expect(r.isAtEnd)
        }
    }

    @Test func varintRoundTripsAcrossTheRange() throws {
        var rng = CodecFuzzGenerator(seed: 7)
        var values: [Int32] = [.min, .min + 1, -1, 0, 1, .max - 1, .max]
        for _ in 0..<2_000 { values.append(Int32(truncatingIfNeeded: rng.next())) }
        for v in values {
            var w = WireWriter()
            w.writeVarint(v)
            var r = WireReader(w.bytes)
            #expect(try r.readVarint() == v)
            #expect(r.isAtEnd)
        }
    }

    @Test func varlongRoundTripsAcrossTheRange() throws {
        var rng = CodecFuzzGenerator(seed: 8)
        var values: [Int64] = [.min, .min + 1, -1, 0, 1, .max - 1, .max]
        for _ in 0..<2_000 { values.append(Int64(bitPattern: rng.next()) >> (rng.next() % 64)) }
        for v in values {
            var w = WireWriter()
            w.writeVarlong(v)
            var r = WireReader(w.bytes)
            #expect(try r.readVarlong() == v)
            #expect(r.isAtEnd)
        }
    }

    @Test func unsignedVarintRoundTrips() throws {
        for v: UInt32 in [0, 1, 127, 128, 16_383, 16_384, UInt32.max] {
            var w = WireWriter()
            w.writeUnsignedVarint(v)
            var r = WireReader(w.bytes)
            #expect(try r.readUnsignedVarint() == v)
        }
    }

    @Test func overlongVarintsAreRejected() {
        var r = WireReader([0xFF, 0xFF, 0xFF, 0xFF, 0x1F])
        #expect(throws: WireError.varintTooLong(what: "varint")) { try r.readVarint() }
        #expect(r.position == 0)
        var r2 = WireReader([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02])
        #expect(throws: WireError.varlongTooLongCase) { try r2.readVarlong() }
    }

    @Test func truncatedPrimitivesThrowAndDoNotMove() {
        var r = WireReader([0x01, 0x02, 0x03])
        #expect(throws: WireError.self) { try r.readInt32() }
        #expect(r.position == 0)
        var r2 = WireReader([0x80, 0x80])
        #expect(throws: WireError.self) { try r2.readVarint() }
        #expect(r2.position == 0)
        var r3 = WireReader([0x00, 0x05, 0x61, 0x62])
        #expect(throws: WireError.self) { try r3.readString() }
        #expect(r3.position == 0)
        var r4 = WireReader([0x06, 0x61])
        #expect(throws: WireError.self) { try r4.readCompactString() }
        #expect(r4.position == 0)
    }

    @Test func everyStrictPrefixOfAPrimitiveThrows() {
        var w = WireWriter()
        w.writeVarlong(Int64.min)
        let bytes = w.bytes
        for n in 0..<bytes.count {
            var r = WireReader(Array(bytes[0..<n]))
            #expect(throws: WireError.self) { try r.readVarlong() }
        }
    }

    @Test func stringsClassicAndCompact() throws {
        var w = WireWriter()
        w.writeString("kafka", flexible: false)
        w.writeString("ナガレ", flexible: true)
        w.writeNullableString(nil, flexible: false)
        w.writeNullableString(nil, flexible: true)
        #expect(Array(w.bytes[0..<7]) == [0x00, 0x05, 0x6B, 0x61, 0x66, 0x6B, 0x61])
        #expect(w.bytes[7] == 10) // 9 UTF-8 bytes + 1
        var r = WireReader(w.bytes)
        #expect(try r.readString("s", flexible: false) == "kafka")
        #expect(try r.readString("s", flexible: true) == "ナガレ")
        #expect(try r.readNullableString("s", flexible: false) == nil)
        #expect(try r.readNullableString("s", flexible: true) == nil)
        #expect(r.isAtEnd)
    }

    @Test func invalidUTF8IsReported() {
        var r = WireReader([0x00, 0x02, 0xC3, 0x28])
        #expect(throws: WireError.invalidUTF8(what: "string")) { try r.readString() }
    }

    @Test func hostileArrayCountsAreRejectedBeforeAllocating() {
        // A classic array claiming 2^31-1 int32 elements in a 4-byte buffer.
        var r = WireReader([0x7F, 0xFF, 0xFF, 0xFF])
        #expect(throws: WireError.self) { try r.readInt32Array("a", flexible: false) }
        // A compact array claiming 2^32-2 elements.
        var r2 = WireReader([0xFF, 0xFF, 0xFF, 0xFF, 0x0F])
        #expect(throws: WireError.self) { try r2.readInt32Array("a", flexible: true) }
        // Nulls are rejected where the schema does not allow them.
        var r3 = WireReader([0xFF, 0xFF, 0xFF, 0xFF])
        #expect(throws: WireError.invalidLength(-1, what: "a")) { try r3.readInt32Array("a", flexible: false) }
    }

    @Test func unknownTaggedFieldsAreSkipped() throws {
        var w = WireWriter()
        w.writeTaggedFields([0: [1, 2, 3], 7: [], 300: [9]])
        w.writeInt8(42)
        var r = WireReader(w.bytes)
        try r.skipTaggedFields(flexible: true)
        #expect(try r.readInt8() == 42)
        // A tag section claiming more fields than bytes left is rejected.
        var r2 = WireReader([0x05, 0x00, 0x00])
        #expect(throws: WireError.self) { try r2.skipTaggedFields(flexible: true) }
        #expect(r2.position == 0)
    }
}

extension WireError {
    static let varlongTooLongCase = WireError.varintTooLong(what: "varlong")
}
