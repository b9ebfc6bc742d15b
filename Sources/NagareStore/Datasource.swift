import NagareCore
import Synchronization

/// One datasource's ingestion and its in-memory index.
///
/// Two locks with separate jobs: `writer` serialises ingestion and owns what only ingestion
/// needs (the string → id dictionaries it assigns from, and per-segment maps from rollup key to
/// row); `index` guards the snapshot queries copy out. Ingestion holds `index` only to copy it
/// (planning) and to apply a committed batch, both O(batch), so queries never wait on SQLite.
final class Datasource: Sendable {
    let spec: DatasourceSpec
    let id: Int64
    let database: RollupDatabase
    let index: Mutex<IndexSnapshot>
    let writer: Mutex<WriterState>
    /// Test hook: lets a test fail a commit at a chosen phase.
    let fault: Mutex<(@Sendable (RollupDatabase.CommitPhase) throws -> Void)?> = Mutex(nil)

    struct WriterState: Sendable {
        var dictionaries: [DimensionDictionary]
        /// Per segment start: rollup key → row index, and the segment's row count. Built on the
        /// first write into a segment, so a freshly loaded store pays only for segments it touches.
        var locators: [Int64: Locator] = [:]
    }

    struct Locator: Sendable {
        var rows: [RollupKey: Int] = [:]
        var count = 0
    }

    init(spec: DatasourceSpec, database: RollupDatabase) throws(StoreError) {
        self.spec = spec
        self.database = database
        id = try database.prepare(spec)
        let snapshot = try database.load(id: id, spec: spec)
        index = Mutex(snapshot)
        writer = Mutex(WriterState(dictionaries: snapshot.dictionaries))
    }

    func snapshot() -> IndexSnapshot { index.withLock { $0 } }

    func storedOffsets() throws(StoreError) -> [TopicPartition: Offset] {
        try database.storedOffsets(id: id)
    }

    func ingest(_ records: [Record], nextOffsets: [TopicPartition: Offset]?) throws(StoreError) -> IngestResult {
        try writer.withLock { (state: inout WriterState) throws(StoreError) -> IngestResult in
            var result = IngestResult()
            let layout = MetricLayout(spec.metrics)
            let parser = EventParser(spec: spec, layout: layout)
            let counts = state.dictionaries.map(\.count)

            // 1. Parse and roll up the batch, assigning ids for new dimension values.
            var batch: [RollupKey: RowValues] = [:]
            var offsets: [TopicPartition: Offset] = [:]
            for record in records {
                let next = record.offset.advanced(by: 1)
                if offsets[record.topicPartition].map({ $0 < next }) ?? true { offsets[record.topicPartition] = next }
                switch parser.parse(record) {
                case .failure(let malformed):
                    result.malformed += 1
                    if result.malformedSamples.count < IngestResult.sampleLimit { result.malformedSamples.append(malformed) }
                case .success(let event):
                    result.accepted += 1
                    var ids = [UInt32](repeating: 0, count: event.dimensions.count)
                    for (d, value) in event.dimensions.enumerated() { ids[d] = state.dictionaries[d].intern(value) }
                    let key = RollupKey(time: event.time, dimensions: ids)
                    if var existing = batch[key] {
                        batch[key] = nil  // keep the sketches uniquely referenced while merging
                        layout.merge(event.values, into: &existing)
                        batch[key] = existing
                    } else {
                        batch[key] = event.values
                    }
                }
            }
            if let nextOffsets { offsets.merge(nextOffsets) { _, explicit in explicit } }

            // 2. Merge with existing rows into final row states.
            var newValues: [[String]] = []
            for (d, dictionary) in state.dictionaries.enumerated() {
                newValues.append(dictionary.values[counts[d]...].map { $0 ?? "" })
            }
            var plan = IngestPlan(newDictionaryValues: newValues, writes: [])
            makeWrites(batch: batch, layout: layout, locators: &state.locators, plan: &plan)

            // 3. Commit rows and offsets together; on failure forget the batch's new ids.
            do throws(StoreError) {
                try database.commit(
                    id: id, spec: spec, layout: layout, plan: plan, dictionaryCounts: counts,
                    offsets: offsets, fault: fault.withLock { $0 })
            } catch {
                for d in state.dictionaries.indices { state.dictionaries[d].truncate(to: counts[d]) }
                // The locators already hold this batch's new rows; rather than undo them one by
                // one, drop them all: they are rebuilt from the (unchanged) index on demand.
                state.locators = [:]
                throw error
            }

            // 4. Publish.
            index.withLock { $0.apply(plan) }
            result.rowsWritten = plan.writes.count
            result.committedOffsets = offsets
            return result
        }
    }

    /// Turns the batch's rollup into row writes, merging into rows that already exist (late
    /// events land in their old bucket). Reads the current snapshot; the copy is dropped when
    /// this returns, before the batch is applied, so applying does not copy the arrays.
    private func makeWrites(
        batch: [RollupKey: RowValues], layout: MetricLayout, locators: inout [Int64: Locator],
        plan: inout IngestPlan
    ) {
        let snapshot = self.snapshot()
        plan.writes.reserveCapacity(batch.count)
        // Time order keeps appended rows roughly sorted and the output deterministic.
        for (key, delta) in batch.sorted(by: { $0.key.time < $1.key.time }) {
            let start = snapshot.segmentStart(for: key.time)
            if locators[start] == nil {
                var locator = Locator()
                let (position, found) = snapshot.segmentPosition(start: start)
                if found {
                    let segment = snapshot.segments[position]
                    locator.count = segment.rowCount
                    locator.rows.reserveCapacity(segment.rowCount)
                    for row in 0..<segment.rowCount { locator.rows[segment.key(row: row)] = row }
                }
                locators[start] = locator
            }
            var write = IngestPlan.RowWrite(key: key, values: delta, encodedSketches: [], row: nil, position: 0)
            if let row = locators[start]!.rows[key] {
                let (position, _) = snapshot.segmentPosition(start: start)
                var merged = snapshot.segments[position].values(row: row)
                layout.merge(delta, into: &merged)
                write.values = merged
                write.row = row
                write.position = row
            } else {
                write.position = locators[start]!.count
                locators[start]!.rows[key] = locators[start]!.count
                locators[start]!.count += 1
            }
            write.encodedSketches = write.values.sketches.map { $0.encoded() }
            plan.writes.append(write)
        }
    }
}
