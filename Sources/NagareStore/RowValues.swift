/// The metric values of one rollup row, laid out by `MetricLayout`.
struct RowValues: Sendable, Hashable {
    var longs: [Int64]
    var doubles: [Double]
    var sketches: [HyperLogLog]
}
