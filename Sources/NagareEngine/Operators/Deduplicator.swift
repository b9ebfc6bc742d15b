/// Per-task dedup state: which keys were seen, at which event time.
///
/// A key is a duplicate when it was seen with an event time at most `window` away. Keys
/// expire once the newest event time seen passes their time plus `window`, and when more than
/// `maxKeys` are held the one with the oldest event time is evicted first, by (event time,
/// key), so the result does not depend on batch boundaries or hash order — a retried batch
/// decides exactly as the first attempt would have.
///
/// Expiry is decided by the lookup (an entry behind the horizon counts as absent); the keys
/// are forgotten a block at a time, once the newest time of a batch's block falls behind the
/// horizon. A forgotten block's entries stay in the table, as garbage the lookups skip, until
/// the table is next rebuilt (when it would otherwise grow, or before an eviction), which drops
/// them all in one pass (`DedupTable`). The eviction order needs a min-heap of every entry,
/// which is built only when `maxKeys` is first exceeded and kept from then on.
///
/// Changelog: the keys a batch adds are written as one record, a *block* (`b:<n>` → every
/// (event time, key) of the block that is still remembered), not one record per key; a batch
/// adding more than `maxBlockBytes` of keys fills several blocks, so that no record comes near
/// a Kafka message size limit. A block's
/// record is replaced only when one of its keys is evicted (rewritten without it) and deleted
/// (a tombstone) once none of its keys is remembered. Expired keys need no record of their
/// own: a restore drops entries older than the window behind the newest event time (`m`),
/// which is exactly the expiry rule. A key seen again after its window is added to the new
/// block and the newer time wins at restore. So a batch writes a few changelog records however
/// many events it holds.
///
/// Memory per key (64-bit): about `bytesPerKeyEstimate` bytes — the table's slot (40 B, at
/// 3/8 to 3/4 load ≈ 53-107 B) and the block's key list (16 B); once `maxKeys` has been
/// reached, also the eviction heap's entry (24 B, and up to as many again in stale entries
/// before a rebuild) — plus, for keys longer than 15 UTF-8 bytes (which Swift cannot store
/// inline), one shared heap allocation of the key's length + 32 B. Expired keys are remembered
/// until their block goes, at most one batch's worth of keys beyond the window (and never
/// beyond `maxKeys`); a forgotten key's slot is reused from the table's next rebuild on. A
/// million 11-byte `event_id`s take about 70-125 MB, 120-170 MB with the eviction heap.
///
/// State only moves forward: each batch takes its changes (`takeChanges`) for the
/// transaction that writes them, and an aborted transaction is undone by restoring the task
/// from the changelog (the committed state), not by an undo log here. That keeps the per-event
/// work to a lookup and an insert.
public struct Deduplicator: Sendable {
    public static let bytesPerKeyEstimate = 150
    /// The most bytes of entries one block record holds (Kafka's default message limit is
    /// about 1 MB).
    public static let maxBlockBytes = 256 * 1024

    public let definition: DedupDefinition
    private let windowMilliseconds: Int64
    /// Every remembered key. Also holds keys that expired during the current batch (lookups
    /// treat entries behind the horizon as absent) and, until the next rebuild, the entries of
    /// forgotten blocks (`forgotten`).
    private var table = DedupTable()
    /// Blocks whose keys all expired, whose entries are still in `table`: garbage.
    private var forgotten: Set<UInt64> = []
    /// How many entries of `table` belong to forgotten blocks.
    private var garbage = 0
    /// Every entry by (event time, key), for eviction; nil until `maxKeys` is first exceeded.
    private var evictionHeap: MinHeap<HeapEntry>?
    /// Sealed blocks by their newest event time: a block whose newest time is behind the
    /// horizon holds only expired keys.
    private var blockTimes = MinHeap<BlockTime>()
    public private(set) var maxEventTime: Int64 = .min
    public private(set) var evictedCount = 0

    /// Keys written to each earlier block that still has a remembered key (a superset of them).
    private var blockKeys: [UInt64: [String]] = [:]
    /// How many remembered keys each earlier block holds.
    private var blockLive: [UInt64: Int] = [:]
    /// The block the current batch adds to, its keys (a superset of those it still holds) and
    /// how many it holds.
    private var nextBlock: UInt64 = 0
    private var currentKeys: [String] = []
    /// The event times of `currentKeys`, in the same order.
    private var currentTimes: [Int64] = []
    /// Whether a key of the current block changed after it was added (a newer time, or gone):
    /// then its entries must be looked up when the block is written.
    private var currentChanged = false
    private var currentLive = 0
    private var currentMaxTime: Int64 = .min
    private var currentBytes = 0
    /// The blocks this batch filled, written by `takeChanges`: their keys and times as added,
    /// and whether one changed since.
    private var filled: [(block: UInt64, times: [Int64], changed: Bool)] = []

    // Since the last `takeChanges`.
    private var maxEventTimeChanged = false
    /// Earlier blocks that lost a key to eviction: rewritten without it.
    private var evictedFrom: Set<UInt64> = []
    /// Earlier blocks that lost a key for any reason: deleted if none is left.
    private var shrunk: Set<UInt64> = []
    private var lastShrunk: UInt64?
    /// Blocks a restore found without any remembered key: deleted by the next batch.
    private var deadAfterRestore: Set<UInt64> = []
    /// Blocks read by a restore, applied by `finishRestore`.
    private var restoredBlocks: [UInt64: [UInt8]?] = [:]

    private typealias Entry = DedupTable.Entry

    private struct BlockTime: Comparable, Sendable {
        var newest: Int64
        var block: UInt64
        static func < (a: BlockTime, b: BlockTime) -> Bool { (a.newest, a.block) < (b.newest, b.block) }
    }

    private struct HeapEntry: Comparable, Sendable {
        var time: Int64
        var key: String
        static func < (a: HeapEntry, b: HeapEntry) -> Bool { (a.time, a.key) < (b.time, b.key) }
    }

    public init(_ definition: DedupDefinition) {
        self.definition = definition
        self.windowMilliseconds = definition.window.wholeMilliseconds
    }

    /// How many keys are remembered (expired ones excluded).
    public var keyCount: Int {
        let limit = horizon
        var count = 0
        table.forEach { _, entry in if entry.time >= limit { count += 1 } }
        return count
    }

    /// How many keys are held: the remembered ones and expired ones whose block has not been
    /// forgotten yet (not the garbage a rebuild drops).
    public var storedKeyCount: Int { table.count - garbage }

    /// Whether `entry` belongs to a forgotten block (such entries are all behind the horizon).
    private func isGarbage(_ entry: Entry) -> Bool {
        garbage > 0 && forgotten.contains(entry.block)
    }

    /// Inserts a key `find` did not find, at the empty slot it returned; when the table is full,
    /// rebuilds it first (dropping the garbage) and finds the slot again.
    private mutating func insertNew(_ key: String, hash: UInt64, _ entry: Entry, at slot: Int) {
        var slot = slot
        if table.isFull {
            rebuildTable()
            slot = table.find(key, hash: hash).slot
        }
        table.insert(key, hash: hash, entry, at: slot)
    }

    /// Replaces the table by one without garbage (and, when needed, with room to grow).
    private mutating func rebuildTable() {
        let forgotten = self.forgotten
        table = table.rebuilt(keepingCapacity: table.capacity) { forgotten.contains($0.block) }
        self.forgotten.removeAll()
        garbage = 0
    }

    /// Records `key` at `eventTime`; returns true when it is a duplicate (and then changes
    /// nothing but the newest event time).
    public mutating func isDuplicate(key: String, eventTime: Int64) -> Bool {
        if eventTime > maxEventTime {
            maxEventTime = eventTime
            maxEventTimeChanged = true
        }
        let limit = horizon
        let hash = DedupTable.hash(key)
        let (slot, found) = table.find(key, hash: hash)
        // A forgotten block's entry is garbage: the key is not remembered.
        let stored = found ? table.entry(at: slot) : nil
        let seen = stored.flatMap { isGarbage($0) ? nil : $0 }
        if let seen, seen.time >= limit {
            if abs(seen.time &- eventTime) <= windowMilliseconds { return true }
            // A much older occurrence: not a duplicate, and the newer time stays remembered.
            if seen.time > eventTime { return false }
        }
        // Older than anything still remembered: holding it would only expire it at once.
        if eventTime < limit { return false }
        let size = 12 + key.utf8.count
        if currentBytes + size > Self.maxBlockBytes { sealCurrentBlock() }
        let entry = Entry(time: eventTime, block: nextBlock)
        if found {
            table.setEntry(at: slot, entry)
            if seen == nil { garbage -= 1 }
        } else {
            insertNew(key, hash: hash, entry, at: slot)
        }
        if let seen {
            if seen.block != nextBlock {
                loseKey(of: seen.block)
                addToCurrentBlock(key, eventTime, size)
            } else {
                currentChanged = true
            }
        } else {
            addToCurrentBlock(key, eventTime, size)
        }
        if eventTime > currentMaxTime { currentMaxTime = eventTime }
        evictionHeap?.push(HeapEntry(time: eventTime, key: key))
        if storedKeyCount > definition.maxKeys { evict(limit) }
        if let heap = evictionHeap, heap.count > 2 * storedKeyCount + 1024 { rebuildEvictionHeap() }
        return false
    }

    private mutating func addToCurrentBlock(_ key: String, _ time: Int64, _ size: Int) {
        currentKeys.append(key)
        currentTimes.append(time)
        currentLive += 1
        currentBytes += size
    }

    /// Ends the block the batch adds to: later keys go to a new one. Its record is written by
    /// `takeChanges`.
    private mutating func sealCurrentBlock() {
        guard !currentKeys.isEmpty else { return }
        blockKeys[nextBlock] = currentKeys
        blockLive[nextBlock] = currentLive
        blockTimes.push(BlockTime(newest: currentMaxTime, block: nextBlock))
        filled.append((nextBlock, currentTimes, currentChanged))
        nextBlock += 1
        currentKeys = []
        currentTimes = []
        currentChanged = false
        currentLive = 0
        currentMaxTime = .min
        currentBytes = 0
    }

    /// Removes the oldest entries until at most `maxKeys` remain. Expired entries are the
    /// oldest, so they go first, which leaves the same remembered keys as expiring them
    /// eagerly would.
    private mutating func evict(_ limit: Int64) {
        if garbage > 0 { rebuildTable() }
        if evictionHeap == nil { rebuildEvictionHeap() }
        while table.count > definition.maxKeys, let oldest = evictionHeap!.popMin() {
            let (slot, found) = table.find(oldest.key, hash: DedupTable.hash(oldest.key))
            guard found else { continue }
            let entry = table.entry(at: slot)
            guard entry.time == oldest.time else { continue }
            table.remove(at: slot)
            removed(entry)
            if entry.time >= limit {
                evictedCount += 1
                if entry.block != nextBlock { evictedFrom.insert(entry.block) }
            }
        }
    }

    /// Forgets the blocks whose newest event time the horizon has passed: all their keys
    /// expired. Their entries (as many as the block's remembered keys) become garbage.
    private mutating func expire() {
        let limit = horizon
        while let oldest = blockTimes.min, oldest.newest < limit {
            blockTimes.popMin()
            let block = oldest.block
            guard blockKeys[block] != nil else { continue }
            let live = blockLive[block, default: 0]
            if live > 0 {
                forgotten.insert(block)
                garbage += live
                blockLive[block] = 0
                shrunk.insert(block)
            }
        }
    }

    private mutating func removed(_ entry: Entry) {
        if entry.block == nextBlock {
            currentLive -= 1
            currentChanged = true
        } else {
            loseKey(of: entry.block)
        }
    }

    private mutating func loseKey(of block: UInt64) {
        blockLive[block, default: 0] -= 1
        if block != lastShrunk {
            shrunk.insert(block)
            lastShrunk = block
        }
    }

    /// Event times before this are forgotten: the newest event time minus the window,
    /// saturating so that extreme times cannot wrap around.
    private var horizon: Int64 {
        maxEventTime > Int64.min + windowMilliseconds ? maxEventTime - windowMilliseconds : Int64.min
    }

    private mutating func rebuildEvictionHeap() {
        var entries: [HeapEntry] = []
        entries.reserveCapacity(storedKeyCount)
        table.forEach { key, entry in if !isGarbage(entry) { entries.append(HeapEntry(time: entry.time, key: key)) } }
        evictionHeap = MinHeap(entries)
    }

    // MARK: Changelog

    /// The changelog records of everything changed since the last call: the batch's new block,
    /// rewritten and deleted blocks (`b:<n>`), and `m` → newest event time. The batch's block
    /// is sealed; the next batch adds to a new one.
    public mutating func takeChanges() -> [StateChange] {
        expire()
        var changes: [StateChange] = []
        sealCurrentBlock()
        // This batch's blocks, as far as their keys are still remembered.
        for (block, addedTimes, changed) in filled {
            if blockLive[block, default: 0] > 0 {
                // Unchanged since added (the usual case): written from the keys and times as
                // added, without looking each one up.
                let (keys, value) = !changed && !shrunk.contains(block)
                    ? (blockKeys[block] ?? [], Self.encodeEntries(blockKeys[block] ?? [], addedTimes))
                    : encodeBlock(block, blockKeys[block] ?? [])
                changes.append(StateChange(key: Self.blockKey(block), value: value))
                blockKeys[block] = keys
            } else {
                blockKeys[block] = nil
                blockLive[block] = nil
                shrunk.remove(block)
            }
            evictedFrom.remove(block)
        }
        filled.removeAll(keepingCapacity: true)
        for block in evictedFrom.sorted() where blockLive[block, default: 0] > 0 {
            let (keys, value) = encodeBlock(block, blockKeys[block] ?? [])
            changes.append(StateChange(key: Self.blockKey(block), value: value))
            blockKeys[block] = keys
        }
        for block in shrunk.union(deadAfterRestore).sorted() where blockLive[block, default: 0] == 0 {
            changes.append(StateChange(key: Self.blockKey(block), value: nil))
            blockKeys[block] = nil
            blockLive[block] = nil
        }
        if maxEventTimeChanged { changes.append(StateChange(key: "m", value: StateBytes.encode(maxEventTime))) }
        maxEventTimeChanged = false
        evictedFrom.removeAll()
        shrunk.removeAll()
        lastShrunk = nil
        deadAfterRestore.removeAll()
        return changes
    }

    static func blockKey(_ block: UInt64) -> String { "b:\(block)" }

    /// A block's remembered entries: (event time: 8 bytes, key length: 4 bytes, key UTF-8)*,
    /// big-endian, in the order the keys were added; and those keys. `candidates` may hold keys
    /// the block no longer has (moved to a newer block, expired, evicted): they are skipped.
    private func encodeBlock(_ block: UInt64, _ candidates: [String]) -> (keys: [String], value: [UInt8]) {
        var bytes: [UInt8] = []
        var keys: [String] = []
        bytes.reserveCapacity(candidates.count * 24)
        keys.reserveCapacity(candidates.count)
        for key in candidates {
            guard let entry = table[key], entry.block == block else { continue }
            keys.append(key)
            Self.appendEntry(key, entry.time, to: &bytes)
        }
        return (keys, bytes)
    }

    /// `keys` with `times` in the block format.
    private static func encodeEntries(_ keys: [String], _ times: [Int64]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(keys.count * 24)
        for (key, time) in zip(keys, times) { appendEntry(key, time, to: &bytes) }
        return bytes
    }

    private static func appendEntry(_ key: String, _ time: Int64, to bytes: inout [UInt8]) {
        StateBytes.append(time, to: &bytes)
        let utf8 = key.utf8
        StateBytes.append(UInt32(utf8.count), to: &bytes)
        bytes.append(contentsOf: utf8)
    }

    private static func decodeBlock(_ bytes: [UInt8], _ block: UInt64) throws(EngineError) -> [(time: Int64, key: String)] {
        var entries: [(time: Int64, key: String)] = []
        var i = 0
        while i < bytes.count {
            guard let time = StateBytes.int64(bytes, at: i), i + 12 <= bytes.count else {
                throw EngineError(.invalidChangelog, "dedup: block \(block) is truncated at byte \(i)")
            }
            var count = 0
            for j in i + 8..<i + 12 { count = count << 8 | Int(bytes[j]) }
            i += 12
            guard i + count <= bytes.count else {
                throw EngineError(.invalidChangelog, "dedup: block \(block) has a key running past its end at byte \(i)")
            }
            entries.append((time, String(decoding: bytes[i..<i + count], as: UTF8.self)))
            i += count
        }
        return entries
    }

    /// Applies one changelog entry (operator-local key) during restore; `finishRestore`
    /// applies the blocks once all are read.
    public mutating func restore(_ change: StateChange) throws(EngineError) {
        if change.key == "m" {
            guard let value = change.value, let time = StateBytes.int64(value, at: 0) else {
                throw EngineError(.invalidChangelog, "dedup: bad newest-event-time entry")
            }
            maxEventTime = time
        } else if change.key.hasPrefix("b:"), let block = UInt64(change.key.dropFirst(2)) {
            restoredBlocks[block] = .some(change.value)
        } else {
            throw EngineError(.invalidChangelog,
                "dedup: unknown changelog entry \(change.key) (not written by this version: use a new pipeline name to start from empty state)")
        }
    }

    /// Finishes a restore: keeps each key's newest entry within the window, rebuilds the
    /// eviction order, and marks blocks left without a key for deletion.
    public mutating func finishRestore() throws(EngineError) {
        let limit = horizon
        for block in restoredBlocks.keys.sorted() {
            guard let value = restoredBlocks[block]!, !value.isEmpty else { continue }
            for (time, key) in try Self.decodeBlock(value, block) where time >= limit {
                let hash = DedupTable.hash(key)
                let (slot, found) = table.find(key, hash: hash)
                let entry = Entry(time: time, block: block)
                if found {
                    let existing = table.entry(at: slot)
                    if existing.time > time { continue }
                    blockLive[existing.block, default: 0] -= 1
                    table.setEntry(at: slot, entry)
                } else {
                    insertNew(key, hash: hash, entry, at: slot)
                }
                blockLive[block, default: 0] += 1
                blockKeys[block, default: []].append(key)
            }
        }
        for (block, value) in restoredBlocks where value != nil && blockLive[block, default: 0] == 0 {
            deadAfterRestore.insert(block)
        }
        if let last = restoredBlocks.keys.max() { nextBlock = max(nextBlock, last + 1) }
        restoredBlocks.removeAll()
        var newest: [UInt64: Int64] = [:]
        table.forEach { _, entry in if entry.time > newest[entry.block] ?? .min { newest[entry.block] = entry.time } }
        blockTimes = MinHeap(newest.map { BlockTime(newest: $0.value, block: $0.key) })
        evictionHeap = nil
        maxEventTimeChanged = false
    }

    /// Every remembered key and its event time (expired ones excluded), for tests and status.
    public var entries: [String: Int64] {
        let limit = horizon
        var result: [String: Int64] = [:]
        table.forEach { key, entry in if entry.time >= limit { result[key] = entry.time } }
        return result
    }
}
