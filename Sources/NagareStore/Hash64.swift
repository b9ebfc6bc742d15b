/// A fast 64-bit hash of bytes for HyperLogLog. It must be stable forever (sketches are stored on
/// disk) and well mixed in the top bits (the register index) and the rest (the rank), which is
/// why every word goes through a multiply-rotate round and the result through a full avalanche
/// finalizer (the murmur3 `fmix64` construction: xor-shift, multiply, repeated).
/// Swift's `Hasher` is unsuitable: it is seeded per process, so sketches would not merge across
/// restarts.
enum Hash64 {
    private static let prime1: UInt64 = 0x9E37_79B1_85EB_CA87
    private static let prime2: UInt64 = 0xC2B2_AE3D_27D4_EB4F
    private static let prime3: UInt64 = 0x1656_67B1_9E37_79F9

    @inline(__always)
    private static func round(_ acc: UInt64, _ word: UInt64) -> UInt64 {
        var k = word &* prime2
        k = (k << 31) | (k >> 33)
        k = k &* prime1
        let mixed = acc ^ k
        return ((mixed << 27) | (mixed >> 37)) &* prime1 &+ prime3
    }

    /// The avalanche step: every input bit affects every output bit with probability ~1/2.
    @inline(__always)
    static func finalize(_ value: UInt64) -> UInt64 {
        var h = value
        h ^= h >> 33
        h = h &* 0xFF51_AFD7_ED55_8CCD
        h ^= h >> 33
        h = h &* 0xC4CE_B9FE_1A85_EC53
        h ^= h >> 33
        return h
    }

    static func hash(_ bytes: UnsafeRawBufferPointer, seed: UInt64 = 0) -> UInt64 {
        var h = seed ^ (UInt64(bytes.count) &* prime1)
        var i = 0
        let n = bytes.count
        while i + 8 <= n {
            h = round(h, UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self)))
            i += 8
        }
        if i < n {
            // Pack the 1-7 remaining bytes into one word; the length mixed in above keeps
            // "a" and "a\0" apart.
            var tail: UInt64 = 0
            var shift: UInt64 = 0
            while i < n {
                tail |= UInt64(bytes[i]) << shift
                shift += 8
                i += 1
            }
            h = round(h, tail)
        }
        return finalize(h)
    }

    static func hash(_ string: String) -> UInt64 {
        var s = string
        return s.withUTF8 { hash(UnsafeRawBufferPointer($0)) }
    }
}
