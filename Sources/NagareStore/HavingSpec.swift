/// A groupBy `having` clause over result rows, with names resolved to value or dimension indices.
indirect enum HavingSpec {
    case greaterThan(valueIndex: Int, value: Double)
    case lessThan(valueIndex: Int, value: Double)
    case equalTo(valueIndex: Int, value: Double)
    case dimensionSelector(dimensionIndex: Int, value: String?)
    case and([HavingSpec])
    case or([HavingSpec])
    case not(HavingSpec)

    func matches(dimensions: [String?], values: [QueryValue]) -> Bool {
        switch self {
        case .greaterThan(let i, let v): values[i].number > v
        case .lessThan(let i, let v): values[i].number < v
        case .equalTo(let i, let v): values[i].number == v
        case .dimensionSelector(let i, let v): (dimensions[i] ?? "") == (v ?? "")
        case .and(let specs): specs.allSatisfy { $0.matches(dimensions: dimensions, values: values) }
        case .or(let specs): specs.contains { $0.matches(dimensions: dimensions, values: values) }
        case .not(let spec): !spec.matches(dimensions: dimensions, values: values)
        }
    }
}
