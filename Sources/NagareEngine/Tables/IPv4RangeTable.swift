/// IPv4 ranges → values (e.g. country), looked up by binary search.
///
/// Ranges are sorted by first address and must not overlap, so at most one range holds an
/// address; overlaps are an error naming both lines because GeoIP exports that overlap usually
/// mean a broken file.
public struct IPv4RangeTable: Sendable {
    public let fields: [String]
    private let starts: [UInt32]
    private let ends: [UInt32]
    private let values: [[JSONValue]]

    public var count: Int { starts.count }

    /// Builds the table from a CSV whose first two columns are the first and last address of
    /// each range (inclusive); `fields` default to every further column.
    public init(csv: CSVTable, file: String, fields: [String]?) throws(EngineError) {
        guard csv.header.count >= 3 else {
            throw EngineError(.invalidTable, "\(file): expected columns start,end and at least one value column")
        }
        let fieldNames = fields ?? Array(csv.header.dropFirst(2))
        var indexes: [Int] = []
        for name in fieldNames { indexes.append(try csv.columnIndex(name, file: file)) }
        var entries: [(start: UInt32, end: UInt32, line: Int, values: [JSONValue])] = []
        for (row, line) in zip(csv.rows, csv.rowLines) {
            guard let start = Self.parseAddress(row[0]), let end = Self.parseAddress(row[1]) else {
                throw EngineError(.invalidTable, "\(file):\(line): start and end must be IPv4 addresses such as 192.0.2.0")
            }
            guard start <= end else { throw EngineError(.invalidTable, "\(file):\(line): start is after end") }
            entries.append((start, end, line, indexes.map { .string(row[$0]) }))
        }
        entries.sort { $0.start < $1.start }
        for (previous, next) in zip(entries, entries.dropFirst()) where next.start <= previous.end {
            throw EngineError(.invalidTable, "\(file):\(next.line): range overlaps the one on line \(previous.line)")
        }
        self.fields = fieldNames
        self.starts = entries.map(\.start)
        self.ends = entries.map(\.end)
        self.values = entries.map(\.values)
    }

    /// The values of the range holding `address`, or nil.
    public func values(for address: UInt32) -> [JSONValue]? {
        // The last range starting at or before the address.
        var low = 0
        var high = starts.count
        while low < high {
            let mid = (low + high) / 2
            if starts[mid] <= address { low = mid + 1 } else { high = mid }
        }
        guard low > 0, address <= ends[low - 1] else { return nil }
        return values[low - 1]
    }

    /// Parses a dotted quad without allocating; nil for anything else (including IPv6).
    public static func parseAddress(_ text: String) -> UInt32? {
        if let parsed = text.utf8.withContiguousStorageIfAvailable(parseAddress(utf8:)) { return parsed }
        var text = text
        return text.withUTF8(parseAddress(utf8:))
    }

    /// Parses a dotted quad from its UTF-8 bytes: what `parseAddress(_:)` does with a string's,
    /// and what the enricher does with an event's input bytes.
    static func parseAddress(utf8: UnsafeBufferPointer<UInt8>) -> UInt32? {
        var result: UInt32 = 0
        var octet: UInt32 = 0
        var digits = 0
        var dots = 0
        for c in utf8 {
            if c == UInt8(ascii: ".") {
                guard digits > 0, dots < 3 else { return nil }
                result = result << 8 | octet
                octet = 0
                digits = 0
                dots += 1
            } else {
                let d = c &- UInt8(ascii: "0")
                guard d < 10, digits < 3 else { return nil }
                octet = octet * 10 + UInt32(d)
                guard octet <= 255 else { return nil }
                digits += 1
            }
        }
        guard dots == 3, digits > 0 else { return nil }
        return result << 8 | octet
    }
}
