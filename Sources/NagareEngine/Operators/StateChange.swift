/// One changed entry of an operator's state, as written to the changelog: a key local to the
/// operator and the new value, or `nil` when the entry was removed (a tombstone, which
/// compaction later drops).
public struct StateChange: Hashable, Sendable {
    public var key: String
    public var value: [UInt8]?

    public init(key: String, value: [UInt8]?) {
        self.key = key
        self.value = value
    }
}

/// Fixed-width big-endian integers for changelog values: compact, and readable by any tool
/// without a schema registry.
enum StateBytes {
    /// Big-endian, in one append (a byte at a time checked the array's uniqueness and capacity
    /// eight times: the dedup operator writes one per key).
    static func append(_ value: Int64, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: UInt64(bitPattern: value).bigEndian) { bytes.append(contentsOf: $0) }
    }

    /// Big-endian, in one append.
    static func append(_ value: UInt32, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }

    static func append(_ value: Double, to bytes: inout [UInt8]) {
        append(Int64(bitPattern: value.bitPattern), to: &bytes)
    }

    static func int64(_ bytes: [UInt8], at offset: Int) -> Int64? {
        guard offset >= 0, offset + 8 <= bytes.count else { return nil }
        var bits: UInt64 = 0
        for i in offset..<offset + 8 { bits = bits << 8 | UInt64(bytes[i]) }
        return Int64(bitPattern: bits)
    }

    static func double(_ bytes: [UInt8], at offset: Int) -> Double? {
        int64(bytes, at: offset).map { Double(bitPattern: UInt64(bitPattern: $0)) }
    }

    static func encode(_ value: Int64) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(8)
        append(value, to: &bytes)
        return bytes
    }
}
