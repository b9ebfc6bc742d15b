import Foundation  // pow

/// A Druid post-aggregator with field names resolved to indices into the row's values
/// (aggregators first, then earlier post-aggregators).
indirect enum PostAggregatorSpec {
    case arithmetic(name: String, function: ArithmeticFunction, fields: [PostAggregatorSpec])
    case fieldAccess(name: String, index: Int)
    case constant(name: String, value: Double)
    /// The estimate of a `hyperUnique` aggregator, like Druid's `hyperUniqueCardinality`.
    case hyperUniqueCardinality(name: String, index: Int)

    enum ArithmeticFunction: String {
        case plus = "+", minus = "-", multiply = "*", divide = "/", quotient, pow
    }

    var name: String {
        switch self {
        case .arithmetic(let name, _, _), .fieldAccess(let name, _), .constant(let name, _),
             .hyperUniqueCardinality(let name, _):
            name
        }
    }

    /// The post-aggregator's value for a row whose earlier values are `values`.
    func evaluate(_ values: [QueryValue]) -> QueryValue {
        switch self {
        case .fieldAccess(_, let index): return values[index]
        case .hyperUniqueCardinality(_, let index): return .double(values[index].number)
        case .constant(_, let value): return .double(value)
        case .arithmetic(_, let function, let fields):
            var result = fields[0].evaluate(values).number
            for field in fields.dropFirst() {
                let x = field.evaluate(values).number
                switch function {
                case .plus: result += x
                case .minus: result -= x
                case .multiply: result *= x
                // Druid defines x / 0 as 0 so that ratios over empty buckets stay plottable.
                case .divide: result = x == 0 ? 0 : result / x
                case .quotient: result = result / x
                case .pow: result = Foundation.pow(result, x)
                }
            }
            return .double(result)
        }
    }
}

