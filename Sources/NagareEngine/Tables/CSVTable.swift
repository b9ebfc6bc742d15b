/// A CSV file with a header row, parsed into rows of strings.
///
/// RFC 4180: commas, double-quoted fields with `""` for a quote, CRLF or LF line ends. Blank
/// lines and lines starting with `#` are skipped so tables can carry comments. Every row must
/// have as many columns as the header; otherwise the error names the line.
public struct CSVTable: Hashable, Sendable {
    public var header: [String]
    public var rows: [[String]]
    /// The 1-based line number of each row, for messages from the tables built on top.
    public var rowLines: [Int]

    public init(header: [String], rows: [[String]], rowLines: [Int]) {
        self.header = header
        self.rows = rows
        self.rowLines = rowLines
    }

    /// Parses `text`; `file` is only used in messages.
    public static func parse(_ text: String, file: String) throws(EngineError) -> CSVTable {
        var records: [(line: Int, fields: [String])] = []
        var field = ""
        var fields: [String] = []
        var inQuotes = false
        var line = 1
        var recordLine = 1
        var atFieldStart = true
        var iterator = text.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = nil
        func endRecord() {
            fields.append(field)
            let isBlank = fields.count == 1 && fields[0].isEmpty
            let isComment = fields.first?.hasPrefix("#") == true
            if !isBlank && !isComment { records.append((recordLine, fields)) }
            fields = []
            field = ""
            atFieldStart = true
        }
        while let c = pending ?? iterator.next() {
            pending = nil
            if inQuotes {
                if c == "\"" {
                    if let next = iterator.next() {
                        if next == "\"" { field.unicodeScalars.append("\"") } else { inQuotes = false; pending = next }
                    } else {
                        inQuotes = false
                    }
                } else {
                    if c == "\n" { line += 1 }
                    field.unicodeScalars.append(c)
                }
                continue
            }
            switch c {
            case "\"" where atFieldStart:
                inQuotes = true
                atFieldStart = false
            case ",":
                fields.append(field)
                field = ""
                atFieldStart = true
            case "\r":
                continue
            case "\n":
                endRecord()
                line += 1
                recordLine = line
            default:
                field.unicodeScalars.append(c)
                atFieldStart = false
            }
        }
        if inQuotes { throw EngineError(.invalidTable, "\(file):\(recordLine): unterminated quoted field") }
        if !field.isEmpty || !fields.isEmpty { endRecord() }
        guard let headerRecord = records.first else {
            throw EngineError(.invalidTable, "\(file): no header row")
        }
        let header = headerRecord.fields.map(\.trimmingSpaces)
        var rows: [[String]] = []
        var lines: [Int] = []
        for record in records.dropFirst() {
            guard record.fields.count == header.count else {
                throw EngineError(.invalidTable,
                    "\(file):\(record.line): \(record.fields.count) columns, the header has \(header.count)")
            }
            rows.append(record.fields.map(\.trimmingSpaces))
            lines.append(record.line)
        }
        return CSVTable(header: header, rows: rows, rowLines: lines)
    }

    /// The index of a header column, or an error naming the file and the columns it has.
    public func columnIndex(_ name: String, file: String) throws(EngineError) -> Int {
        guard let index = header.firstIndex(of: name) else {
            throw EngineError(.invalidTable, "\(file): no column \"\(name)\"; columns: \(header.joined(separator: ", "))")
        }
        return index
    }
}
