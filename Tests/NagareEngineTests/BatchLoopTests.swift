import NagareCore
import NagareEngine
import Testing

/// The example pipeline end to end through the batch loop over the in-memory broker: a
/// TopologyTestDriver-style harness with a manual clock and no broker.
@Suite struct BatchLoopTests {
    let partitions = (0..<AccessLogsScenario.partitions).map { TopicPartition("events.raw", $0) }

    func makeKafka(_ scenario: AccessLogsScenario) -> InMemoryKafka {
        let kafka = InMemoryKafka(defaultPartitions: AccessLogsScenario.partitions)
        kafka.createTopic("events.raw", partitions: AccessLogsScenario.partitions)
        kafka.produce(scenario.outgoing)
        return kafka
    }

    func makeLoop(
        _ kafka: InMemoryKafka, sink: InMemoryTransactionalSink? = nil, batch: Int = 37, parallelism: Int = 0
    ) async throws -> BatchLoop {
        var definition = try PipelineDefinition.load(path: Fixtures.exampleDirectory + "/pipeline.yml")
        definition.execution.maxRecordsPerBatch = batch
        definition.execution.parallelism = parallelism
        let clock = ManualClock()
        let pipeline = try Pipeline(definition, now: clock.now)
        let source = kafka.makeSource(group: definition.source.group)
        source.maxRecordsPerPartition = 13
        let loop = BatchLoop(
            pipeline: pipeline, source: source, sink: sink ?? kafka.makeSink(transactionalID: "access-logs-0"),
            changelogReader: kafka, clock: clock.engineClock)
        try await loop.assign(partitions)
        return loop
    }

    /// Runs batches until one is idle.
    func drain(_ loop: BatchLoop) async throws {
        var idle = 0
        while idle < 2 {
            if try await loop.runBatch() == .idle { idle += 1 } else { idle = 0 }
        }
    }

    /// The records of each output partition per key, in order: what a consumer can rely on.
    /// Parts of a batch are sent as their tasks finish, so records of different keys (from
    /// different input partitions) may interleave differently from run to run.
    func perKey(_ kafka: InMemoryKafka) -> [String: [String]] {
        var result: [String: [String]] = [:]
        for topic in ["events.enriched", "metrics.site_minute", "events.dlq"] {
            for record in kafka.records(topic) {
                result["\(record.topicPartition) \(Fixtures.string(record.key))", default: []].append(
                    "\(Fixtures.string(record.value)) \(Fixtures.header(record, "nagare.error") ?? "")")
            }
        }
        return result
    }

    /// Tasks processed side by side write exactly what one-by-one processing writes, each key's
    /// records in the same order.
    @Test func parallelTasksWriteWhatSequentialTasksWrite() async throws {
        let scenario = AccessLogsScenario(events: 600)
        var snapshots: [[String: [String]]] = []
        for parallelism in [1, 3, 8] {
            let kafka = makeKafka(scenario)
            let loop = try await makeLoop(kafka, batch: 200, parallelism: parallelism)
            try await drain(loop)
            snapshots.append(perKey(kafka))
        }
        #expect(snapshots[0].keys.contains { $0.hasPrefix("events.enriched") })
        #expect(snapshots[1] == snapshots[0])
        #expect(snapshots[2] == snapshots[0])
    }

    @Test func theExamplePipelineEndToEnd() async throws {
        let scenario = AccessLogsScenario(events: 400)
        let kafka = makeKafka(scenario)
        let loop = try await makeLoop(kafka)
        try await drain(loop)
        let expected = scenario.expected()

        // Enriched output: every distinct valid event once, per-key order kept, enriched.
        var outputIDs: [Int32: [String]] = [:]
        for record in kafka.records("events.enriched") {
            let event = try JSONScanner.parseEvent(record.value ?? [])
            outputIDs[InMemoryKafka.partition(for: record.key, count: 3), default: []].append(event["event_id"]?.stringValue ?? "")
            if event["site_id"] == .string("s99") {
                #expect(event["site_name"] == .string("unknown") && event["account"] == .string("unknown"))
            } else {
                #expect(event["site_name"]?.stringValue?.isEmpty == false && event["site_name"] != .string("unknown"))
            }
            if event["ip"] == .string("100.64.0.1") { #expect(event["country"] == .string("unknown")) }
            if event["ip"] == .string("203.0.113.9") { #expect(event["country"] == .string("GB")) }
            #expect(event["device"] != nil && event["browser"] != nil && event["os"] != nil)
        }
        #expect(outputIDs == expected.outputIDs)
        let distinctValid = Set(scenario.inputs.filter { !$0.malformed }.compactMap(\.eventID))
        #expect(outputIDs.values.reduce(0) { $0 + $1.count } == distinctValid.count)

        // Window results equal the reference.
        var windows: [String: (count: Int64, revenue: Double)] = [:]
        for record in kafka.records("metrics.site_minute") {
            let event = try JSONScanner.parseEvent(record.value ?? [])
            let start = EventTimestamp.parseMilliseconds(event["window_start"]?.stringValue ?? "") ?? -1
            let key = "\(event["site_id"]?.stringValue ?? "")@\(start)"
            #expect(windows[key] == nil, "window \(key) emitted twice")
            windows[key] = (event["count"].flatMap { if case .integer(let n) = $0 { n } else { nil } } ?? -1,
                            event["revenue_sum"]?.numberValue ?? -1)
        }
        #expect(!windows.isEmpty)
        #expect(Set(windows.keys) == Set(expected.windows.keys))
        for (key, value) in expected.windows {
            #expect(windows[key]?.count == value.count, "\(key)")
            #expect(abs((windows[key]?.revenue ?? -1) - value.revenue) < 1e-9, "\(key)")
        }

        // Dead letters: the malformed records and the late events, each with a reason.
        let deadLetters = kafka.records("events.dlq")
        #expect(deadLetters.count == expected.deadLetterCount)
        #expect(deadLetters.filter { Fixtures.header($0, "nagare.error")?.hasPrefix("late event") == true }.count == expected.lateCount)
        #expect(expected.lateCount > 0)
        #expect(deadLetters.allSatisfy { Fixtures.header($0, "nagare.error") != nil && Fixtures.header($0, "nagare.source") != nil })
        #expect(deadLetters.contains { Fixtures.header($0, "nagare.error")?.contains("invalid JSON at byte") == true })
        #expect(deadLetters.contains { Fixtures.header($0, "nagare.error")?.contains(#"field "ts" must be"#) == true })

        // Offsets committed to the end; statistics add up.
        for tp in partitions { #expect(kafka.committedOffsets(group: "nagare.access-logs")[tp] == kafka.endOffset(tp)) }
        #expect(loop.statistics.inputRecords == scenario.inputs.count)
        #expect(loop.statistics.duplicates == scenario.inputs.filter(\.isDuplicate).count)
    }

    /// The batch read ahead while the last one committed is committed by `finish`, so a stop
    /// leaves nothing processed and uncommitted.
    @Test func aStopCommitsTheBatchReadAhead() async throws {
        let scenario = AccessLogsScenario(events: 300, seed: 3)
        let kafka = makeKafka(scenario)
        let loop = try await makeLoop(kafka)
        try await loop.run(until: { loop.committedBatches >= 3 })
        #expect(loop.committedBatches == 4)  // three by runBatch, the read-ahead by finish
        let committed = kafka.committedOffsets(group: loop.pipeline.definition.source.group)
        for tp in partitions {
            let task = try #require(loop.tasks[tp])
            #expect(task.committedOffset == task.position)
            #expect(committed[tp] == task.position)
        }
        #expect(try await loop.finish() == nil)
        // What was committed is what was counted: every record up to the committed offsets.
        #expect(loop.statistics.inputRecords == committed.values.reduce(0) { $0 + Int($1.rawValue) })
    }

    @Test func abortedBatchesAreRetriedWithoutDuplicates() async throws {
        let scenario = AccessLogsScenario(events: 300, seed: 11)
        let reference = makeKafka(scenario)
        try await drain(try await makeLoop(reference))

        let kafka = makeKafka(scenario)
        let sink = kafka.makeSink(transactionalID: "access-logs-0")
        var calls = 0
        // Fail every 29th operation (sends, offsets, commits alike; a batch has about 12) as abortable.
        sink.injectFault = { operation in
            guard operation != .abort else { return nil }
            calls += 1
            return calls % 29 == 0 ? EngineError(.transactionAbortable, "injected at \(operation)") : nil
        }
        let loop = try await makeLoop(kafka, sink: sink)
        var aborted = 0
        loop.onEvent = { if case .aborted = $0 { aborted += 1 } }
        try await drain(loop)
        #expect(aborted > 3)
        #expect(sink.aborts == aborted)
        #expect(perKey(kafka) == perKey(reference))
        #expect(loop.statistics.inputRecords == scenario.inputs.count)
    }

    @Test func aCrashedProcessIsReplacedAndRestoresItsStateFromTheChangelog() async throws {
        let scenario = AccessLogsScenario(events: 300, seed: 5)
        let reference = makeKafka(scenario)
        try await drain(try await makeLoop(reference))

        let kafka = makeKafka(scenario)
        for crashAfter in [3, 2, 2] {
            // A process runs a few batches, then dies mid-batch: records sent, never committed.
            let sink = kafka.makeSink(transactionalID: "access-logs-0")
            var commits = 0
            sink.injectFault = { operation in
                if operation == .commit { commits += 1 }
                return commits > crashAfter && operation == .commit ? EngineError(.ioFailed, "process killed") : nil
            }
            let loop = try await makeLoop(kafka, sink: sink)
            await #expect(throws: EngineError.self) { try await drain(loop) }
        }
        // The replacement restores dedup keys and open windows and finishes the input.
        let loop = try await makeLoop(kafka)
        let task = try #require(loop.tasks[partitions[0]])
        #expect((task.deduplicator(at: 2)?.keyCount ?? 0) > 0)
        #expect(task.restoredOffset == task.committedOffset)
        try await drain(loop)
        #expect(perKey(kafka) == perKey(reference))
    }

    /// Reads changelogs through `InMemoryKafka`, recording the partitions of each request.
    final class CountingChangelogReader: ChangelogReader {
        let kafka: InMemoryKafka
        var requests: [[Int32]] = []
        init(_ kafka: InMemoryKafka) { self.kafka = kafka }
        func readChangelog(topic: String, partition: Int32) async throws -> [Record] {
            requests.append([partition])
            return try await kafka.readChangelog(topic: topic, partition: partition)
        }
        func readChangelogs(topic: String, partitions: [Int32]) async throws -> [Int32: [Record]] {
            requests.append(partitions)
            var out: [Int32: [Record]] = [:]
            for p in partitions { out[p] = try await kafka.readChangelog(topic: topic, partition: p) }
            return out
        }
    }

    @Test func anAssignmentReadsAllItsChangelogPartitionsInOneRequest() async throws {
        let kafka = makeKafka(AccessLogsScenario(events: 300, seed: 9))
        try await drain(try await makeLoop(kafka))
        var definition = try PipelineDefinition.load(path: Fixtures.exampleDirectory + "/pipeline.yml")
        definition.execution.maxRecordsPerBatch = 37
        let reader = CountingChangelogReader(kafka)
        let loop = BatchLoop(
            pipeline: try Pipeline(definition, now: ManualClock().now), source: kafka.makeSource(group: definition.source.group),
            sink: kafka.makeSink(transactionalID: "access-logs-0"), changelogReader: reader, clock: ManualClock().engineClock)
        try await loop.assign(partitions)
        #expect(reader.requests == [partitions.map(\.partition)])
        for tp in partitions {
            let task = try #require(loop.tasks[tp])
            #expect((task.deduplicator(at: 2)?.keyCount ?? 0) > 0, "\(tp)")
            #expect(task.restoredOffset != nil && task.restoredOffset == task.committedOffset, "\(tp)")
        }
    }

    @Test func aFencedProcessStops() async throws {
        let scenario = AccessLogsScenario(events: 50)
        let kafka = makeKafka(scenario)
        let zombie = try await makeLoop(kafka, batch: 10)
        #expect(try await zombie.runBatch() != .idle)
        _ = kafka.makeSink(transactionalID: "access-logs-0")  // a new owner starts
        await #expect {
            _ = try await zombie.runBatch()
        } throws: { error in
            (error as? EngineError)?.code == .fenced
        }
    }

    @Test func failPolicyStopsWithTheReasonAndCommitsNothingOfTheBatch() async throws {
        let kafka = InMemoryKafka()
        kafka.produce([OutgoingRecord(topic: "in", key: nil, value: #"{"a":1}"#), OutgoingRecord(topic: "in", key: nil, value: "oops")])
        let definition = try PipelineBuilder("strict").source(topics: ["in"]).parseJSON().sinks(output: "out")
            .execution(ExecutionSettings(errorPolicy: .fail)).build()
        let loop = BatchLoop(pipeline: try Pipeline(definition), source: kafka.makeSource(group: "g"),
                             sink: kafka.makeSink(transactionalID: "t"), changelogReader: kafka, clock: ManualClock().engineClock)
        try await loop.assign([TopicPartition("in", 0)])
        await #expect {
            _ = try await loop.runBatch()
        } throws: { error in
            let error = error as? EngineError
            return error?.code == .recordFailed && error?.message.contains("in[0]@1: invalid JSON at byte 0") == true
        }
        #expect(kafka.records("out").isEmpty)
        #expect(kafka.committedOffsets(group: "g").isEmpty)
    }
}
