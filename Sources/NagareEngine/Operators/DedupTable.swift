/// The dedup operator's map from key to (event time, block): open addressing with linear
/// probing over one array of slots, each keeping its key's 64-bit hash.
///
/// Why not `Dictionary<String, _>`: per event the operator hashed the key with the standard
/// hasher to insert it and again to remove it when its block expired, and a removal re-hashed
/// the keys after it in the bucket run to shift them back (`perf`: the dedup operator was ~10%
/// of `nagare run`'s CPU, its expiry half of that). Here a key is hashed once, with a seeded
/// multiply-fold hash over its UTF-8 (a few instructions per 8 bytes); moving a slot reuses the
/// stored hash; and the operator leaves the entries of an expired block in place (`Deduplicator`
/// tells them apart), dropping them all in one pass when the table is rebuilt.
///
/// The seed is random per process, so which keys collide cannot be chosen from outside by
/// someone who does not know it; a collision costs a longer probe, never a wrong answer (keys
/// are compared in full).
///
/// Memory: 40 bytes per slot (hash, time, block, the key's `String`); at most 3/4 of the slots
/// are in use, and a rebuild leaves at most half of them in use.
struct DedupTable: Sendable {
    struct Entry: Equatable, Sendable {
        var time: Int64
        var block: UInt64
    }

    private struct Slot: Sendable {
        /// 0 for an empty slot; a stored hash has its top bit set.
        var hash: UInt64
        var entry: Entry
        var key: String

        static let empty = Slot(hash: 0, entry: Entry(time: 0, block: 0), key: "")
    }

    private var slots: [Slot]
    private var mask: Int
    /// Occupied slots.
    private(set) var count = 0

    static let minimumCapacity = 16

    init(capacity: Int = DedupTable.minimumCapacity) {
        var size = Self.minimumCapacity
        while size < capacity { size <<= 1 }
        slots = Array(repeating: .empty, count: size)
        mask = size - 1
    }

    var capacity: Int { slots.count }

    /// Whether one more key would take the table past 3/4 full: rebuild it first.
    var isFull: Bool { (count + 1) * 4 > slots.count * 3 }

    // MARK: Hashing

    private static let seed: UInt64 = .random(in: 1...UInt64.max)

    /// The stored hash of a key's UTF-8.
    static func hash(_ key: String) -> UInt64 {
        if let h = key.utf8.withContiguousStorageIfAvailable({ hash(UnsafeRawBufferPointer($0)) }) { return h }
        var copy = key
        return copy.withUTF8 { hash(UnsafeRawBufferPointer($0)) }
    }

    /// Multiply-fold over 8-byte words (the last word loaded overlapping the one before, or
    /// byte by byte under 8 bytes), seeded, with the length mixed in.
    static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        let n = bytes.count
        var h = seed ^ (UInt64(n) &* 0x9E37_79B9_7F4A_7C15)
        var i = 0
        while i + 8 <= n {
            h = fold(h ^ bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self))
            i += 8
        }
        if i < n {
            var last: UInt64 = 0
            if n >= 8 {
                last = bytes.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)
            } else {
                for j in 0..<n { last |= UInt64(bytes[j]) << (8 * UInt64(j)) }
            }
            h = fold(h ^ last ^ 0xA076_1D64_78BD_642F)
        }
        return fold(h) | (1 << 63)
    }

    @inline(__always)
    private static func fold(_ x: UInt64) -> UInt64 {
        let product = x.multipliedFullWidth(by: 0xE703_7ED1_A0B4_28DB)
        return product.high ^ product.low
    }

    // MARK: Lookup and change

    /// The slot holding `key` (`found`), or the empty slot where it would be inserted.
    func find(_ key: String, hash: UInt64) -> (slot: Int, found: Bool) {
        slots.withUnsafeBufferPointer { slots in
            var i = Int(truncatingIfNeeded: hash) & mask
            while true {
                let stored = slots[i].hash
                if stored == 0 { return (i, false) }
                if stored == hash && slots[i].key == key { return (i, true) }
                i = (i + 1) & mask
            }
        }
    }

    subscript(key: String) -> Entry? {
        let (slot, found) = find(key, hash: Self.hash(key))
        return found ? slots[slot].entry : nil
    }

    func entry(at slot: Int) -> Entry { slots[slot].entry }

    mutating func setEntry(at slot: Int, _ entry: Entry) { slots[slot].entry = entry }

    /// Fills the empty slot `find` returned for `key`; the table must not be full.
    mutating func insert(_ key: String, hash: UInt64, _ entry: Entry, at slot: Int) {
        precondition(!isFull && slots[slot].hash == 0, "DedupTable.insert: no room or slot taken")
        slots[slot] = Slot(hash: hash, entry: entry, key: key)
        count += 1
    }

    /// Empties `slot`, moving later slots of its run back so that every key stays reachable
    /// from its home slot.
    mutating func remove(at slot: Int) {
        var hole = slot
        var i = (slot + 1) & mask
        while slots[i].hash != 0 {
            let home = Int(truncatingIfNeeded: slots[i].hash) & mask
            // The slot at i may fill the hole when its home is not cyclically within (hole, i].
            if (i - home) & mask >= (i - hole) & mask {
                slots[hole] = slots[i]
                hole = i
            }
            i = (i + 1) & mask
        }
        slots[hole] = .empty
        count -= 1
    }

    /// Calls `body` for every key and entry, in slot order.
    func forEach(_ body: (String, Entry) -> Void) {
        for slot in slots where slot.hash != 0 { body(slot.key, slot.entry) }
    }

    /// A new table without the entries `drop` selects, sized so that at most half of its slots
    /// are used (never smaller than `capacity`, so a table that has grown stays grown).
    func rebuilt(keepingCapacity capacity: Int, dropping drop: (Entry) -> Bool) -> DedupTable {
        var kept = 0
        for slot in slots where slot.hash != 0 && !drop(slot.entry) { kept += 1 }
        var table = DedupTable(capacity: max(capacity, 2 * kept))
        table.slots.withUnsafeMutableBufferPointer { target in
            for slot in slots where slot.hash != 0 && !drop(slot.entry) {
                var i = Int(truncatingIfNeeded: slot.hash) & table.mask
                while target[i].hash != 0 { i = (i + 1) & table.mask }
                target[i] = slot
            }
        }
        table.count = kept
        return table
    }
}
