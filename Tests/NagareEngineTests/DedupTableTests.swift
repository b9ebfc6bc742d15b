@testable import NagareEngine
import Testing

@Suite struct DedupTableTests {
    typealias Entry = DedupTable.Entry

    /// Inserts or replaces, as the dedup operator does: find, then set or insert (rebuilding
    /// a full table first).
    func put(_ table: inout DedupTable, _ key: String, _ entry: Entry) {
        let hash = DedupTable.hash(key)
        var (slot, found) = table.find(key, hash: hash)
        if found {
            table.setEntry(at: slot, entry)
            return
        }
        if table.isFull {
            table = table.rebuilt(keepingCapacity: table.capacity) { _ in false }
            slot = table.find(key, hash: hash).slot
        }
        table.insert(key, hash: hash, entry, at: slot)
    }

    func contents(_ table: DedupTable) -> [String: Entry] {
        var out: [String: Entry] = [:]
        table.forEach { key, entry in
            #expect(out[key] == nil, "key \(key) stored twice")
            out[key] = entry
        }
        return out
    }

    /// Random inserts, replacements and removals over few distinct keys (long probe runs that
    /// wrap around the end of the array), checked against a dictionary after every step.
    @Test func agreesWithADictionaryUnderRandomInsertsAndRemovals() {
        var rng = SplitMix64(seed: 11)
        var table = DedupTable()
        var model: [String: Entry] = [:]
        for step in 0..<20_000 {
            // Short keys, long ones (past 8 and 16 bytes) and the empty key.
            let n = rng.next() % 300
            let key = n == 0 ? "" : (n % 3 == 0 ? "event-\(n)-with-a-longer-identifier" : "k\(n)")
            if rng.next() % 3 == 0 {
                let (slot, found) = table.find(key, hash: DedupTable.hash(key))
                #expect(found == (model[key] != nil), "step \(step): \(key)")
                if found { table.remove(at: slot) }
                model[key] = nil
            } else {
                let entry = Entry(time: Int64(step), block: rng.next() % 5)
                put(&table, key, entry)
                model[key] = entry
            }
            #expect(table.count == model.count)
            if step % 97 == 0 {
                #expect(contents(table) == model, "step \(step)")
                for (key, entry) in model { #expect(table[key] == entry, "step \(step): \(key)") }
            }
        }
        #expect(contents(table) == model)
        #expect(table.count * 4 <= table.capacity * 3)
    }

    @Test func aRebuildDropsTheSelectedEntriesAndKeepsTheRest() {
        var table = DedupTable()
        for i in 0..<1_000 { put(&table, "e-\(i)", Entry(time: Int64(i), block: UInt64(i % 4))) }
        let grown = table.capacity
        #expect(grown >= 2_048)
        let rebuilt = table.rebuilt(keepingCapacity: table.capacity) { $0.block == 1 || $0.block == 3 }
        #expect(rebuilt.count == 500 && rebuilt.capacity == grown)
        for i in 0..<1_000 {
            #expect(rebuilt["e-\(i)"] == (i % 2 == 0 ? Entry(time: Int64(i), block: UInt64(i % 4)) : nil))
        }
        // A rebuild leaves at most half of the slots in use.
        let small = DedupTable().rebuilt(keepingCapacity: 16) { _ in false }
        #expect(small.capacity == 16)
        #expect(table.rebuilt(keepingCapacity: 16) { _ in false }.capacity >= 2 * table.count)
    }

    @Test func theHashDependsOnEveryByteAndTheLength() {
        // Every length to 40, every position: changing one byte changes the hash.
        for length in 0...40 {
            let base = [UInt8](repeating: 0x61, count: length)
            let h = base.withUnsafeBytes(DedupTable.hash)
            #expect(h >> 63 == 1)
            for i in 0..<length {
                var changed = base
                changed[i] = 0x62
                #expect(changed.withUnsafeBytes(DedupTable.hash) != h, "length \(length), byte \(i)")
            }
            let longer = [UInt8](repeating: 0x61, count: length + 1)
            #expect(longer.withUnsafeBytes(DedupTable.hash) != h, "length \(length)")
        }
        // Strings hash their UTF-8.
        #expect(DedupTable.hash("e-000000042") == Array("e-000000042".utf8).withUnsafeBytes(DedupTable.hash))
    }
}
