/// Per-task event-time window state: open windows per key with their count and sums, and the
/// watermark that closes them.
///
/// Time moves only with event time (never the wall clock), so replaying the same records gives
/// the same results and a restored task continues exactly where the committed one stopped:
///
///     watermark   = newest event time seen − maxDelay
///     window      = [start, start + size), start a multiple of hop (tumbling: hop = size)
///     closes when   watermark ≥ start + size + allowedLateness   → one result, state removed
///     late event  = every window it belongs to has closed          → `late` policy, not counted
///
/// Windows are closed as soon as the watermark passes them, record by record, so the outcome
/// does not depend on how records were cut into batches. Like the dedup state, the windows a
/// batch changed are taken as its changelog records (`takeChanges`); an aborted transaction is
/// undone by restoring the task from the changelog.
public struct WindowAggregator: Sendable {
    /// The running aggregate of one window of one key.
    public struct Aggregate: Hashable, Sendable {
        public var count: Int64
        public var sums: [Double]

        public init(count: Int64, sums: [Double]) {
            self.count = count
            self.sums = sums
        }
    }

    /// A closed window's result.
    public struct Result: Hashable, Sendable {
        public var key: String
        public var start: Int64
        public var end: Int64
        public var count: Int64
        public var sums: [Double]

        public init(key: String, start: Int64, end: Int64, count: Int64, sums: [Double]) {
            self.key = key
            self.start = start
            self.end = end
            self.count = count
            self.sums = sums
        }
    }

    /// What happened to one event.
    public enum Outcome: Hashable, Sendable {
        /// Counted in its open window(s).
        case counted
        /// All its windows had closed; not counted.
        case late
        /// It would open a window beyond `maxOpenWindows`.
        case stateFull
    }

    struct Slot: Hashable, Sendable {
        var start: Int64
        var key: String
    }

    public let definition: WindowDefinition
    private let size: Int64
    private let hop: Int64
    private let maxDelay: Int64
    private let lateness: Int64
    /// start → key → aggregate. Grouped by start because windows close in start order, so
    /// closing looks only at the few smallest starts instead of every open window.
    private var windows: [Int64: [String: Cell]] = [:]
    public private(set) var openWindowCount = 0
    public private(set) var maxEventTime: Int64 = .min
    // Since the last `takeChanges`: windows counted into (each once) and windows closed.
    private var changedSlots: [Slot] = []
    private var closedSlots: [Slot] = []
    private var maxEventTimeChanged = false

    /// An open window's aggregate, and whether it changed since the last `takeChanges`.
    struct Cell: Sendable {
        var aggregate: Aggregate
        var changed: Bool
    }

    public init(_ definition: WindowDefinition) {
        self.definition = definition
        self.size = definition.size.wholeMilliseconds
        if case .hopping(let hop) = definition.kind { self.hop = hop.wholeMilliseconds } else { self.hop = size }
        self.maxDelay = definition.maxDelay.wholeMilliseconds
        self.lateness = definition.allowedLateness.wholeMilliseconds
    }

    /// The current watermark; `Int64.min` before the first event.
    public var watermark: Int64 {
        maxEventTime == .min ? .min : maxEventTime &- maxDelay
    }

    /// Adds one event; results of windows its time closes are appended to `closed`.
    public mutating func add(
        key: String, eventTime: Int64, values: [Double], closed: inout [Result]
    ) -> Outcome {
        if eventTime > maxEventTime {
            maxEventTimeChanged = true
            maxEventTime = eventTime
            closeWindows(into: &closed)
        }
        let mark = watermark
        // Windows holding t: starts s (multiples of hop) with s ≤ t < s + size.
        let lastStart = Self.floor(eventTime, to: hop)
        var start = lastStart
        var openCandidates = 0
        while start > eventTime &- size {
            if !isClosed(start: start, watermark: mark) { openCandidates += 1 }
            start &-= hop
        }
        guard openCandidates > 0 else { return .late }
        // Which of them are new needs a lookup each; only when the limit is that close.
        if openWindowCount + openCandidates > definition.maxOpenWindows {
            var newWindows = 0
            start = lastStart
            while start > eventTime &- size {
                if !isClosed(start: start, watermark: mark), windows[start]?[key] == nil { newWindows += 1 }
                start &-= hop
            }
            guard openWindowCount + newWindows <= definition.maxOpenWindows else { return .stateFull }
        }
        start = lastStart
        while start > eventTime &- size {
            if !isClosed(start: start, watermark: mark) {
                let (opened, firstChange) = Self.count(values, key, in: &windows[start, default: [:]])
                if opened { openWindowCount += 1 }
                if firstChange { changedSlots.append(Slot(start: start, key: key)) }
            }
            start &-= hop
        }
        return .counted
    }

    /// Counts one event into the window of `key` in `perKey` (in place), opening it if needed.
    private static func count(
        _ values: [Double], _ key: String, in perKey: inout [String: Cell]
    ) -> (opened: Bool, firstChange: Bool) {
        guard let i = perKey.index(forKey: key) else {
            perKey[key] = Cell(aggregate: Aggregate(count: 1, sums: values), changed: true)
            return (true, true)
        }
        let firstChange = !perKey.values[i].changed
        perKey.values[i].changed = true
        perKey.values[i].aggregate.count += 1
        for j in values.indices { perKey.values[i].aggregate.sums[j] += values[j] }
        return (false, firstChange)
    }

    private func isClosed(start: Int64, watermark: Int64) -> Bool {
        watermark != .min && watermark >= start &+ size &+ lateness
    }

    /// Emits and removes every window the watermark has passed, by start then key, so the
    /// output order is deterministic.
    private mutating func closeWindows(into closed: inout [Result]) {
        let mark = watermark
        let closable = windows.keys.filter { isClosed(start: $0, watermark: mark) }
        guard !closable.isEmpty else { return }
        for start in closable.sorted() {
            guard let perKey = windows.removeValue(forKey: start) else { continue }
            for key in perKey.keys.sorted() {
                let aggregate = perKey[key]!.aggregate
                closedSlots.append(Slot(start: start, key: key))
                closed.append(Result(key: key, start: start, end: start + size, count: aggregate.count, sums: aggregate.sums))
            }
            openWindowCount -= perKey.count
        }
    }

    static func floor(_ value: Int64, to step: Int64) -> Int64 {
        let r = value % step
        return r >= 0 ? value - r : value - r - step
    }

    // MARK: Changelog

    /// The changelog records of the windows changed since the last call, by start then key:
    /// `w:<start>:<key>` → count and sums, or a tombstone once closed; `m` → newest event time.
    public mutating func takeChanges() -> [StateChange] {
        var slots = changedSlots + closedSlots
        slots.sort { ($0.start, $0.key) < ($1.start, $1.key) }
        var changes: [StateChange] = []
        changes.reserveCapacity(slots.count + 1)
        var previous: Slot?
        for slot in slots where slot != previous {
            previous = slot
            let value = windows[slot.start]?[slot.key].map { cell in
                var bytes: [UInt8] = []
                bytes.reserveCapacity(8 * (1 + cell.aggregate.sums.count))
                StateBytes.append(cell.aggregate.count, to: &bytes)
                for sum in cell.aggregate.sums { StateBytes.append(sum, to: &bytes) }
                return bytes
            }
            if value != nil { windows[slot.start]![slot.key]!.changed = false }
            changes.append(StateChange(key: "w:\(slot.start):\(slot.key)", value: value))
        }
        if maxEventTimeChanged { changes.append(StateChange(key: "m", value: StateBytes.encode(maxEventTime))) }
        changedSlots.removeAll(keepingCapacity: true)
        closedSlots.removeAll(keepingCapacity: true)
        maxEventTimeChanged = false
        return changes
    }

    public mutating func restore(_ change: StateChange) throws(EngineError) {
        if change.key == "m" {
            guard let value = change.value, let time = StateBytes.int64(value, at: 0) else {
                throw EngineError(.invalidChangelog, "window: bad newest-event-time entry")
            }
            maxEventTime = time
            return
        }
        let parts = change.key.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "w", let start = Int64(parts[1]) else {
            throw EngineError(.invalidChangelog, "window: unknown entry \(change.key)")
        }
        let key = String(parts[2])
        let had = windows[start]?[key] != nil
        guard let value = change.value else {
            if had {
                windows[start]?[key] = nil
                if windows[start]?.isEmpty == true { windows[start] = nil }
                openWindowCount -= 1
            }
            return
        }
        let sumCount = definition.sums.count
        guard value.count == 8 * (1 + sumCount), let count = StateBytes.int64(value, at: 0) else {
            throw EngineError(.invalidChangelog,
                "window \(change.key): \(value.count) bytes, expected \(8 * (1 + sumCount)) for \(sumCount) sums (did the pipeline's sum list change?)")
        }
        let sums = (0..<sumCount).map { StateBytes.double(value, at: 8 * ($0 + 1)) ?? 0 }
        windows[start, default: [:]][key] = Cell(aggregate: Aggregate(count: count, sums: sums), changed: false)
        if !had { openWindowCount += 1 }
    }

    public mutating func finishRestore() {
        maxEventTimeChanged = false
    }

    /// The open windows, for tests and status.
    public var openWindows: [Int64: [String: Aggregate]] { windows.mapValues { $0.mapValues(\.aggregate) } }
}
