import Foundation
import GRDB
import NagareCore

/// The system of record: SQLite through GRDB in WAL mode with `synchronous = FULL`, so a
/// committed batch survives a crash and a power loss.
///
/// Tables: `datasources` (id, name, schema fingerprint), `offsets` (next offset per datasource,
/// topic and partition), and per datasource `dict_<id>` (dimension value ids) and `rows_<id>`
/// (time, one id column per dimension, one column per metric; sketches as BLOBs in
/// `HyperLogLog`'s encoding). A batch's dictionary entries, rows and offsets are written in one
/// transaction: that is the whole exactly-once argument for the store.
final class RollupDatabase: Sendable {
    let queue: DatabaseQueue

    /// Where a test may make a commit fail, to check that nothing of the batch is kept.
    enum CommitPhase: Sendable { case afterRows, afterOffsets }

    init(path: String) throws(StoreError) {
        var configuration = Configuration()
        configuration.journalMode = .wal
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        do {
            queue = try DatabaseQueue(path: path, configuration: configuration)
            try queue.write { db in
                try db.execute(sql: """
                    CREATE TABLE IF NOT EXISTS datasources(
                        id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, schema TEXT NOT NULL);
                    CREATE TABLE IF NOT EXISTS offsets(
                        datasource INTEGER NOT NULL, topic TEXT NOT NULL, partition INTEGER NOT NULL,
                        next_offset INTEGER NOT NULL, PRIMARY KEY(datasource, topic, partition)) WITHOUT ROWID;
                    """)
            }
        } catch {
            throw StoreError(.database, "cannot open the store database at \(path)", cause: error)
        }
    }

    /// The schema a spec needs, as text: stored with the data so that reopening with changed
    /// dimensions, metrics or granularity is refused instead of misreading columns.
    static func fingerprint(_ spec: DatasourceSpec) -> String {
        let metrics = spec.metrics.map { "\($0.name):\($0.kind.rawValue)(\($0.field ?? ""))" }
        return "v1;granularity=\(spec.granularity.rawValue);dimensions=\(spec.dimensions.joined(separator: ","));metrics=\(metrics.joined(separator: ","))"
    }

    /// Creates the datasource's tables if new, checks the fingerprint otherwise; returns its id.
    func prepare(_ spec: DatasourceSpec) throws(StoreError) -> Int64 {
        let fingerprint = Self.fingerprint(spec)
        let result: Result<Int64, StoreError>
        do {
            result = try queue.write { db -> Result<Int64, StoreError> in
                if let row = try Row.fetchOne(db, sql: "SELECT id, schema FROM datasources WHERE name = ?", arguments: [spec.name]) {
                    let stored: String = row["schema"]
                    guard stored == fingerprint else {
                        return .failure(StoreError(.schemaMismatch, """
                            datasource '\(spec.name)': the data directory was written with a different spec \
                            (stored \(stored); now \(fingerprint)); use a new --data-dir or restore the old spec
                            """))
                    }
                    return .success(row["id"])
                }
                try db.execute(sql: "INSERT INTO datasources(name, schema) VALUES (?, ?)", arguments: [spec.name, fingerprint])
                let id = db.lastInsertedRowID
                let dimensionColumns = spec.dimensions.indices.map { "d\($0) INTEGER NOT NULL" }
                let metricColumns = spec.metrics.enumerated().map { i, m in
                    switch m.kind {
                    case .count, .longSum: "m\(i) INTEGER NOT NULL"
                    case .doubleSum, .min, .max: "m\(i) REAL"
                    case .hyperUnique: "m\(i) BLOB NOT NULL"
                    }
                }
                let key = (["time"] + spec.dimensions.indices.map { "d\($0)" }).joined(separator: ", ")
                try db.execute(sql: """
                    CREATE TABLE dict_\(id)(dim INTEGER NOT NULL, id INTEGER NOT NULL, value TEXT NOT NULL,
                        PRIMARY KEY(dim, id)) WITHOUT ROWID;
                    CREATE TABLE rows_\(id)(\((["time INTEGER NOT NULL"] + dimensionColumns + metricColumns + ["pos INTEGER NOT NULL"]).joined(separator: ", ")),
                        PRIMARY KEY(\(key))) WITHOUT ROWID;
                    """)
                return .success(id)
            }
        } catch {
            throw StoreError(.database, "datasource '\(spec.name)': cannot create its tables", cause: error)
        }
        return try result.get()
    }

    /// Reads the whole datasource into a fresh index: dictionaries first (ids as stored), then
    /// the rows in time order.
    func load(id: Int64, spec: DatasourceSpec) throws(StoreError) -> IndexSnapshot {
        var snapshot = IndexSnapshot(spec: spec)
        let layout = snapshot.layout
        let dimensionCount = spec.dimensions.count
        do {
            try queue.read { db in
                let dictionary = try Row.fetchCursor(db, sql: "SELECT dim, id, value FROM dict_\(id) ORDER BY dim, id")
                while let row = try dictionary.next() {
                    let dim: Int = row[0]
                    let value: String = row[2]
                    guard dim < dimensionCount, snapshot.dictionaries[dim].restore(id: row[1], value: value) else {
                        throw StoreError(.database, "datasource '\(spec.name)': dictionary table dict_\(id) is inconsistent")
                    }
                }
                // Rows come in key order; each segment is rebuilt in its stored row order.
                var pending: [(position: Int, key: RollupKey, values: RowValues, encoded: [[UInt8]])] = []
                var pendingStart: Int64?
                func flush() {
                    guard let start = pendingStart else { return }
                    var segment = Segment(start: start, end: start + snapshot.segmentMilliseconds,
                                          slotMilliseconds: spec.granularity.milliseconds,
                                          layout: layout, dimensionCount: dimensionCount)
                    pending.sort { $0.position < $1.position }
                    for row in pending { segment.append(key: row.key, values: row.values, encodedSketches: row.encoded) }
                    snapshot.segments.append(segment)
                    pending.removeAll(keepingCapacity: true)
                }
                let positionColumn = 1 + dimensionCount + spec.metrics.count
                let rows = try Row.fetchCursor(db, sql: "SELECT * FROM rows_\(id) ORDER BY time")
                while let row = try rows.next() {
                    let time: Int64 = row[0]
                    var dims = [UInt32](repeating: 0, count: dimensionCount)
                    for d in 0..<dimensionCount { dims[d] = row[1 + d] }
                    var values = layout.emptyValues()
                    var encoded: [[UInt8]] = Array(repeating: [], count: layout.sketchCount)
                    for (i, slot) in layout.slots.enumerated() {
                        let column = 1 + dimensionCount + i
                        switch slot {
                        case .long(let k): values.longs[k] = row[column]
                        case .double(let k):
                            if let v: Double = row[column] { values.doubles[k] = v }
                        case .sketch(let k):
                            let data: [UInt8] = Array((row[column] as Data?) ?? Data())
                            encoded[k] = HyperLogLog(encoded: data) != nil ? data : HyperLogLog().encoded()
                        }
                    }
                    let start = snapshot.segmentStart(for: time)
                    if pendingStart != start {
                        flush()
                        pendingStart = start
                    }
                    pending.append((row[positionColumn], RollupKey(time: time, dimensions: dims), values, encoded))
                }
                flush()
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.database, "datasource '\(spec.name)': cannot load its rows", cause: error)
        }
        return snapshot
    }

    func storedOffsets(id: Int64) throws(StoreError) -> [TopicPartition: Offset] {
        do {
            return try queue.read { db in
                var result: [TopicPartition: Offset] = [:]
                for row in try Row.fetchAll(db, sql: "SELECT topic, partition, next_offset FROM offsets WHERE datasource = ?", arguments: [id]) {
                    result[TopicPartition(row[0], row[1])] = Offset(row[2])
                }
                return result
            }
        } catch {
            throw StoreError(.database, "cannot read the stored offsets", cause: error)
        }
    }

    /// Writes a batch in one transaction: new dictionary values, rows (`INSERT OR REPLACE` with
    /// the already merged values), offsets. Either all of it is durable or none.
    func commit(
        id: Int64, spec: DatasourceSpec, layout: MetricLayout, plan: IngestPlan, dictionaryCounts: [Int],
        offsets: [TopicPartition: Offset], fault: (@Sendable (CommitPhase) throws -> Void)?
    ) throws(StoreError) {
        do {
            try queue.write { db in
                let dictionary = try db.cachedStatement(sql: "INSERT INTO dict_\(id)(dim, id, value) VALUES (?, ?, ?)")
                for (d, values) in plan.newDictionaryValues.enumerated() {
                    for (k, value) in values.enumerated() {
                        try dictionary.execute(arguments: [d, dictionaryCounts[d] + k, value])
                    }
                }
                let columnCount = 1 + spec.dimensions.count + spec.metrics.count + 1
                let placeholders = Array(repeating: "?", count: columnCount).joined(separator: ", ")
                let upsert = try db.cachedStatement(sql: "INSERT OR REPLACE INTO rows_\(id) VALUES (\(placeholders))")
                for write in plan.writes {
                    var arguments: [(any DatabaseValueConvertible)?] = [write.key.time]
                    arguments.reserveCapacity(columnCount)
                    for v in write.key.dimensions { arguments.append(Int64(v)) }
                    for slot in layout.slots {
                        switch slot {
                        case .long(let k): arguments.append(write.values.longs[k])
                        case .double(let k):
                            let v = write.values.doubles[k]
                            arguments.append(v.isFinite ? v : nil)
                        case .sketch(let k): arguments.append(Data(write.encodedSketches[k]))
                        }
                    }
                    arguments.append(write.position)
                    try upsert.execute(arguments: StatementArguments(arguments))
                }
                try fault?(.afterRows)
                let offset = try db.cachedStatement(sql: "INSERT OR REPLACE INTO offsets(datasource, topic, partition, next_offset) VALUES (?, ?, ?, ?)")
                for (tp, next) in offsets {
                    try offset.execute(arguments: [id, tp.topic, tp.partition, next.rawValue])
                }
                try fault?(.afterOffsets)
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.database, "datasource '\(spec.name)': the batch could not be committed", cause: error)
        }
    }
}

