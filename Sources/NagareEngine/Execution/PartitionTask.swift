public import NagareCore

/// The work and state of one input partition: runs batches of its records through the
/// pipeline's operators without any I/O, and returns what to write.
///
/// The partition is the unit of state: dedup keys and windows of records in this partition
/// live only here, so a task can move to another process by replaying its changelog records
/// (`restore(from:)`). Each `process` returns the batch's state changes as changelog records,
/// written in the batch's transaction. State only moves forward: when a transaction aborts,
/// the batch loop replaces the task with one restored from the changelog, which holds exactly
/// the committed state, so the re-run batch counts nothing twice:
///
///     restore ──▶ process ──▶ process ──▶ (abort) ──▶ restore ──▶ process …
///                 (state and position move; `markCommitted` records what committed)
public final class PartitionTask {
    public let topicPartition: TopicPartition
    public let pipeline: Pipeline
    private let stages: [Pipeline.Stage]
    /// Where each stage's field hints start in `State.hints` (by stage position), and the
    /// event-time field's hint.
    private let hintBase: [Int]
    private let eventTimeHint: Int
    /// Everything processing changes per record. `process` moves it out of the task, works on
    /// it as a local value and moves it back: changed as properties of this class, each change
    /// was checked for exclusive access at run time (`swift_beginAccess`, ~2.5% of `process`).
    private var state: State

    private struct State: ~Copyable {
        /// State per operator index (nil for stateless operators). Arrays, not dictionaries: an
        /// element is mutated in place, where a dictionary's was copied out and back per event.
        var dedups: [Deduplicator?] = []
        var windows: [WindowAggregator?] = []
        /// The task's own handle on each enrichment (its tables as of this batch and its own
        /// cache).
        var enrichers: [Enricher.Local?] = []
        /// Reused for every output event, whose bytes are then copied into the batch's block.
        var outputBuffer = JSONBuffer(minimumCapacity: 0)
        /// The last output event, whose storage the next record's parse reuses.
        var scratchEvent = Event()
        /// The current event's window sums, reused from event to event.
        var sumValues: [Double] = []
        /// Where the fields the stages read were in the last event (`Event.FieldHint`).
        var hints: [Event.FieldHint] = []
        var position: Offset?
        var firstOffset: Offset?
    }

    /// The next offset to read as of the last commit (or restore); nil before the first.
    public private(set) var committedOffset: Offset?
    /// The next offset to read after what has been processed.
    public var position: Offset? { state.position }
    /// The next input offset recorded in the changelog, when the restore found one. The batch
    /// loop compares it with the group's committed offset: they were written in one
    /// transaction, so they differ only after someone reset the group's offsets.
    public private(set) var restoredOffset: Offset?
    /// The first offset this task ever processed, the rewind point of an abort before the
    /// first commit (when the source started at "latest", that position has moved on since).
    public var firstOffset: Offset? { state.firstOffset }
    /// An earlier batch's output block, emptied, whose memory the next batch fills: a block
    /// grows to megabytes, and growing a fresh one copies it several times and faults in new
    /// pages on every batch.
    private var spareOutputs: OutgoingRecordBlock?
    /// Blocks bigger than this are not kept for reuse (after a burst of large records).
    static let maxSpareOutputBytes = 64 << 20

    init(pipeline: Pipeline, topicPartition: TopicPartition) {
        self.pipeline = pipeline
        self.topicPartition = topicPartition
        // The task's own array (not the pipeline's, shared with tasks on other threads): walking
        // it per event then counts references on this task's buffer only.
        stages = pipeline.stages.map { $0 }
        var state = State()
        state.outputBuffer = JSONBuffer(minimumCapacity: 1024)
        state.dedups = Array(repeating: nil, count: pipeline.stages.count)
        state.windows = Array(repeating: nil, count: pipeline.stages.count)
        state.enrichers = Array(repeating: nil, count: pipeline.stages.count)
        var hintBase: [Int] = []
        var hints = 0
        for stage in pipeline.stages {
            hintBase.append(hints)
            switch stage {
            case .validate(let v): hints += v.with { $0.value.definition.required.count }
            case .dedup(let index, let d):
                state.dedups[index] = Deduplicator(d.with(\.value))
                hints += 1
            case .window(let index, let w):
                state.windows[index] = WindowAggregator(w.with(\.value))
                hints += 1 + w.with { $0.value.sums.count }
            case .enrich(let index, let e): state.enrichers[index] = e.with { $0.makeLocal() }
            default: break
            }
        }
        self.hintBase = hintBase
        eventTimeHint = hints
        state.hints = Array(repeating: Event.FieldHint(), count: hints + 1)
        self.state = state
    }

    /// Where the source must seek after an abort or a restart: the committed offset, or the
    /// first offset ever processed, or nil when nothing was (the source's start position).
    public var rewindOffset: Offset? { committedOffset ?? firstOffset }

    /// Sets the committed position, e.g. the group's committed offset at assignment, and,
    /// for a partition never committed, where an earlier task of it first read (`firstOffset`).
    public func setCommittedOffset(_ offset: Offset?, firstOffset: Offset? = nil) {
        committedOffset = offset
        state.position = offset
        if offset == nil { state.firstOffset = firstOffset }
    }

    // MARK: - Restore

    /// Rebuilds state from changelog records (in log order, as read from the changelog
    /// partition; records of other tasks are skipped). Later records win; tombstones delete.
    public func restore(from changelog: some Sequence<Record>) throws(EngineError) {
        for record in changelog {
            guard let key = record.key, let parsed = ChangelogKey.parse(key, for: topicPartition) else { continue }
            switch parsed {
            case .offset:
                restoredOffset = record.value.flatMap { StateBytes.int64($0, at: 0) }.map { Offset($0) }
            case .state(let index, let localKey):
                let change = StateChange(key: localKey, value: record.value)
                if state.dedups.indices.contains(index), state.dedups[index] != nil {
                    try state.dedups[index]!.restore(change)
                } else if state.windows.indices.contains(index), state.windows[index] != nil {
                    try state.windows[index]!.restore(change)
                } else {
                    throw EngineError(.invalidChangelog,
                        "\(topicPartition): changelog has state for operator \(index), which is not stateful in this pipeline; was the pipeline changed? Use a new pipeline name to start from empty state")
                }
            }
        }
        for index in state.dedups.indices where state.dedups[index] != nil { try state.dedups[index]!.finishRestore() }
        for index in state.windows.indices where state.windows[index] != nil { state.windows[index]!.finishRestore() }
    }

    // MARK: - Processing

    /// Runs `records` (this partition's, in offset order) through the operators. Records
    /// before `position` were already processed and are skipped, so a source that redelivers
    /// cannot cause double counting. Throws only under the `fail` error policy; the caller then
    /// aborts the batch and stops.
    public func process(_ records: some Sequence<Record>) throws(EngineError) -> TaskBatchResult {
        try process(runs: CollectionOfOne(ArraySlice(records)))
    }

    /// `process` over several runs of this partition's records, in order (the batch loop's
    /// slices of one poll). Each record is read in place: iterating a sequence copied every
    /// record out, counting its fields' references up and down (~8% of `process`).
    public func process(runs: some Collection<ArraySlice<Record>>) throws(EngineError) -> TaskBatchResult {
        var result = TaskBatchResult(topicPartition: topicPartition)
        var s = State()
        swap(&s, &state)
        defer { swap(&s, &state) }
        // Tables reload between batches: each batch starts from the current ones.
        for case .enrich(let index, let e) in stages { e.with { s.enrichers[index]!.refresh(from: $0) } }
        if var spare = spareOutputs {
            // Emptied only now: when it was handed back, the sent batch's result still referred to
            // it, and emptying a shared array allocates a new one.
            spareOutputs = nil
            spare.removeAll()
            result.outputs = consume spare
        }
        let outputTopic = pipeline.definition.sinks.output
        var closed: [WindowAggregator.Result] = []
        var closedBy: [WindowDefinition] = []
        var late: LateNotice?
        for run in runs {
            try run.withUnsafeBufferPointer { (records) throws(EngineError) in
                guard let base = records.baseAddress else { return }
                for index in 0..<records.count {
                    try step(
                        base + index, &s, outputTopic: outputTopic, into: &result, closed: &closed,
                        closedBy: &closedBy, late: &late)
                }
            }
        }
        // Even a batch whose records were all seen before writes its pending state changes
        // (e.g. blocks a restore found empty).
        result.changelog = takeChangelog(&s)
        result.nextOffset = s.position
        return result
    }

    /// One record of `process`, read through a pointer into the polled array: a `Record`
    /// argument was copied for the call (its four references counted up and down), as the
    /// compiler cannot tell that the call leaves the array's memory alone.
    private func step(
        _ record: UnsafePointer<Record>, _ s: inout State, outputTopic: String?, into result: inout TaskBatchResult,
        closed: inout [WindowAggregator.Result], closedBy: inout [WindowDefinition], late: inout LateNotice?
    ) throws(EngineError) {
        let offset = record.pointee.offset
        if let position = s.position, offset < position { return }
        if s.firstOffset == nil { s.firstOffset = offset }
        result.statistics.inputRecords += 1
        closed.removeAll(keepingCapacity: true)
        closedBy.removeAll(keepingCapacity: true)
        late = nil
        let outcome = run(
            value: record.pointee.value, timestamp: record.pointee.timestampMilliseconds, &s,
            closed: &closed, closedBy: &closedBy, late: &late)
        for (window, definition) in zip(closed, closedBy) {
            result.outputs.append(windowRecord(window, definition))
            result.statistics.windowResults += 1
        }
        if let late { routeLate(record.pointee, late, into: &result) }
        switch outcome {
        case .output(let event, let eventTime):
            if let topic = outputTopic {
                s.outputBuffer.removeAll()
                JSONWriter.write(event, into: &s.outputBuffer)
                s.outputBuffer.withUnsafeBytes {
                    result.outputs.append(
                        topic: topic, key: record.pointee.key, value: $0,
                        timestampMilliseconds: eventTime ?? record.pointee.timestampMilliseconds)
                }
            }
            s.scratchEvent = event
            result.statistics.outputRecords += 1
        case .duplicate:
            result.statistics.duplicates += 1
        case .filtered:
            result.statistics.filtered += 1
        case .rejected(let reason):
            try reject(record.pointee, reason: reason, into: &result)
        }
        s.position = offset.advanced(by: 1)
    }

    private enum RecordOutcome {
        case output(Event, eventTime: Int64?)
        case duplicate
        case filtered
        case rejected(String)
    }

    /// An event that came after all its windows closed. It still continues down the pipeline
    /// (it is a valid event, and the enriched output must hold every one); only its count in
    /// the windows is missing, which the late policy reports.
    private struct LateNotice {
        var policy: WindowDefinition.LatePolicy
        var eventTime: Int64
        var watermark: Int64
    }

    private func run(
        value: [UInt8]?, timestamp: Int64, _ s: inout State, closed: inout [WindowAggregator.Result],
        closedBy: inout [WindowDefinition], late: inout LateNotice?
    ) -> RecordOutcome {
        guard let value else { return .rejected("record has no value") }
        var event = Event()
        swap(&event, &s.scratchEvent)
        do {
            try JSONScanner.parseEvent(value, reusing: &event)
        } catch {
            return .rejected(error.description)
        }
        var eventTime: Int64?
        /// The event time as the validator parsed it, so that dedup and windows need not again.
        var checkedTime: Int64?
        for (position, stage) in stages.enumerated() {
            switch stage {
            case .parse:
                continue
            case .validate(let validator):
                let timeField = pipeline.definition.eventTimeField
                let base = hintBase[position]
                if let reason = validator.with({
                    $0.value.check(event, timestampField: timeField, timestamp: &checkedTime, hints: &s.hints, from: base)
                }) {
                    return .rejected(reason)
                }
            case .dedup(let index, let d):
                let keyField = d.with { $0.value.keyField }
                guard let key = event.value(of: keyField, hint: &s.hints[hintBase[position]]).flatMap(Enricher.keyText) else {
                    return .rejected("dedup key field \"\(keyField)\" is missing or not a string or integer")
                }
                guard let time = eventTime ?? checkedTime ?? self.eventTime(of: event, timestamp, &s) else {
                    return .rejected(missingEventTimeReason)
                }
                eventTime = time
                if s.dedups[index]!.isDuplicate(key: key, eventTime: time) { return .duplicate }
            case .enrich(let index, _):
                s.enrichers[index]!.enrich(&event)
            case .filter(let filter):
                if !filter.with({ $0.value.keeps(event) }) { return .filtered }
            case .project(let projector):
                projector.with { $0.value.apply(to: &event) }
            case .window(let index, let w):
                let keyField = w.with { $0.value.keyField }
                let base = hintBase[position]
                guard let key = event.value(of: keyField, hint: &s.hints[base]).flatMap(Enricher.keyText) else {
                    return .rejected("window key field \"\(keyField)\" is missing or not a string or integer")
                }
                guard let time = eventTime ?? checkedTime ?? self.eventTime(of: event, timestamp, &s) else {
                    return .rejected(missingEventTimeReason)
                }
                eventTime = time
                // One array for every event's sums: a window keeps its own copy when it opens.
                s.sumValues.removeAll(keepingCapacity: true)
                w.with {
                    for (i, field) in $0.value.sums.enumerated() {
                        s.sumValues.append(event.value(of: field, hint: &s.hints[base + 1 + i])?.numberValue ?? 0)
                    }
                }
                let before = closed.count
                let outcome = s.windows[index]!.add(key: key, eventTime: time, values: s.sumValues, closed: &closed)
                if closed.count > before {
                    closedBy.append(contentsOf: repeatElement(w.with(\.value), count: closed.count - before))
                }
                switch outcome {
                case .counted:
                    break
                case .late:
                    late = LateNotice(policy: w.with(\.value.late), eventTime: time, watermark: s.windows[index]!.watermark)
                case .stateFull:
                    return .rejected("window state full: more than \(w.with(\.value.maxOpenWindows)) open windows (window.maxOpenWindows)")
                }
            }
        }
        return .output(event, eventTime: eventTime)
    }

    private var missingEventTimeReason: String {
        "event time field \"\(pipeline.definition.eventTimeField ?? "")\" is missing or not a timestamp"
    }

    /// `timestamp`: the record's Kafka timestamp, used when the pipeline names no event-time field.
    private func eventTime(of event: Event, _ timestamp: Int64, _ s: inout State) -> Int64? {
        guard let field = pipeline.definition.eventTimeField else { return timestamp }
        return EventTimestamp.milliseconds(ofField: field, in: event, hint: &s.hints[eventTimeHint])
    }

    private func reject(_ record: Record, reason: String, into result: inout TaskBatchResult) throws(EngineError) {
        switch pipeline.definition.execution.errorPolicy {
        case .deadLetter:
            result.deadLetters.append(deadLetter(record, reason: reason, topic: pipeline.definition.sinks.deadLetter))
            result.statistics.deadLettered += 1
        case .logAndContinue:
            result.statistics.skipped += 1
            result.skippedReasons.append("\(topicPartition)@\(record.offset): \(reason)")
        case .fail:
            throw EngineError(.recordFailed, "\(topicPartition)@\(record.offset): \(reason) (errorPolicy: fail)")
        }
    }

    private func deadLetter(_ record: Record, reason: String, topic: String) -> OutgoingRecord {
        var headers = record.headers
        headers.append(RecordHeader(key: "nagare.error", string: reason))
        headers.append(RecordHeader(key: "nagare.source", string: "\(topicPartition)@\(record.offset)"))
        return OutgoingRecord(
            topic: topic, key: record.key, value: record.value, headers: headers,
            timestampMilliseconds: record.timestampMilliseconds)
    }

    private func routeLate(_ record: Record, _ late: LateNotice, into result: inout TaskBatchResult) {
        result.statistics.lateEvents += 1
        let reason = "late event: event time \(EventTimestamp.format(milliseconds: late.eventTime)) is behind "
            + "the watermark \(EventTimestamp.format(milliseconds: late.watermark)) beyond the allowed lateness; not counted in windows"
        switch late.policy {
        case .deadLetter:
            result.deadLetters.append(deadLetter(record, reason: reason, topic: pipeline.definition.sinks.deadLetter))
        case .sideTopic(let topic):
            result.outputs.append(deadLetter(record, reason: reason, topic: topic))
        case .drop:
            break
        }
    }

    private func windowRecord(_ window: WindowAggregator.Result, _ w: WindowDefinition) -> OutgoingRecord {
        // `validate()` guarantees a window sink when there is a window operator.
        let topic = pipeline.definition.sinks.windows ?? "metrics"
        var event = Event()
        event[w.keyField] = .string(window.key)
        event["window_start"] = .string(EventTimestamp.format(milliseconds: window.start))
        event["window_end"] = .string(EventTimestamp.format(milliseconds: window.end))
        event["count"] = .integer(window.count)
        for (name, sum) in zip(w.sums, window.sums) { event["\(name)_sum"] = .double(sum) }
        return OutgoingRecord(
            topic: topic, key: Array(window.key.utf8), value: JSONWriter.write(event),
            timestampMilliseconds: window.end)
    }

    private func takeChangelog(_ s: inout State) -> OutgoingRecordBlock {
        let topic = pipeline.definition.changelogTopic
        let partition = topicPartition.partition
        var records = OutgoingRecordBlock()
        for index in s.dedups.indices where s.dedups[index] != nil {
            for change in s.dedups[index]!.takeChanges() {
                records.append(OutgoingRecord(
                    topic: topic, partition: partition,
                    key: ChangelogKey.operatorKey(topicPartition, operatorIndex: index, localKey: change.key),
                    value: change.value))
            }
        }
        for index in s.windows.indices where s.windows[index] != nil {
            for change in s.windows[index]!.takeChanges() {
                records.append(OutgoingRecord(
                    topic: topic, partition: partition,
                    key: ChangelogKey.operatorKey(topicPartition, operatorIndex: index, localKey: change.key),
                    value: change.value))
            }
        }
        if let position = s.position {
            records.append(OutgoingRecord(
                topic: topic, partition: partition, key: ChangelogKey.offsetKey(topicPartition),
                value: StateBytes.encode(position.rawValue)))
        }
        return records
    }

    /// Hands back a batch's output block once it was sent (the sink has copied the records),
    /// for the next batch to reuse. Called between batches, never while `process` runs.
    public func recycle(_ outputs: OutgoingRecordBlock) {
        guard outputs.bytes.capacity <= Self.maxSpareOutputBytes else { return }
        spareOutputs = outputs
    }

    // MARK: - Commit

    /// The transaction of a batch that ended at `nextOffset` committed.
    public func markCommitted(_ nextOffset: Offset?) {
        if let nextOffset { committedOffset = nextOffset }
    }

    // MARK: - Inspection

    /// The dedup state of the operator at `operatorIndex`, for tests and status.
    public func deduplicator(at operatorIndex: Int) -> Deduplicator? {
        state.dedups.indices.contains(operatorIndex) ? state.dedups[operatorIndex] : nil
    }

    /// The window state of the operator at `operatorIndex`, for tests and status.
    public func windowAggregator(at operatorIndex: Int) -> WindowAggregator? {
        state.windows.indices.contains(operatorIndex) ? state.windows[operatorIndex] : nil
    }
}
