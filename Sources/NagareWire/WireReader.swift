/// Reads Kafka protocol primitives from a byte buffer, big-endian, never past its end.
///
/// The reader works on any contiguous bytes; it copies nothing until a value is taken out.
/// Every `read…` either returns a value and advances, or throws `WireError` and leaves the
/// reader where it was before the failing primitive started.
public struct WireReader: Sendable {
    public let bytes: [UInt8]
    public internal(set) var position: Int
    public let end: Int

    public init(_ bytes: [UInt8], from start: Int = 0, to end: Int? = nil) {
        self.bytes = bytes
        self.position = start
        self.end = min(end ?? bytes.count, bytes.count)
    }

    public var remaining: Int { end - position }
    public var isAtEnd: Bool { position >= end }

    @inline(__always)
    mutating func need(_ n: Int, _ what: String) throws(WireError) {
        if n < 0 || n > end - position {
            throw .truncated(needed: n, available: end - position, what: what)
        }
    }

    public mutating func skip(_ n: Int, what: String = "bytes") throws(WireError) {
        try need(n, what)
        position += n
    }

    public mutating func readInt8(_ what: String = "int8") throws(WireError) -> Int8 {
        try need(1, what)
        defer { position += 1 }
        return Int8(bitPattern: bytes[position])
    }

    public mutating func readBool(_ what: String = "bool") throws(WireError) -> Bool {
        try readInt8(what) != 0
    }

    public mutating func readInt16(_ what: String = "int16") throws(WireError) -> Int16 {
        Int16(bitPattern: UInt16(truncatingIfNeeded: try readBigEndian(2, what)))
    }

    public mutating func readInt32(_ what: String = "int32") throws(WireError) -> Int32 {
        Int32(bitPattern: UInt32(truncatingIfNeeded: try readBigEndian(4, what)))
    }

    public mutating func readUInt32(_ what: String = "uint32") throws(WireError) -> UInt32 {
        UInt32(truncatingIfNeeded: try readBigEndian(4, what))
    }

    public mutating func readInt64(_ what: String = "int64") throws(WireError) -> Int64 {
        Int64(bitPattern: try readBigEndian(8, what))
    }

    public mutating func readFloat64(_ what: String = "float64") throws(WireError) -> Double {
        Double(bitPattern: try readBigEndian(8, what))
    }

    @inline(__always)
    mutating func readBigEndian(_ n: Int, _ what: String) throws(WireError) -> UInt64 {
        try need(n, what)
        var v: UInt64 = 0
        for i in 0..<n { v = (v << 8) | UInt64(bytes[position + i]) }
        position += n
        return v
    }

    /// An unsigned LEB128 varint of at most 5 bytes (Kafka's UNSIGNED_VARINT).
    public mutating func readUnsignedVarint(_ what: String = "uvarint") throws(WireError) -> UInt32 {
        let start = position
        var result: UInt32 = 0
        var shift: UInt32 = 0
        while true {
            guard position < end else {
                position = start
                throw .truncated(needed: 1, available: 0, what: what)
            }
            let b = bytes[position]
            position += 1
            if shift == 28 && b > 0x0F {
                position = start
                throw .varintTooLong(what: what)
            }
            result |= UInt32(b & 0x7F) << shift
            if b & 0x80 == 0 { return result }
            shift += 7
        }
    }

    /// A zigzag-encoded signed varint of at most 5 bytes (Kafka's VARINT).
    public mutating func readVarint(_ what: String = "varint") throws(WireError) -> Int32 {
        let u = try readUnsignedVarint(what)
        return Int32(bitPattern: (u >> 1) ^ (0 &- (u & 1)))
    }

    /// A zigzag-encoded signed varint of at most 10 bytes (Kafka's VARLONG).
    public mutating func readVarlong(_ what: String = "varlong") throws(WireError) -> Int64 {
        let start = position
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard position < end else {
                position = start
                throw .truncated(needed: 1, available: 0, what: what)
            }
            let b = bytes[position]
            position += 1
            if shift == 63 && b > 1 {
                position = start
                throw .varintTooLong(what: what)
            }
            result |= UInt64(b & 0x7F) << shift
            if b & 0x80 == 0 { break }
            shift += 7
        }
        return Int64(bitPattern: (result >> 1) ^ (0 &- (result & 1)))
    }

    /// Raw bytes of a known length.
    public mutating func readBytes(count: Int, _ what: String = "bytes") throws(WireError) -> [UInt8] {
        try need(count, what)
        defer { position += count }
        return Array(bytes[position..<position + count])
    }

    /// The range of the next `count` bytes, advancing past them without copying.
    public mutating func readRange(count: Int, _ what: String = "bytes") throws(WireError) -> Range<Int> {
        try need(count, what)
        defer { position += count }
        return position..<position + count
    }

    func utf8(_ raw: [UInt8], _ what: String) throws(WireError) -> String {
        guard let s = String(validating: raw, as: UTF8.self) else { throw .invalidUTF8(what: what) }
        return s
    }

    // MARK: classic (non-flexible) forms

    /// STRING: int16 length then UTF-8 bytes.
    public mutating func readString(_ what: String = "string") throws(WireError) -> String {
        let start = position
        let n = Int(try readInt16(what))
        guard n >= 0 else { position = start; throw .invalidLength(Int64(n), what: what) }
        do { return try utf8(try readBytes(count: n, what), what) } catch { position = start; throw error }
    }

    /// NULLABLE_STRING: int16 length (-1 for null) then UTF-8 bytes.
    public mutating func readNullableString(_ what: String = "string") throws(WireError) -> String? {
        let start = position
        let n = Int(try readInt16(what))
        if n == -1 { return nil }
        guard n >= 0 else { position = start; throw .invalidLength(Int64(n), what: what) }
        do { return try utf8(try readBytes(count: n, what), what) } catch { position = start; throw error }
    }

    /// NULLABLE_BYTES: int32 length (-1 for null) then the bytes.
    public mutating func readNullableBytes(_ what: String = "bytes") throws(WireError) -> [UInt8]? {
        let start = position
        let n = Int(try readInt32(what))
        if n == -1 { return nil }
        guard n >= 0 else { position = start; throw .invalidLength(Int64(n), what: what) }
        do { return try readBytes(count: n, what) } catch { position = start; throw error }
    }

    /// The element count of an ARRAY (int32, -1 for null), checked against what remains so that
    /// a hostile count cannot make a decoder reserve huge memory.
    public mutating func readArrayCount(_ what: String = "array", minElementSize: Int = 1) throws(WireError) -> Int? {
        let start = position
        let n = Int(try readInt32(what))
        if n == -1 { return nil }
        guard n >= 0, n.multipliedReportingOverflow(by: max(minElementSize, 0)).partialValue <= remaining else {
            position = start
            throw .invalidLength(Int64(n), what: what)
        }
        return n
    }

    // MARK: compact (flexible-version) forms

    /// COMPACT_STRING: uvarint length+1 then UTF-8 bytes.
    public mutating func readCompactString(_ what: String = "compact string") throws(WireError) -> String {
        let start = position
        guard let s = try readCompactNullableString(what) else {
            position = start
            throw .invalidLength(-1, what: what)
        }
        return s
    }

    /// COMPACT_NULLABLE_STRING: uvarint length+1 (0 for null) then UTF-8 bytes.
    public mutating func readCompactNullableString(_ what: String = "compact string") throws(WireError) -> String? {
        let start = position
        let n = Int(try readUnsignedVarint(what))
        if n == 0 { return nil }
        do { return try utf8(try readBytes(count: n - 1, what), what) } catch { position = start; throw error }
    }

    /// COMPACT_NULLABLE_BYTES: uvarint length+1 (0 for null) then the bytes.
    public mutating func readCompactNullableBytes(_ what: String = "compact bytes") throws(WireError) -> [UInt8]? {
        let start = position
        let n = Int(try readUnsignedVarint(what))
        if n == 0 { return nil }
        do { return try readBytes(count: n - 1, what) } catch { position = start; throw error }
    }

    /// The element count of a COMPACT_ARRAY (uvarint count+1, 0 for null), bounded by what remains.
    public mutating func readCompactArrayCount(_ what: String = "compact array", minElementSize: Int = 1) throws(WireError) -> Int? {
        let start = position
        let n = Int(try readUnsignedVarint(what))
        if n == 0 { return nil }
        let count = n - 1
        guard count.multipliedReportingOverflow(by: max(minElementSize, 0)).partialValue <= remaining else {
            position = start
            throw .invalidLength(Int64(count), what: what)
        }
        return count
    }

    /// A tagged-field section: returns the fields by tag with their raw bytes.
    public mutating func readTaggedFields(_ what: String = "tagged fields") throws(WireError) -> [UInt32: [UInt8]] {
        let start = position
        do throws(WireError) {
            let count = Int(try readUnsignedVarint(what))
            guard count <= remaining else { throw WireError.invalidLength(Int64(count), what: what) }
            var fields: [UInt32: [UInt8]] = [:]
            for _ in 0..<count {
                let tag = try readUnsignedVarint(what)
                let size = Int(try readUnsignedVarint(what))
                fields[tag] = try readBytes(count: size, what)
            }
            return fields
        } catch {
            position = start
            throw error
        }
    }
}
