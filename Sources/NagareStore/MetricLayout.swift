/// Where each metric lives in a row's storage: integer metrics (count, longSum) in `longs`,
/// floating-point ones (doubleSum, min, max) in `doubles`, sketches in `sketches`. Keeping each
/// kind in its own typed column lets scans run tight loops over `[Int64]` or `[Double]`.
struct MetricLayout: Sendable {
    enum Slot: Sendable, Hashable {
        case long(Int)
        case double(Int)
        case sketch(Int)
    }

    let slots: [Slot]
    let kinds: [MetricSpec.Kind]
    let longCount: Int
    let doubleCount: Int
    let sketchCount: Int

    init(_ metrics: [MetricSpec]) {
        var slots: [Slot] = []
        var l = 0, d = 0, s = 0
        for m in metrics {
            switch m.kind {
            case .count, .longSum: slots.append(.long(l)); l += 1
            case .doubleSum, .min, .max: slots.append(.double(d)); d += 1
            case .hyperUnique: slots.append(.sketch(s)); s += 1
            }
        }
        self.slots = slots
        self.kinds = metrics.map(\.kind)
        longCount = l
        doubleCount = d
        sketchCount = s
    }

    /// The neutral values of a row that no event has touched yet: min starts at +∞ and max at
    /// −∞ so that "no value seen" survives merging and is answered as `null`.
    func emptyValues() -> RowValues {
        var v = RowValues(
            longs: [Int64](repeating: 0, count: longCount),
            doubles: [Double](repeating: 0, count: doubleCount),
            sketches: [HyperLogLog](repeating: HyperLogLog(), count: sketchCount))
        for (i, slot) in slots.enumerated() {
            if case .double(let k) = slot {
                if kinds[i] == .min { v.doubles[k] = .infinity }
                if kinds[i] == .max { v.doubles[k] = -.infinity }
            }
        }
        return v
    }

    /// Folds `other` into `values` by each metric's rule: sums add, min/max compare, sketches
    /// merge. Used both within a batch and to merge a batch into an existing (late) row.
    func merge(_ other: RowValues, into values: inout RowValues) {
        for (i, slot) in slots.enumerated() {
            switch slot {
            case .long(let k): values.longs[k] &+= other.longs[k]
            case .double(let k):
                switch kinds[i] {
                case .min: values.doubles[k] = Swift.min(values.doubles[k], other.doubles[k])
                case .max: values.doubles[k] = Swift.max(values.doubles[k], other.doubles[k])
                default: values.doubles[k] += other.doubles[k]
                }
            case .sketch(let k): values.sketches[k].merge(other.sketches[k])
            }
        }
    }
}
