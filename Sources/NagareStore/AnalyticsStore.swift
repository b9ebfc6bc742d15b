import Foundation
public import NagareCore

/// Nagare's analytics store: Druid's role on one machine. It rolls Kafka records up into
/// datasources, commits rows and consumed offsets in one SQLite transaction per batch (so
/// ingestion is exactly-once across crashes), keeps a columnar index in memory for queries, and
/// answers Druid native queries given as JSON bytes.
///
/// It knows nothing of Kafka clients or HTTP: the caller consumes (read_committed), seeks to
/// `storedOffsets(for:)` on start, passes each batch to `ingest`, and serves `query` on
/// `POST /druid/v2`. All methods are thread-safe; queries run concurrently with ingestion.
public final class AnalyticsStore: Sendable {
    /// `<dataDirectory>/store.sqlite`.
    public let databasePath: String
    let database: RollupDatabase
    let sources: [String: Datasource]

    /// Opens (or creates) the store in `dataDirectory` for these datasources and loads their
    /// rows into memory. Throws `schemaMismatch` if a datasource's stored schema differs.
    public init(dataDirectory: String, datasources specs: [DatasourceSpec]) throws(StoreError) {
        do {
            try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        } catch {
            throw StoreError(.io, "cannot create the data directory \(dataDirectory)", cause: error)
        }
        databasePath = (dataDirectory as NSString).appendingPathComponent("store.sqlite")
        database = try RollupDatabase(path: databasePath)
        var sources: [String: Datasource] = [:]
        for spec in specs {
            try spec.validate()
            guard sources[spec.name] == nil else {
                throw StoreError(.invalidSpec, "datasource '\(spec.name)' is declared twice")
            }
            sources[spec.name] = try Datasource(spec: spec, database: database)
        }
        self.sources = sources
    }

    /// The datasource names, sorted (`GET /druid/v2/datasources`).
    public func datasources() -> [String] { sources.keys.sorted() }

    public func spec(of datasource: String) throws(StoreError) -> DatasourceSpec {
        try source(datasource).spec
    }

    /// Dimensions and metrics of a datasource (`GET /druid/v2/datasources/NAME`).
    public func describe(_ datasource: String) throws(StoreError) -> DatasourceDescription {
        let spec = try source(datasource).spec
        return DatasourceDescription(dimensions: spec.dimensions, metrics: spec.metrics.map(\.name))
    }

    /// The next offset to read per partition, as committed with the last batch: where the
    /// consumer must seek on start. Empty for a new datasource (start from the earliest offset).
    public func storedOffsets(for datasource: String) throws(StoreError) -> [TopicPartition: Offset] {
        try source(datasource).storedOffsets()
    }

    /// Rolls a batch of records up and commits the rows together with the next offsets: by
    /// default each partition's last record offset + 1; `nextOffsets` overrides that per
    /// partition, for positions past records the consumer never saw (transaction markers,
    /// aborted records). Malformed records are counted in the result, not thrown.
    /// Throws only if the commit fails; then neither rows nor offsets are kept, in SQLite or in
    /// memory, and the caller must rewind to `storedOffsets(for:)`.
    @discardableResult
    public func ingest(
        _ records: [Record], into datasource: String, nextOffsets: [TopicPartition: Offset]? = nil
    ) throws(StoreError) -> IngestResult {
        try source(datasource).ingest(records, nextOffsets: nextOffsets)
    }

    /// Runs a Druid native query given as JSON and returns Druid's JSON response.
    /// Bad queries throw `StoreError` with `isClientError` and a message naming the field.
    public func query(_ json: [UInt8]) throws(StoreError) -> [UInt8] {
        let object: [String: Any]
        do {
            guard let parsed = try JSONSerialization.jsonObject(with: Data(json)) as? [String: Any] else {
                throw StoreError.query("", "the query must be a JSON object")
            }
            object = parsed
        } catch let error as StoreError {
            throw error
        } catch {
            // Foundation puts the position ("around line 1, column 7") in the debug description.
            let detail = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String
            throw StoreError.query("", "the query is not valid JSON" + (detail.map { ": \($0)" } ?? ""))
        }
        let reader = JSONObject(object, path: "")
        let name = try QueryParser.dataSourceName(reader)
        guard let source = sources[name] else {
            throw StoreError(.unknownDatasource, "dataSource: unknown datasource '\(name)' (known: \(datasources().joined(separator: ", ")))")
        }
        let snapshot = source.snapshot()
        let query = try QueryParser(snapshot: snapshot).parse(reader)
        return QueryEngine(snapshot: snapshot).run(query)
    }

    /// Convenience for callers holding the query as a string.
    public func query(_ json: String) throws(StoreError) -> [UInt8] { try query(Array(json.utf8)) }

    func source(_ name: String) throws(StoreError) -> Datasource {
        guard let source = sources[name] else {
            throw StoreError(.unknownDatasource, "unknown datasource '\(name)' (known: \(datasources().joined(separator: ", ")))")
        }
        return source
    }
}
