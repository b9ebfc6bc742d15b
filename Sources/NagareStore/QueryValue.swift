/// A value in a query result row: aggregators give longs or doubles, dimensions strings (or null).
enum QueryValue: Sendable, Hashable {
    case long(Int64)
    case double(Double)
    case string(String?)

    /// The value as a number, for post-aggregations, having and ordering; strings are parsed
    /// (numeric dimension ordering), null and non-numbers count as 0 like Druid's defaults.
    var number: Double {
        switch self {
        case .long(let v): Double(v)
        case .double(let v): v
        case .string(let s): s.flatMap(Double.init) ?? 0
        }
    }
}
