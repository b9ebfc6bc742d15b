/// A groupBy `limitSpec` (Druid's `default` type): ordering columns, an offset and a limit.
struct LimitSpec {
    struct Column {
        enum Target {
            case dimension(Int)
            case value(Int)
        }

        var target: Target
        var ascending: Bool
        /// Compare as numbers (Druid's `numeric` dimension order; always for metrics).
        var numeric: Bool
    }

    var columns: [Column]
    var limit: Int?
    var offset: Int
}
