/// Add fields from dimension tables. Misses get `unknownValue`; an event is never dropped for a
/// missing dimension, because losing traffic from a new site is worse than labelling it.
public struct EnrichDefinition: Hashable, Sendable {
    /// Keyed lookup in a CSV table with a header row.
    public struct Lookup: Hashable, Sendable {
        /// CSV file, relative to the pipeline file.
        public var table: String
        /// The event field holding the key.
        public var keyField: String
        /// The table column matched against the key. `nil`: the first column.
        public var keyColumn: String?
        /// The columns added to the event. `nil`: every column but the key column.
        public var fields: [String]?

        public init(table: String, keyField: String, keyColumn: String? = nil, fields: [String]? = nil) {
            self.table = table
            self.keyField = keyField
            self.keyColumn = keyColumn
            self.fields = fields
        }
    }

    /// IPv4 range lookup in a CSV table whose first two columns are the first and last address
    /// of a range (dotted quads, inclusive).
    public struct IPRange: Hashable, Sendable {
        public var table: String
        /// The event field holding a dotted-quad IPv4 address.
        public var field: String
        /// The columns added. `nil`: every column after the two addresses.
        public var fields: [String]?

        public init(table: String, field: String, fields: [String]? = nil) {
            self.table = table
            self.field = field
            self.fields = fields
        }
    }

    /// User-agent rules (a YAML file, see `UserAgentRules`) adding e.g. device, browser, os.
    public struct UserAgent: Hashable, Sendable {
        public var rules: String
        /// The event field holding the user-agent string.
        public var field: String

        public init(rules: String, field: String) {
            self.rules = rules
            self.field = field
        }
    }

    public var lookups: [Lookup]
    public var ipRanges: [IPRange]
    public var userAgents: [UserAgent]
    /// The value written for a missing key, address or unmatched user agent. Default: `unknown`.
    public var unknownValue: String

    public init(lookups: [Lookup] = [], ipRanges: [IPRange] = [], userAgents: [UserAgent] = [],
                unknownValue: String = "unknown") {
        self.lookups = lookups
        self.ipRanges = ipRanges
        self.userAgents = userAgents
        self.unknownValue = unknownValue
    }
}
