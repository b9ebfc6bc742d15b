/// A parsed and validated Druid native query, bound to one datasource's dictionaries and columns.
/// Names are resolved to indices here so the engine never looks a name up per row.
struct NativeQuery {
    enum Kind {
        case timeseries(descending: Bool, skipEmptyBuckets: Bool)
        case topN(dimension: DimensionSpec, order: TopNOrder, threshold: Int)
        case groupBy(dimensions: [DimensionSpec], having: HavingSpec?, limit: LimitSpec?)
        case timeBoundary
    }

    /// A dimension in a topN or groupBy and the name it has in the result.
    struct DimensionSpec {
        var dimension: Int
        var outputName: String
    }

    /// How a topN ranks its groups.
    enum TopNOrder {
        /// By an aggregator or post-aggregator, an index into the row's values.
        case metric(valueIndex: Int, descending: Bool)
        /// By the dimension value (UTF-8 byte order), starting after `previousStop` if given.
        case dimension(ascending: Bool, previousStop: String?)
    }

    var kind: Kind
    /// Half-open `[start, end)` in epoch milliseconds, sorted and merged.
    var intervals: [(start: Int64, end: Int64)]
    var granularity: QueryGranularity
    var filter: QueryFilter?
    var aggregations: [AggregatorSpec]
    var postAggregations: [PostAggregatorSpec]

    /// Output names in row order: aggregators, then post-aggregators.
    var valueNames: [String] { aggregations.map(\.name) + postAggregations.map(\.name) }
}
