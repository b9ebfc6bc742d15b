/// Per-task dedup state: which keys were seen, at which event time.
///
/// A key is a duplicate when it was seen with an event time at most `window` away. Keys
/// expire once the newest event time seen passes their time plus `window`, and when more than
/// `maxKeys` are held the one with the oldest event time is evicted first; both use a min-heap
/// by (event time, key) so the result does not depend on batch boundaries or hash order — a
/// retried batch decides exactly as the first attempt would have.
///
/// Changelog: the keys a batch adds are written as one record, a *block* (`b:<n>` → every
/// (event time, key) of the block that is still remembered), not one record per key. A block's
/// record is replaced only when one of its keys is evicted (rewritten without it) and deleted
/// (a tombstone) once none of its keys is remembered. Expired keys need no record of their
/// own: a restore drops entries older than the window behind the newest event time (`m`),
/// which is exactly the expiry rule. A key seen again after its window is added to the new
/// block and the newer time wins at restore. So a batch writes a few changelog records however
/// many events it holds.
///
/// Memory per key (64-bit): about `bytesPerKeyEstimate` bytes — the dictionary slot (16-byte
/// `String` + 16-byte entry, at up to 75% load ≈ 43 B), the heap entry (24 B, and up to as
/// many again in stale entries before a rebuild) and the block's key list (16 B) — plus, for
/// keys longer than 15 UTF-8 bytes (which Swift cannot store inline), one shared heap
/// allocation of the key's length + 32 B. A million 11-byte `event_id`s take about 100 MB.
///
/// Changes since the last commit are kept as undo logs, so an aborted batch rolls back.
public struct Deduplicator: Sendable {
    public static let bytesPerKeyEstimate = 100

    public let definition: DedupDefinition
    private let windowMilliseconds: Int64
    private var times: [String: Entry] = [:]
    private var heap = MinHeap<HeapEntry>()
    public private(set) var maxEventTime: Int64 = .min
    public private(set) var evictedCount = 0

    /// Keys written to each block that still has a remembered key (a superset of them).
    private var blockKeys: [UInt64: [String]] = [:]
    /// How many remembered keys each block holds.
    private var blockLive: [UInt64: Int] = [:]
    /// The block the current batch adds to.
    private var nextBlock: UInt64 = 0

    // Since the last commit.
    private var undo: [String: Entry?] = [:]
    private var undoLive: [UInt64: Int] = [:]
    private var undoMaxEventTime: Int64?
    /// Earlier blocks that lost a key to eviction: rewritten without it.
    private var evictedFrom: Set<UInt64> = []
    /// Earlier blocks that lost a key for any reason: deleted if none is left.
    private var shrunk: Set<UInt64> = []
    /// Blocks a restore found without any remembered key: deleted by the next batch.
    private var deadAfterRestore: Set<UInt64> = []
    /// Blocks read by a restore, applied by `finishRestore`.
    private var restoredBlocks: [UInt64: [UInt8]?] = [:]

    private struct Entry: Sendable {
        var time: Int64
        var block: UInt64
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

    public var keyCount: Int { times.count }

    /// Records `key` at `eventTime`; returns true when it is a duplicate (and then changes
    /// nothing but the newest event time).
    public mutating func isDuplicate(key: String, eventTime: Int64) -> Bool {
        if eventTime > maxEventTime {
            if undoMaxEventTime == nil { undoMaxEventTime = maxEventTime }
            maxEventTime = eventTime
            expire()
        }
        if let seen = times[key] {
            if abs(seen.time &- eventTime) <= windowMilliseconds { return true }
            // A much older occurrence: not a duplicate, and the newer time stays remembered.
            if seen.time > eventTime { return false }
        }
        // Older than anything still remembered: holding it would only expire it at once.
        if eventTime < horizon { return false }
        let previousBlock = times[key]?.block
        set(key, Entry(time: eventTime, block: nextBlock))
        if previousBlock != nextBlock { blockKeys[nextBlock, default: []].append(key) }
        heap.push(HeapEntry(time: eventTime, key: key))
        while times.count > definition.maxKeys, let oldest = heap.popMin() {
            if let entry = times[oldest.key], entry.time == oldest.time {
                set(oldest.key, nil)
                if entry.block != nextBlock { evictedFrom.insert(entry.block) }
                evictedCount += 1
            }
        }
        if heap.count > 2 * times.count + 1024 { rebuildHeap() }
        return false
    }

    private mutating func expire() {
        while let oldest = heap.min, oldest.time < horizon {
            heap.popMin()
            if times[oldest.key]?.time == oldest.time { set(oldest.key, nil) }
        }
    }

    /// Event times before this are forgotten: the newest event time minus the window,
    /// saturating so that extreme times cannot wrap around.
    private var horizon: Int64 {
        maxEventTime > Int64.min + windowMilliseconds ? maxEventTime - windowMilliseconds : Int64.min
    }

    private mutating func set(_ key: String, _ entry: Entry?) {
        let old = times[key]
        if undo[key] == nil { undo[key] = .some(old) }
        if let old { changeLive(old.block, by: -1) }
        if let entry { changeLive(entry.block, by: 1) }
        times[key] = entry
    }

    private mutating func changeLive(_ block: UInt64, by delta: Int) {
        if undoLive[block] == nil { undoLive[block] = blockLive[block] ?? 0 }
        blockLive[block, default: 0] += delta
        if delta < 0 && block != nextBlock { shrunk.insert(block) }
    }

    private mutating func rebuildHeap() {
        heap = MinHeap(times.map { HeapEntry(time: $0.value.time, key: $0.key) })
    }

    // MARK: Changelog, commit, rollback

    /// The changelog records of everything changed since the last commit: the batch's new
    /// block, rewritten and deleted blocks (`b:<n>`), and `m` → newest event time.
    public func pendingChanges() -> [StateChange] {
        var changes: [StateChange] = []
        if blockLive[nextBlock, default: 0] > 0 {
            changes.append(StateChange(key: Self.blockKey(nextBlock), value: encodeBlock(nextBlock)))
        }
        for block in evictedFrom.sorted() where blockLive[block, default: 0] > 0 {
            changes.append(StateChange(key: Self.blockKey(block), value: encodeBlock(block)))
        }
        for block in shrunk.union(deadAfterRestore).sorted() where blockLive[block, default: 0] == 0 {
            changes.append(StateChange(key: Self.blockKey(block), value: nil))
        }
        if undoMaxEventTime != nil { changes.append(StateChange(key: "m", value: StateBytes.encode(maxEventTime))) }
        return changes
    }

    /// The batch committed: its changes become the base to roll back to.
    public mutating func commit() {
        if blockKeys[nextBlock] != nil {
            if blockLive[nextBlock, default: 0] == 0 { forget(nextBlock) }
            nextBlock += 1
        }
        for block in evictedFrom where blockLive[block, default: 0] > 0 {
            blockKeys[block] = liveKeys(of: block)
        }
        for block in shrunk.union(deadAfterRestore) where blockLive[block, default: 0] == 0 { forget(block) }
        deadAfterRestore.removeAll()
        clearBatch()
    }

    /// Undoes every change since the last commit.
    public mutating func rollback() {
        for (key, old) in undo {
            times[key] = old
            if let old { heap.push(HeapEntry(time: old.time, key: key)) }
        }
        for (block, old) in undoLive { blockLive[block] = old }
        blockKeys[nextBlock] = nil
        blockLive[nextBlock] = nil
        if let old = undoMaxEventTime { maxEventTime = old }
        clearBatch()
    }

    private mutating func clearBatch() {
        undo.removeAll(keepingCapacity: true)
        undoLive.removeAll(keepingCapacity: true)
        undoMaxEventTime = nil
        evictedFrom.removeAll()
        shrunk.removeAll()
    }

    private mutating func forget(_ block: UInt64) {
        blockKeys[block] = nil
        blockLive[block] = nil
    }

    private func liveKeys(of block: UInt64) -> [String] {
        (blockKeys[block] ?? []).filter { times[$0]?.block == block }
    }

    static func blockKey(_ block: UInt64) -> String { "b:\(block)" }

    /// A block's remembered entries: (event time: 8 bytes, key length: 4 bytes, key UTF-8)*,
    /// big-endian, in the order the keys were added.
    private func encodeBlock(_ block: UInt64) -> [UInt8] {
        var bytes: [UInt8] = []
        let keys = blockKeys[block] ?? []
        bytes.reserveCapacity(keys.count * 24)
        for key in keys {
            guard let entry = times[key], entry.block == block else { continue }
            StateBytes.append(entry.time, to: &bytes)
            let utf8 = key.utf8
            let count = UInt32(utf8.count)
            for shift in stride(from: 24, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: count >> UInt32(shift))) }
            bytes.append(contentsOf: utf8)
        }
        return bytes
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
                if let existing = times[key] {
                    if existing.time > time { continue }
                    blockLive[existing.block, default: 0] -= 1
                }
                times[key] = Entry(time: time, block: block)
                blockLive[block, default: 0] += 1
                blockKeys[block, default: []].append(key)
            }
        }
        for (block, value) in restoredBlocks where value != nil && blockLive[block, default: 0] == 0 {
            deadAfterRestore.insert(block)
        }
        if let last = restoredBlocks.keys.max() { nextBlock = max(nextBlock, last + 1) }
        restoredBlocks.removeAll()
        rebuildHeap()
        clearBatch()
    }

    /// Every remembered key and its event time, for tests and status.
    public var entries: [String: Int64] { times.mapValues(\.time) }
}
