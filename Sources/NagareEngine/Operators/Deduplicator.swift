/// Per-task dedup state: which keys were seen, at which event time.
///
/// A key is a duplicate when it was seen with an event time at most `window` away. Keys
/// expire once the newest event time seen passes their time plus `window`, and when more than
/// `maxKeys` are held the one with the oldest event time is evicted first; both use a min-heap
/// by (event time, key) so the result does not depend on batch boundaries or hash order — a
/// retried batch decides exactly as the first attempt would have.
///
/// Memory per key (64-bit): about `bytesPerKeyEstimate` bytes — the dictionary slot
/// (16-byte `String` + 8-byte time, at up to 75% load ≈ 32 B), the heap entry (24 B, and up to
/// as many again in stale entries before a rebuild) — plus, for keys longer than 15 UTF-8
/// bytes (which Swift cannot store inline), a heap allocation of the key's length + 32 B.
/// A million 11-byte `event_id`s therefore take about 80 MB.
///
/// Changes since the last commit are kept as an undo log, which serves twice: its keys are the
/// changelog records of the batch, and its old values undo an aborted batch.
public struct Deduplicator: Sendable {
    public static let bytesPerKeyEstimate = 80

    public let definition: DedupDefinition
    private let windowMilliseconds: Int64
    private var times: [String: Int64] = [:]
    private var heap = MinHeap<HeapEntry>()
    public private(set) var maxEventTime: Int64 = .min
    private var undo: [String: Int64?] = [:]
    private var undoMaxEventTime: Int64?
    public private(set) var evictedCount = 0

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
            if abs(seen &- eventTime) <= windowMilliseconds { return true }
            // A much older occurrence: not a duplicate, and the newer time stays remembered.
            if seen > eventTime { return false }
        }
        // Older than anything still remembered: holding it would only expire it at once.
        if eventTime < horizon { return false }
        set(key, eventTime)
        heap.push(HeapEntry(time: eventTime, key: key))
        while times.count > definition.maxKeys, let oldest = heap.popMin() {
            if times[oldest.key] == oldest.time {
                set(oldest.key, nil)
                evictedCount += 1
            }
        }
        if heap.count > 2 * times.count + 1024 { rebuildHeap() }
        return false
    }

    private mutating func expire() {
        while let oldest = heap.min, oldest.time < horizon {
            heap.popMin()
            if times[oldest.key] == oldest.time { set(oldest.key, nil) }
        }
    }

    /// Event times before this are forgotten: the newest event time minus the window,
    /// saturating so that extreme times cannot wrap around.
    private var horizon: Int64 {
        maxEventTime > Int64.min + windowMilliseconds ? maxEventTime - windowMilliseconds : Int64.min
    }

    private mutating func set(_ key: String, _ time: Int64?) {
        if undo[key] == nil { undo[key] = .some(times[key]) }
        times[key] = time
    }

    private mutating func rebuildHeap() {
        heap = MinHeap(times.map { HeapEntry(time: $0.value, key: $0.key) })
    }

    // MARK: Changelog, commit, rollback

    /// The changelog records of everything changed since the last commit: `k:<key>` → event
    /// time, or a tombstone; `m` → newest event time.
    public func pendingChanges() -> [StateChange] {
        var changes: [StateChange] = []
        changes.reserveCapacity(undo.count + 1)
        for key in undo.keys.sorted() {
            changes.append(StateChange(key: "k:" + key, value: times[key].map(StateBytes.encode)))
        }
        if undoMaxEventTime != nil { changes.append(StateChange(key: "m", value: StateBytes.encode(maxEventTime))) }
        return changes
    }

    /// The batch committed: its changes become the base to roll back to.
    public mutating func commit() {
        undo.removeAll(keepingCapacity: true)
        undoMaxEventTime = nil
    }

    /// Undoes every change since the last commit.
    public mutating func rollback() {
        for (key, old) in undo {
            times[key] = old
            if let old { heap.push(HeapEntry(time: old, key: key)) }
        }
        if let old = undoMaxEventTime { maxEventTime = old }
        commit()
    }

    /// Applies one changelog entry (operator-local key) during restore.
    public mutating func restore(_ change: StateChange) throws(EngineError) {
        if change.key == "m" {
            guard let value = change.value, let time = StateBytes.int64(value, at: 0) else {
                throw EngineError(.invalidChangelog, "dedup: bad newest-event-time entry")
            }
            maxEventTime = time
        } else if change.key.hasPrefix("k:") {
            let key = String(change.key.dropFirst(2))
            if let value = change.value {
                guard let time = StateBytes.int64(value, at: 0) else {
                    throw EngineError(.invalidChangelog, "dedup: bad entry for key \(key)")
                }
                times[key] = time
            } else {
                times[key] = nil
            }
        } else {
            throw EngineError(.invalidChangelog, "dedup: unknown entry \(change.key)")
        }
    }

    /// Finishes a restore: rebuilds the eviction order and forgets the restore as a change.
    public mutating func finishRestore() {
        rebuildHeap()
        commit()
    }

    /// Every remembered key and its event time, for tests and status.
    public var entries: [String: Int64] { times }
}
