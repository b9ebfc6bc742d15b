/// A `QueryFilter` bound to one snapshot: every leaf becomes a table `allowed[id]` over the
/// dimension's dictionary, computed once per query by testing each distinct value (a regex runs
/// once per value, not once per row). A scan then evaluates a leaf with one load per row.
indirect enum CompiledFilter {
    case all
    case none
    case leaf(dimension: Int, allowed: [UInt8])
    case and([CompiledFilter])
    case or([CompiledFilter])
    case not(CompiledFilter)

    static func compile(_ filter: QueryFilter, dictionaries: [DimensionDictionary]) -> CompiledFilter {
        func leaf(_ d: Int, _ predicate: (String?) -> Bool) -> CompiledFilter {
            let values = dictionaries[d].values
            var allowed = [UInt8](repeating: 0, count: values.count)
            var any = false, every = true
            for (id, v) in values.enumerated() {
                if predicate(v) { allowed[id] = 1; any = true } else { every = false }
            }
            return !any ? .none : every ? .all : .leaf(dimension: d, allowed: allowed)
        }
        switch filter {
        case .constant(let b): return b ? .all : .none
        case .selector(let d, let value):
            let target = (value?.isEmpty ?? true) ? nil : value
            return leaf(d) { $0 == target }
        case .inSet(let d, let values):
            let set = Set(values.map { ($0?.isEmpty ?? true) ? nil : $0 })
            return leaf(d) { set.contains($0) }
        case .bound(let d, let lower, let upper, let lowerStrict, let upperStrict, let numeric):
            if numeric {
                let lo = lower.flatMap(Double.init), hi = upper.flatMap(Double.init)
                return leaf(d) { v in
                    guard let x = v.flatMap(Double.init) else { return false }
                    if let lo, lowerStrict ? !(x > lo) : !(x >= lo) { return false }
                    if let hi, upperStrict ? !(x < hi) : !(x <= hi) { return false }
                    return true
                }
            }
            // Druid compares strings by their UTF-8 bytes; null sorts as the empty string.
            func compare(_ a: String, _ b: String) -> Int {
                a == b ? 0 : (a.utf8.lexicographicallyPrecedes(b.utf8) ? -1 : 1)
            }
            return leaf(d) { v in
                let x = v ?? ""
                if let lower { let c = compare(x, lower); if lowerStrict ? c <= 0 : c < 0 { return false } }
                if let upper { let c = compare(x, upper); if upperStrict ? c >= 0 : c > 0 { return false } }
                return true
            }
        case .regex(let d, let pattern):
            // Validated by the parser; Java's `find()` semantics: a match anywhere counts.
            guard let regex = try? Regex(pattern) else { return .none }
            return leaf(d) { v in v.map { $0.contains(regex) } ?? false }
        case .search(let d, let value, let caseSensitive):
            if caseSensitive { return leaf(d) { $0?.contains(value) ?? false } }
            let needle = value.lowercased()
            return leaf(d) { $0?.lowercased().contains(needle) ?? false }
        case .and(let fields):
            let parts = fields.map { compile($0, dictionaries: dictionaries) }.filter { if case .all = $0 { false } else { true } }
            if parts.contains(where: { if case .none = $0 { true } else { false } }) { return .none }
            return parts.isEmpty ? .all : parts.count == 1 ? parts[0] : .and(parts)
        case .or(let fields):
            let parts = fields.map { compile($0, dictionaries: dictionaries) }.filter { if case .none = $0 { false } else { true } }
            if parts.contains(where: { if case .all = $0 { true } else { false } }) { return .all }
            return parts.isEmpty ? .none : parts.count == 1 ? parts[0] : .or(parts)
        case .not(let field):
            switch compile(field, dictionaries: dictionaries) {
            case .all: return .none
            case .none: return .all
            case .leaf(let d, let allowed): return .leaf(dimension: d, allowed: allowed.map { 1 - $0 })
            case let other: return .not(other)
            }
        }
    }

    /// Writes 1 for each matching row of `segment` into `mask[0..<rowCount]`, 0 otherwise.
    func evaluate(_ segment: Segment, into mask: UnsafeMutableBufferPointer<UInt8>) {
        let n = segment.rowCount
        switch self {
        case .all: mask.update(repeating: 1)
        case .none: mask.update(repeating: 0)
        case .leaf(let d, let allowed):
            segment.dimensions[d].withUnsafeBufferPointer { column in
                allowed.withUnsafeBufferPointer { table in
                    for r in 0..<n { mask[r] = table[Int(column[r])] }
                }
            }
        case .and(let parts), .or(let parts):
            let isAnd: Bool = if case .and = self { true } else { false }
            parts[0].evaluate(segment, into: mask)
            let scratch = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: n)
            defer { scratch.deallocate() }
            for part in parts.dropFirst() {
                part.evaluate(segment, into: scratch)
                if isAnd { for r in 0..<n { mask[r] &= scratch[r] } } else { for r in 0..<n { mask[r] |= scratch[r] } }
            }
        case .not(let inner):
            inner.evaluate(segment, into: mask)
            for r in 0..<n { mask[r] ^= 1 }
        }
    }
}
