/// The values of one dimension, numbered in order of first appearance. Columns store these ids
/// instead of strings so that scans compare and group integers, and a filter becomes a lookup
/// table indexed by id. Id 0 is reserved for "no value" (a missing or null field), which keeps
/// Druid's convention that null and the empty string are the same value.
struct DimensionDictionary: Sendable {
    /// `values[id]`; `values[0]` is `nil`.
    private(set) var values: [String?] = [nil]
    private var ids: [String: UInt32] = [:]

    var count: Int { values.count }

    func id(of value: String?) -> UInt32? {
        guard let value, !value.isEmpty else { return 0 }
        return ids[value]
    }

    /// The id of `value`, adding it if new.
    mutating func intern(_ value: String?) -> UInt32 {
        guard let value, !value.isEmpty else { return 0 }
        if let id = ids[value] { return id }
        let id = UInt32(values.count)
        values.append(value)
        ids[value] = id
        return id
    }

    /// Restores an entry read from the database under its stored id. Ids are dense, so entries
    /// arrive as `count`, `count + 1`, ...; a gap would mean a corrupted table.
    mutating func restore(id: UInt32, value: String) -> Bool {
        guard Int(id) == values.count, !value.isEmpty else { return false }
        values.append(value)
        ids[value] = id
        return true
    }

    /// Forgets the entries from `count` on: undoes a batch's new values when its transaction fails.
    mutating func truncate(to count: Int) {
        guard count < values.count else { return }
        for v in values[count...] { if let v { ids[v] = nil } }
        values.removeSubrange(count...)
    }
}
