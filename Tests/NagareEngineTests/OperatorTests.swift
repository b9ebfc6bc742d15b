import NagareEngine
import Testing

@Suite struct ValidatorFilterProjectorTests {
    let validator = Validator(ValidateDefinition(required: [.init("id", .string), .init("ts", .timestamp), .init("n", .number)]))

    @Test func validatorNamesTheFirstBadField() {
        #expect(validator.check(Fixtures.event(#"{"id":"a","ts":"2026-11-21T23:00:00Z","n":1}"#)) == nil)
        #expect(validator.check(Fixtures.event(#"{"id":"a","ts":1795302000000,"n":1.5}"#)) == nil)
        #expect(validator.check(Fixtures.event(#"{"ts":"2026-11-21T23:00:00Z","n":1}"#)) == #"missing required field "id""#)
        #expect(validator.check(Fixtures.event(#"{"id":7,"ts":"2026-11-21T23:00:00Z","n":1}"#)) == #"field "id" must be a string, found number"#)
        #expect(validator.check(Fixtures.event(#"{"id":"a","ts":"yesterday","n":1}"#))?.contains("timestamp") == true)
        #expect(validator.check(Fixtures.event(#"{"id":"a","ts":"2026-11-21T23:00:00Z","n":"1"}"#)) == #"field "n" must be a number, found string"#)
    }

    @Test func filterConditions() {
        let event = Fixtures.event(#"{"path":"/health","code":200}"#)
        #expect(EventFilter(.init(field: "path", condition: .equals("/health"))).keeps(event))
        #expect(!EventFilter(.init(field: "path", condition: .notEquals("/health"))).keeps(event))
        #expect(EventFilter(.init(field: "code", condition: .isIn(["200", "204"]))).keeps(event))
        #expect(!EventFilter(.init(field: "code", condition: .notIn(["200"]))).keeps(event))
        #expect(EventFilter(.init(field: "missing", condition: .notEquals("x"))).keeps(event))
        #expect(!EventFilter(.init(field: "missing", condition: .exists(true))).keeps(event))
    }

    @Test func projectKeepsDropsAndRenames() {
        var event = Fixtures.event(#"{"a":1,"b":2,"c":3,"d":4}"#)
        Projector(.init(keep: ["a", "b", "c"], drop: ["c"], rename: [.init(from: "a", to: "x")])).apply(to: &event)
        #expect(event.fields.map(\.name) == ["x", "b"])
        #expect(event["x"] == .integer(1))
    }
}

@Suite struct DeduplicatorTests {
    /// `#expect` cannot call a mutating method on its operand, hence the free function.
    func seen(_ dedup: inout Deduplicator, _ key: String, _ time: Int64) -> Bool {
        dedup.isDuplicate(key: key, eventTime: time)
    }

    @Test func dropsRepeatsWithinTheWindowOnly() {
        var dedup = Deduplicator(DedupDefinition(keyField: "id", window: .seconds(60)))
        #expect(!seen(&dedup, "a", 1000))
        #expect(seen(&dedup, "a", 1000))
        #expect(seen(&dedup, "a", 61_000))
        #expect(!seen(&dedup, "a", 61_001))
        #expect(!seen(&dedup, "b", 2000))
    }

    @Test func expiresKeysByEventTime() {
        var dedup = Deduplicator(DedupDefinition(keyField: "id", window: .seconds(10)))
        for i in 0..<100 { _ = dedup.isDuplicate(key: "k\(i)", eventTime: Int64(i) * 1000) }
        // Newest time 99 s: keys older than 89 s are gone.
        #expect(dedup.keyCount == 11)
        #expect(dedup.entries.keys.sorted().first == "k89")
    }

    @Test func boundsKeysEvictingTheOldestEventTime() {
        var dedup = Deduplicator(DedupDefinition(keyField: "id", window: .seconds(3600), maxKeys: 3))
        for (key, time) in [("a", 5), ("b", 1), ("c", 3), ("d", 4)] { _ = dedup.isDuplicate(key: key, eventTime: Int64(time)) }
        #expect(Set(dedup.entries.keys) == ["a", "c", "d"])
        #expect(dedup.evictedCount == 1)
    }

    @Test func eachBatchTakesItsBlockAndTombstonesEmptiedBlocks() throws {
        var dedup = Deduplicator(DedupDefinition(keyField: "id", window: .seconds(10), maxKeys: 2))
        _ = dedup.isDuplicate(key: "a", eventTime: 1000)
        #expect(dedup.takeChanges().map(\.key) == ["b:0", "m"])
        #expect(dedup.takeChanges().isEmpty)
        _ = dedup.isDuplicate(key: "b", eventTime: 2000)
        _ = dedup.isDuplicate(key: "c", eventTime: 3000)  // evicts a: block 0 is left empty
        let changes = dedup.takeChanges()
        #expect(changes.map(\.key) == ["b:1", "b:0", "m"])
        #expect(changes[0].value != nil && changes[1].value == nil)
        #expect(dedup.entries == ["b": 2000, "c": 3000])
        #expect(dedup.evictedCount == 1)
        // A batch of duplicates only changes nothing but (here, not even) the newest time.
        #expect(seen(&dedup, "b", 2500))
        #expect(dedup.takeChanges().isEmpty)
    }

    @Test func keysExpiringMidBatchAreNotDuplicatesAndAreForgottenAtTheBatchEnd() {
        var dedup = Deduplicator(DedupDefinition(keyField: "id", window: .seconds(10)))
        #expect(!seen(&dedup, "a", 0))
        #expect(!seen(&dedup, "z", 10_001))  // the horizon passes a's time: a expired
        #expect(!seen(&dedup, "a", 5_000))   // within 10 s of the old a, but that one expired
        #expect(seen(&dedup, "a", 5_000))
        #expect(dedup.entries == ["a": 5_000, "z": 10_001])
        let changes = dedup.takeChanges()
        #expect(changes.map(\.key) == ["b:0", "m"])
        #expect(dedup.keyCount == 2)
    }

    @Test func expiredKeysAreFreedABlockAtATime() {
        var dedup = Deduplicator(DedupDefinition(keyField: "id", window: .seconds(10)))
        // Block 0: keys at 0 s and 5 s; block 1: one key at 12 s.
        _ = dedup.isDuplicate(key: "a", eventTime: 0)
        _ = dedup.isDuplicate(key: "b", eventTime: 5_000)
        _ = dedup.takeChanges()
        _ = dedup.isDuplicate(key: "c", eventTime: 12_000)
        // a expired (horizon 2 s) but block 0 still has b: nothing is freed yet.
        #expect(dedup.takeChanges().map(\.key) == ["b:1", "m"])
        #expect(dedup.keyCount == 2 && dedup.storedKeyCount == 3)
        _ = dedup.isDuplicate(key: "d", eventTime: 15_001)
        // Horizon 5.001 s: block 0's newest key expired too, so the block is freed and deleted.
        #expect(dedup.takeChanges().map(\.key) == ["b:2", "b:0", "m"])
        #expect(dedup.keyCount == 2 && dedup.storedKeyCount == 2)
        #expect(dedup.entries == ["c": 12_000, "d": 15_001])
    }

    @Test func aForgottenKeySeenAgainIsNewAndForgottenEntriesDoNotCountTowardsMaxKeys() throws {
        var dedup = Deduplicator(DedupDefinition(keyField: "id", window: .seconds(10), maxKeys: 3))
        var log: [StateChange] = []
        _ = dedup.isDuplicate(key: "a", eventTime: 0)
        _ = dedup.isDuplicate(key: "b", eventTime: 1_000)
        log += dedup.takeChanges()
        _ = dedup.isDuplicate(key: "c", eventTime: 20_000)
        // Block 0 (a, b) is forgotten: its two entries are garbage, not stored keys.
        log += dedup.takeChanges()
        #expect(dedup.storedKeyCount == 1 && dedup.keyCount == 1)
        // a again: not a duplicate of the forgotten one.
        #expect(!seen(&dedup, "a", 20_500))
        #expect(seen(&dedup, "a", 21_000))
        // Two more keys: four would exceed maxKeys only if the garbage (b) counted.
        _ = dedup.isDuplicate(key: "d", eventTime: 21_500)
        #expect(dedup.evictedCount == 0 && dedup.storedKeyCount == 3)
        _ = dedup.isDuplicate(key: "e", eventTime: 22_000)
        #expect(dedup.evictedCount == 1 && dedup.entries == ["a": 20_500, "d": 21_500, "e": 22_000])
        log += dedup.takeChanges()
        var restored = Deduplicator(dedup.definition)
        for change in compacted(log) { try restored.restore(change) }
        try restored.finishRestore()
        #expect(restored.entries == dedup.entries && restored.storedKeyCount == 3)
    }

    @Test func aLargeBatchFillsSeveralBlocksEachUnderTheLimit() throws {
        var dedup = Deduplicator(DedupDefinition(keyField: "id", window: .seconds(3600)))
        let keys = (0..<30_000).map { "e-\(String(1_000_000_000 + $0).dropFirst())" }
        for (i, key) in keys.enumerated() { _ = dedup.isDuplicate(key: key, eventTime: Int64(i)) }
        let changes = dedup.takeChanges()
        let blocks = changes.filter { $0.key.hasPrefix("b:") }
        // 30,000 entries of 12 + 11 bytes: 690,000 bytes, three blocks of at most 256 KiB.
        #expect(blocks.map(\.key) == ["b:0", "b:1", "b:2"])
        #expect(blocks.allSatisfy { ($0.value?.count ?? 0) <= Deduplicator.maxBlockBytes })
        #expect(blocks.reduce(0) { $0 + ($1.value?.count ?? 0) } == 30_000 * 23)
        var restored = Deduplicator(dedup.definition)
        for change in changes { try restored.restore(change) }
        try restored.finishRestore()
        #expect(restored.entries == dedup.entries && restored.keyCount == 30_000)
        // The next batch starts a new block.
        _ = dedup.isDuplicate(key: "x", eventTime: 40_000)
        #expect(dedup.takeChanges().map(\.key) == ["b:3", "m"])
    }

    /// Applies changes as a compacted changelog holds them: the last record per key, in the
    /// order of their last write.
    func compacted(_ log: [StateChange]) -> [StateChange] {
        var last: [String: Int] = [:]
        for (i, change) in log.enumerated() { last[change.key] = i }
        return log.enumerated().filter { last[$0.element.key] == $0.offset && $0.element.value != nil }.map(\.element)
    }

    @Test func restoreFromBlocksEqualsTheCommittedState() throws {
        var dedup = Deduplicator(DedupDefinition(keyField: "id", window: .seconds(10), maxKeys: 50))
        var log: [StateChange] = []
        var rng = SplitMix64(seed: 7)
        for batch in 0..<40 {
            for _ in 0..<25 {
                // Keys repeat (duplicates, and repeats after the window), times wander, some
                // keys are evicted by maxKeys and many expire.
                let key = "k\(rng.next() % 120)"
                let time = Int64(batch) * 1500 + Int64(rng.next() % 4000)
                _ = dedup.isDuplicate(key: key, eventTime: time)
            }
            // Some batches abort: their changes never reach the log, and the task is replaced
            // by one restored from it (as the batch loop does).
            let changes = dedup.takeChanges()
            if batch % 7 == 3 {
                var rebuilt = Deduplicator(dedup.definition)
                for change in compacted(log) { try rebuilt.restore(change) }
                try rebuilt.finishRestore()
                dedup = rebuilt
                continue
            }
            log += changes
            var restored = Deduplicator(dedup.definition)
            for change in compacted(log) { try restored.restore(change) }
            try restored.finishRestore()
            #expect(restored.entries == dedup.entries, "batch \(batch)")
            #expect(restored.maxEventTime == dedup.maxEventTime)
        }
        #expect(dedup.evictedCount > 0)
        // Blocks whose keys all expired are deleted: the compacted log stays small.
        #expect(compacted(log).count < 12)
    }

    @Test func restoreRejectsAMalformedBlock() {
        var dedup = Deduplicator(DedupDefinition(keyField: "id", window: .seconds(10)))
        #expect(throws: EngineError.self) {
            try dedup.restore(StateChange(key: "b:0", value: [0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 9, 65]))
            try dedup.finishRestore()
        }
        #expect(throws: EngineError.self) { try dedup.restore(StateChange(key: "k:old", value: [0])) }
    }
}

@Suite struct WindowAggregatorTests {
    func add(_ w: inout WindowAggregator, _ key: String, _ seconds: Int64, _ value: Double = 1,
             _ closed: inout [WindowAggregator.Result]) -> WindowAggregator.Outcome {
        w.add(key: key, eventTime: seconds * 1000, values: [value], closed: &closed)
    }

    @Test func tumblingWindowsCloseWhenTheWatermarkPassesTheirEnd() {
        var w = WindowAggregator(WindowDefinition(keyField: "k", size: .seconds(60), maxDelay: .seconds(5), sums: ["v"]))
        var closed: [WindowAggregator.Result] = []
        #expect(add(&w, "a", 10, 1, &closed) == .counted)
        #expect(add(&w, "b", 30, 2, &closed) == .counted)
        #expect(add(&w, "a", 59, 3, &closed) == .counted)
        #expect(add(&w, "a", 64, 4, &closed) == .counted)  // watermark 59: nothing closes
        #expect(closed.isEmpty)
        #expect(add(&w, "a", 62, 5, &closed) == .counted)
        #expect(add(&w, "b", 65, 6, &closed) == .counted)  // watermark 60: [0,60) closes
        #expect(closed == [
            .init(key: "a", start: 0, end: 60_000, count: 2, sums: [4]),
            .init(key: "b", start: 0, end: 60_000, count: 1, sums: [2]),
        ])
        closed.removeAll()
        #expect(add(&w, "a", 50, 7, &closed) == .late)  // behind the watermark, window closed
        #expect(w.openWindowCount == 2)
    }

    @Test func allowedLatenessKeepsWindowsOpenLonger() {
        var w = WindowAggregator(WindowDefinition(keyField: "k", size: .seconds(60), maxDelay: .zero, allowedLateness: .seconds(30)))
        var closed: [WindowAggregator.Result] = []
        _ = add(&w, "a", 10, 1, &closed)
        _ = add(&w, "a", 80, 1, &closed)            // watermark 80 > end 60, but within lateness
        #expect(add(&w, "a", 20, 1, &closed) == .counted)  // late but accepted
        #expect(closed.isEmpty)
        _ = add(&w, "a", 90, 1, &closed)            // watermark 90 = end + lateness: closes
        #expect(closed.map(\.count) == [2])
        #expect(add(&w, "a", 30, 1, &closed) == .late)     // beyond the allowed lateness
    }

    @Test func hoppingWindowsCountAnEventInEveryWindowHoldingIt() {
        var w = WindowAggregator(WindowDefinition(keyField: "k", kind: .hopping(hop: .seconds(20)), size: .seconds(60), maxDelay: .zero))
        var closed: [WindowAggregator.Result] = []
        _ = add(&w, "a", 45, 1, &closed)  // windows starting 0, 20, 40
        #expect(w.openWindows.keys.sorted() == [0, 20_000, 40_000])
        _ = add(&w, "a", 70, 1, &closed)  // watermark 70: [0,60) closes; windows 20, 40, 60
        #expect(closed == [.init(key: "a", start: 0, end: 60_000, count: 1, sums: [1])])
        _ = add(&w, "a", 90, 1, &closed)  // watermark 90: [20,80) closes
        #expect(closed.last == .init(key: "a", start: 20_000, end: 80_000, count: 2, sums: [2]))
        // 55 s belongs to [0,60) and [20,80) (closed) and [40,100) (open): counted there only.
        #expect(add(&w, "a", 55, 1, &closed) == .counted)
        #expect(w.openWindows[40_000]?["a"]?.count == 4)
        #expect(add(&w, "a", 35, 1, &closed) == .late)
    }

    @Test func boundedOpenWindows() {
        var w = WindowAggregator(WindowDefinition(keyField: "k", size: .seconds(60), maxOpenWindows: 2))
        var closed: [WindowAggregator.Result] = []
        #expect(add(&w, "a", 1, 1, &closed) == .counted)
        #expect(add(&w, "b", 1, 1, &closed) == .counted)
        #expect(add(&w, "c", 1, 1, &closed) == .stateFull)
        #expect(add(&w, "a", 2, 1, &closed) == .counted)
    }

    @Test func changesAndRestoreGiveTheCommittedState() throws {
        let definition = WindowDefinition(keyField: "k", size: .seconds(60), maxDelay: .zero, sums: ["v"])
        var w = WindowAggregator(definition)
        var closed: [WindowAggregator.Result] = []
        var changelog: [StateChange] = []
        _ = add(&w, "a", 10, 1, &closed)
        _ = add(&w, "a", 11, 2, &closed)
        changelog += w.takeChanges()
        #expect(changelog.map(\.key) == ["w:0:a", "m"])
        #expect(w.takeChanges().isEmpty)
        let committed = w.openWindows
        #expect(committed == [0: ["a": .init(count: 2, sums: [3])]])
        // An aborted batch: its changes are never written, so a restore ignores them.
        _ = add(&w, "a", 20, 1, &closed)
        _ = add(&w, "b", 70, 1, &closed)  // closes [0,60)
        #expect(closed.count == 1)
        let aborted = w.takeChanges()
        #expect(aborted.map(\.key) == ["w:0:a", "w:60000:b", "m"] && aborted[0].value == nil)

        var restored = WindowAggregator(definition)
        for change in changelog { try restored.restore(change) }
        restored.finishRestore()
        #expect(restored.openWindows == committed && restored.maxEventTime == 11_000)
        var other = WindowAggregator(WindowDefinition(keyField: "k", size: .seconds(60)))
        #expect(throws: EngineError.self) { try other.restore(changelog[0]) }
    }
}
