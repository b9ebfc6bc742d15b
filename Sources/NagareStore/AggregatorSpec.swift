/// A query-time aggregator over the rolled-up columns.
///
/// Note that `count` counts *rollup rows*, as Druid's does: the number of ingested events is the
/// `longSum` of the ingestion-time `count` metric. Druid documents this, and doing the same keeps
/// a query's answer identical when the datasource moves to Druid (`nagare druid-spec`).
struct AggregatorSpec {
    enum Kind {
        case count
        case longSum, doubleSum
        case longMin, longMax, doubleMin, doubleMax
        /// Approximate distinct count from the HLL sketches of a `hyperUnique` metric.
        case hyperUnique(round: Bool)
        /// Approximate distinct count of dimension values (`byRow`: of value combinations),
        /// hashing values into a fresh sketch at query time.
        case cardinality(dimensions: [Int], byRow: Bool, round: Bool)
    }

    /// The column an aggregator reads.
    enum Source {
        case none
        case long(Int)
        case double(Int)
        case sketch(Int)
    }

    var name: String
    var kind: Kind
    var source: Source
    /// Set for Druid's `filtered` aggregator: only rows matching it are aggregated.
    var filter: QueryFilter?

    /// Whether the result is an integer (long) in Druid's response.
    var isLong: Bool {
        switch kind {
        case .count, .longSum, .longMin, .longMax: true
        case .hyperUnique(let round), .cardinality(_, _, let round): round
        default: false
        }
    }
}
