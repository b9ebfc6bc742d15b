/// One metric of a datasource: how ingestion aggregates events that roll up into one row.
public struct MetricSpec: Sendable, Hashable {
    /// The aggregation applied at ingestion.
    public enum Kind: String, Sendable, CaseIterable, Hashable {
        /// The number of events in the row. Needs no field.
        case count
        /// The sum of an integer field (64-bit).
        case longSum
        /// The sum of a numeric field (double).
        case doubleSum
        /// The smallest value of a numeric field (double).
        case min
        /// The largest value of a numeric field (double).
        case max
        /// A HyperLogLog sketch of a field's values, for approximate distinct counts.
        case hyperUnique

        /// Whether the metric reads an event field.
        public var needsField: Bool { self != .count }

        /// The Druid ingestion aggregator type of the same meaning.
        var druidType: String {
            switch self {
            case .count: "count"
            case .longSum: "longSum"
            case .doubleSum: "doubleSum"
            case .min: "doubleMin"
            case .max: "doubleMax"
            case .hyperUnique: "hyperUnique"
            }
        }
    }

    /// The column name queries use (`fieldName` of a query-time aggregator).
    public var name: String
    public var kind: Kind
    /// The event field read; `nil` only for `count`.
    public var field: String?

    public init(name: String, kind: Kind, field: String? = nil) {
        self.name = name
        self.kind = kind
        self.field = field
    }
}
