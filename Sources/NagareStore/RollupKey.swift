/// The identity of a rollup row: the truncated event time and the dictionary id of each
/// dimension's value. Events with equal keys aggregate into one row.
struct RollupKey: Hashable, Sendable {
    var time: Int64
    var dimensions: [UInt32]
}
