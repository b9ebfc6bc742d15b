/// A one-word Bloom filter over an event's field names, so that looking up a name the event
/// does not have (every field enrichment appends, every new name in the duplicate check) is
/// usually one test instead of a scan of all fields.
///
/// A name sets one of 64 bits, chosen by its UTF-8 length and its first and last byte. Bits are
/// never cleared (a removed field leaves its bit), so `mayContain` can say yes for an absent
/// name, never no for a present one. Names with escapes are not inserted as such: their bytes
/// are not their text, so the event then uses `all`, which contains everything.
struct NameFilter: Sendable {
    private var bits: UInt64 = 0

    static let all = NameFilter(bits: ~0)

    private init(bits: UInt64) {
        self.bits = bits
    }

    init() {}

    mutating func insert(_ name: UnsafeBufferPointer<UInt8>) {
        bits |= Self.bit(name)
    }

    func mayContain(_ name: UnsafeBufferPointer<UInt8>) -> Bool {
        bits & Self.bit(name) != 0
    }

    @inline(__always)
    private static func bit(_ name: UnsafeBufferPointer<UInt8>) -> UInt64 {
        guard let first = name.first, let last = name.last else { return 1 }
        let mixed = UInt64(truncatingIfNeeded: name.count) &* 13 &+ UInt64(first) &+ UInt64(last) &* 5
        return 1 &<< (mixed & 63)
    }
}
