/// A Druid dimension filter with dimensions resolved to indices. Compiled against a snapshot's
/// dictionaries into `CompiledFilter` (one lookup table per leaf) before scanning.
indirect enum QueryFilter {
    case selector(dimension: Int, value: String?)
    case inSet(dimension: Int, values: [String?])
    case bound(dimension: Int, lower: String?, upper: String?, lowerStrict: Bool, upperStrict: Bool, numeric: Bool)
    case regex(dimension: Int, pattern: String)
    case search(dimension: Int, value: String, caseSensitive: Bool)
    case and([QueryFilter])
    case or([QueryFilter])
    case not(QueryFilter)
    case constant(Bool)
}
