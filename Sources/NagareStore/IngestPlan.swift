/// What one batch changes, computed before the database transaction and applied to the
/// in-memory index only after it commits: so a failed commit leaves memory untouched, and memory
/// and SQLite always hold the same rows.
struct IngestPlan: Sendable {
    /// Per dimension, the values new in this batch, in id order (ids continue the dictionary).
    var newDictionaryValues: [[String]]
    var writes: [RowWrite]

    /// One rollup row's final state after merging the batch into it.
    struct RowWrite: Sendable {
        var key: RollupKey
        var values: RowValues
        var encodedSketches: [[UInt8]]
        /// The existing row in its segment, or `nil` for a new row.
        var row: Int?
        /// The row's index in its segment (for a new row, where it will be appended). Stored so
        /// that a reopened store rebuilds rows in the same order, which keeps floating-point sums
        /// bit-identical across restarts.
        var position: Int
    }
}
