import Foundation

/// What the demo's generator takes from the example's dimension tables: the site ids of
/// `sites.csv` and the IPv4 ranges of `geo.csv`, so that most generated events enrich to a real
/// site name and country (and the rest to the pipeline's unknown value).
public struct DemoExampleTables: Sendable {
    public struct AddressRange: Sendable {
        public var first: UInt32
        public var last: UInt32
        public var country: String
    }

    public var siteIDs: [String]
    public var addressRanges: [AddressRange]

    /// Reads `sites.csv` and `geo.csv` from `folder`; a missing file or a bad line is an error
    /// naming the file and line.
    public static func load(folder: String) throws -> DemoExampleTables {
        let sites = try rows(of: (folder as NSString).appendingPathComponent("sites.csv"))
        let geo = try rows(of: (folder as NSString).appendingPathComponent("geo.csv"))
        let siteIDs = sites.rows.map { $0.fields[0] }.filter { !$0.isEmpty }
        guard !siteIDs.isEmpty else { throw DemoError("\(sites.path): no sites listed") }
        var ranges: [AddressRange] = []
        for row in geo.rows {
            guard row.fields.count >= 3, let first = ipv4(row.fields[0]), let last = ipv4(row.fields[1]), first <= last else {
                throw DemoError("\(geo.path):\(row.line): expected FIRST_IP,LAST_IP,COUNTRY with FIRST_IP <= LAST_IP")
            }
            ranges.append(AddressRange(first: first, last: last, country: row.fields[2]))
        }
        guard !ranges.isEmpty else { throw DemoError("\(geo.path): no address ranges listed") }
        return DemoExampleTables(siteIDs: siteIDs, addressRanges: ranges)
    }

    struct Row { var line: Int; var fields: [String] }

    /// The data rows of a small CSV file: comment lines and the header skipped; fields split on
    /// commas with surrounding quotes removed (the demo reads only ids, addresses and codes,
    /// none of which contains a comma).
    static func rows(of path: String) throws -> (path: String, rows: [Row]) {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw DemoError("cannot read \(path) (is --example-dir the access-logs example folder?)")
        }
        var rows: [Row] = []
        var sawHeader = false
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") { continue }
            if !sawHeader { sawHeader = true; continue }
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: CharacterSet(charactersIn: "\" "))
            }
            rows.append(Row(line: index + 1, fields: fields))
        }
        return (path, rows)
    }

    static func ipv4(_ text: String) -> UInt32? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var value: UInt32 = 0
        for part in parts {
            guard let octet = UInt8(part) else { return nil }
            value = value << 8 | UInt32(octet)
        }
        return value
    }
}

/// A demo set-up or run failure, with a message that names what was wrong.
public struct DemoError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
