import NagareCore
import NagareEngine
import Testing

@Suite struct PartitionTaskTests {
    let tp = TopicPartition("in", 0)

    func pipeline(_ policy: ErrorPolicy = .deadLetter) throws -> Pipeline {
        try Pipeline(try PipelineBuilder("p").source(topics: ["in"]).eventTime(field: "ts").parseJSON()
            .validate(["id": .string]).dedup(key: "id", window: .seconds(60))
            .window(key: "k", size: .seconds(10), maxDelay: .zero)
            .sinks(output: "out", windows: "win").execution(ExecutionSettings(errorPolicy: policy)).build())
    }

    func records(_ items: [(id: String, seconds: Double)], from offset: Int64) -> [Record] {
        items.enumerated().map { i, item in
            Fixtures.record(#"{"id":"\#(item.id)","k":"a","ts":\#(Fixtures.time(item.seconds))}"#, offset: offset + Int64(i))
        }
    }

    /// Converts a batch's changelog output into the records a restore reads.
    func changelogRecords(_ result: TaskBatchResult) -> [Record] {
        result.changelog.enumerated().map { i, r in
            Record(topicPartition: TopicPartition(r.topic, r.partition ?? 0), offset: Offset(Int64(i)), timestampMilliseconds: 0, key: r.key, value: r.value)
        }
    }

    @Test func dedupHoldsAcrossARestoreFromTheChangelog() throws {
        let p = try pipeline()
        let first = p.makeTask(for: tp)
        let batch1 = try first.process(records([("a", 1), ("b", 2), ("a", 3)], from: 0))
        #expect(batch1.statistics.outputRecords == 2 && batch1.statistics.duplicates == 1)
        #expect(batch1.nextOffset == 3)
        first.markCommitted(batch1.nextOffset)
        // An uncommitted second batch must not reach the restored state.
        let uncommitted = try first.process(records([("c", 4)], from: 3))

        let restored = p.makeTask(for: tp)
        try restored.restore(from: changelogRecords(batch1))
        #expect(restored.restoredOffset == 3)
        #expect(restored.deduplicator(at: 2)?.entries == first.deduplicator(at: 2).map { _ in ["a": Fixtures.time(1), "b": Fixtures.time(2)] })
        restored.setCommittedOffset(restored.restoredOffset)
        let batch2 = try restored.process(records([("c", 4), ("b", 5), ("a", 6)], from: 3))
        #expect(batch2.statistics.outputRecords == 1 && batch2.statistics.duplicates == 2)
        #expect(uncommitted.statistics.outputRecords == 1)
    }

    @Test func aRestoredTaskRedoesAnAbortedBatchIdentically() throws {
        let p = try pipeline()
        let task = p.makeTask(for: tp)
        let batch1 = try task.process(records([("a", 1)], from: 0))
        task.markCommitted(batch1.nextOffset)
        #expect(task.committedOffset == 1)
        let result = try task.process(records([("b", 2), ("x", 12)], from: 1))
        #expect(result.outputs.filter { $0.topic == "win" }.count == 1)  // x closes [0,10)
        #expect(task.position == 3 && task.committedOffset == 1)
        // The batch aborted: a task restored from the committed changelog redoes it the same way.
        let restored = p.makeTask(for: tp)
        try restored.restore(from: changelogRecords(batch1))
        restored.setCommittedOffset(1)
        #expect(restored.rewindOffset == 1)
        let again = try restored.process(records([("b", 2), ("x", 12)], from: 1))
        #expect(again.outputs == result.outputs && again.changelog == result.changelog)
        // Records before the position are skipped, never counted twice.
        #expect(try restored.process(records([("b", 2)], from: 1)).statistics.inputRecords == 0)
    }

    @Test func aRecycledOutputBlockHoldsOnlyTheNextBatchsRecords() throws {
        let p = try pipeline()
        let task = p.makeTask(for: tp)
        let first = try task.process(records([("a", 1), ("b", 2)], from: 0))
        #expect(first.outputs.count == 2)
        task.markCommitted(first.nextOffset)
        task.recycle(first.outputs)
        // The caller's copy is untouched by the reuse.
        #expect(first.outputs.count == 2 && first.outputs.map(\.topic) == ["out", "out"])
        let second = try task.process(records([("c", 3)], from: 2))
        #expect(second.outputs.count == 1)
        #expect(second.outputs.first.flatMap { Fixtures.string($0.value) }?.contains(#""id":"c""#) == true)
    }

    @Test func aNeverCommittedPartitionRewindsToWhereItFirstRead() throws {
        let p = try pipeline()
        let task = p.makeTask(for: tp)
        _ = try task.process(records([("a", 1)], from: 40))
        #expect(task.rewindOffset == 40)
        let replacement = p.makeTask(for: tp)
        replacement.setCommittedOffset(nil, firstOffset: task.firstOffset)
        #expect(replacement.rewindOffset == 40)
    }

    @Test func deadLettersCarryTheReasonAndSource() throws {
        let task = try pipeline().makeTask(for: tp)
        let result = try task.process([
            Fixtures.record(#"{"id":1}"#, offset: 0), Fixtures.record("{", offset: 1), Fixtures.record(nil, offset: 2),
            Fixtures.record(#"{"id":"a"}"#, offset: 3),
        ])
        let reasons = result.deadLetters.map { Fixtures.string($0.headers.first { $0.key == "nagare.error" }?.value) }
        #expect(reasons == [
            #"field "id" must be a string, found number"#, "invalid JSON at byte 1: expected '\"' to start a field name",
            "record has no value", #"event time field "ts" is missing or not a timestamp"#,
        ])
        #expect(result.deadLetters.allSatisfy { $0.topic == "events.dlq" })
        #expect(Fixtures.string(result.deadLetters[1].headers.last?.value) == "in[0]@1")
        #expect(result.nextOffset == 4)

        let lenient = try pipeline(.logAndContinue).makeTask(for: tp)
        let skipped = try lenient.process([Fixtures.record("{", offset: 0)])
        #expect(skipped.deadLetters.isEmpty && skipped.statistics.skipped == 1 && skipped.skippedReasons.count == 1)
    }
}
