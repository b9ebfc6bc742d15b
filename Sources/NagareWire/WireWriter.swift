/// Appends Kafka protocol primitives to a growing byte buffer, big-endian.
public struct WireWriter: Sendable {
    public private(set) var bytes: [UInt8]

    public init(reservingCapacity capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    public var count: Int { bytes.count }

    public mutating func writeInt8(_ v: Int8) { bytes.append(UInt8(bitPattern: v)) }
    public mutating func writeBool(_ v: Bool) { bytes.append(v ? 1 : 0) }
    public mutating func writeInt16(_ v: Int16) { writeBigEndian(UInt64(UInt16(bitPattern: v)), 2) }
    public mutating func writeInt32(_ v: Int32) { writeBigEndian(UInt64(UInt32(bitPattern: v)), 4) }
    public mutating func writeUInt32(_ v: UInt32) { writeBigEndian(UInt64(v), 4) }
    public mutating func writeInt64(_ v: Int64) { writeBigEndian(UInt64(bitPattern: v), 8) }
    public mutating func writeFloat64(_ v: Double) { writeBigEndian(v.bitPattern, 8) }

    @inline(__always)
    mutating func writeBigEndian(_ v: UInt64, _ n: Int) {
        var shift = (n - 1) * 8
        while shift >= 0 {
            bytes.append(UInt8(truncatingIfNeeded: v >> UInt64(shift)))
            shift -= 8
        }
    }

    public mutating func writeUnsignedVarint(_ v: UInt32) {
        var v = v
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    public mutating func writeVarint(_ v: Int32) {
        writeUnsignedVarint(UInt32(bitPattern: (v << 1) ^ (v >> 31)))
    }

    public mutating func writeVarlong(_ v: Int64) {
        var u = UInt64(bitPattern: (v << 1) ^ (v >> 63))
        while u >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: u) | 0x80)
            u >>= 7
        }
        bytes.append(UInt8(u))
    }

    public mutating func writeBytes<C: Collection>(_ raw: C) where C.Element == UInt8 {
        bytes.append(contentsOf: raw)
    }

    public mutating func writeString(_ s: String) {
        let utf8 = s.utf8
        writeInt16(Int16(clamping: utf8.count))
        bytes.append(contentsOf: utf8)
    }

    public mutating func writeNullableString(_ s: String?) {
        guard let s else { writeInt16(-1); return }
        writeString(s)
    }

    public mutating func writeNullableBytes(_ b: [UInt8]?) {
        guard let b else { writeInt32(-1); return }
        writeInt32(Int32(clamping: b.count))
        bytes.append(contentsOf: b)
    }

    public mutating func writeArrayCount(_ n: Int?) { writeInt32(n.map { Int32(clamping: $0) } ?? -1) }

    public mutating func writeCompactString(_ s: String) {
        writeUnsignedVarint(UInt32(clamping: s.utf8.count + 1))
        bytes.append(contentsOf: s.utf8)
    }

    public mutating func writeCompactNullableString(_ s: String?) {
        guard let s else { writeUnsignedVarint(0); return }
        writeCompactString(s)
    }

    public mutating func writeCompactNullableBytes(_ b: [UInt8]?) {
        guard let b else { writeUnsignedVarint(0); return }
        writeUnsignedVarint(UInt32(clamping: b.count + 1))
        bytes.append(contentsOf: b)
    }

    public mutating func writeCompactArrayCount(_ n: Int?) {
        writeUnsignedVarint(n.map { UInt32(clamping: $0 + 1) } ?? 0)
    }

    /// A tagged-field section; an empty one is a single zero byte.
    public mutating func writeTaggedFields(_ fields: [UInt32: [UInt8]] = [:]) {
        writeUnsignedVarint(UInt32(fields.count))
        for tag in fields.keys.sorted() {
            let value = fields[tag]!
            writeUnsignedVarint(tag)
            writeUnsignedVarint(UInt32(value.count))
            bytes.append(contentsOf: value)
        }
    }

    /// Overwrites four bytes at `index` with a big-endian int32 (for length prefixes written last).
    public mutating func patchInt32(_ v: Int32, at index: Int) {
        let u = UInt32(bitPattern: v)
        bytes[index] = UInt8(truncatingIfNeeded: u >> 24)
        bytes[index + 1] = UInt8(truncatingIfNeeded: u >> 16)
        bytes[index + 2] = UInt8(truncatingIfNeeded: u >> 8)
        bytes[index + 3] = UInt8(truncatingIfNeeded: u)
    }

    public mutating func patchUInt32(_ v: UInt32, at index: Int) { patchInt32(Int32(bitPattern: v), at: index) }
}
