/// The HyperLogLog sketches of one metric in one segment, packed into a single byte pool: a row's
/// sketch is `pool[offsets[row] ..< offsets[row] + lengths[row]]` in `HyperLogLog`'s encoding.
///
/// One pool instead of one array per row saves the per-allocation overhead that would dominate
/// at millions of rows of mostly tiny sparse sketches. An updated sketch is appended and the old
/// bytes become garbage, reclaimed by `compactIfWasteful()`; that keeps updates O(sketch size).
struct SketchColumn: Sendable {
    var pool: [UInt8] = []
    var offsets: [Int] = []
    var lengths: [UInt32] = []
    var garbage = 0

    mutating func append(_ bytes: [UInt8]) {
        offsets.append(pool.count)
        lengths.append(UInt32(bytes.count))
        pool.append(contentsOf: bytes)
    }

    mutating func replace(row: Int, with bytes: [UInt8]) {
        garbage += Int(lengths[row])
        offsets[row] = pool.count
        lengths[row] = UInt32(bytes.count)
        pool.append(contentsOf: bytes)
        compactIfWasteful()
    }

    func bytes(row: Int) -> ArraySlice<UInt8> {
        pool[offsets[row] ..< offsets[row] + Int(lengths[row])]
    }

    func sketch(row: Int) -> HyperLogLog {
        HyperLogLog(encoded: bytes(row: row)) ?? HyperLogLog()
    }

    /// Rewrites the pool without garbage once garbage is over half of it (and worth a copy).
    mutating func compactIfWasteful() {
        guard garbage > 1 << 16, garbage * 2 > pool.count else { return }
        var fresh = [UInt8]()
        fresh.reserveCapacity(pool.count - garbage)
        for row in offsets.indices {
            let start = offsets[row]
            offsets[row] = fresh.count
            fresh.append(contentsOf: pool[start ..< start + Int(lengths[row])])
        }
        pool = fresh
        garbage = 0
    }
}
