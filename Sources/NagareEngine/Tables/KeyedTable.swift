/// A keyed dimension table: key → values of the configured columns.
///
/// Values are pre-built `JSONValue`s so enriching an event copies references, not text.
public struct KeyedTable: Sendable {
    /// The columns added to events, in order.
    public let fields: [String]
    private let rows: [String: [JSONValue]]

    public var count: Int { rows.count }

    /// Builds the table from a CSV, keyed by `keyColumn` (default: the first column), adding
    /// `fields` (default: every other column). Duplicate keys are an error: which row wins
    /// would otherwise depend on file order.
    public init(csv: CSVTable, file: String, keyColumn: String?, fields: [String]?) throws(EngineError) {
        let keyIndex = try keyColumn.map { name throws(EngineError) in try csv.columnIndex(name, file: file) } ?? 0
        let fieldNames = fields ?? csv.header.enumerated().filter { $0.offset != keyIndex }.map(\.element)
        var indexes: [Int] = []
        for name in fieldNames { indexes.append(try csv.columnIndex(name, file: file)) }
        var rows: [String: [JSONValue]] = [:]
        rows.reserveCapacity(csv.rows.count)
        for (row, line) in zip(csv.rows, csv.rowLines) {
            let key = row[keyIndex]
            guard rows[key] == nil else {
                throw EngineError(.invalidTable, "\(file):\(line): duplicate key \"\(key)\"")
            }
            rows[key] = indexes.map { .string(row[$0]) }
        }
        self.fields = fieldNames
        self.rows = rows
    }

    /// The values for `key`, in the order of `fields`.
    public func values(for key: String) -> [JSONValue]? {
        rows[key]
    }
}
