/// One field value of a flat event.
///
/// Events in the pipeline are flat objects whose operators look at strings, numbers and
/// timestamps; nested objects and arrays are kept as their verbatim JSON text (`raw`) so they
/// travel through the pipeline unchanged without the cost of building a tree nobody reads.
public enum JSONValue: Hashable, Sendable {
    case string(String)
    /// A number written without fraction or exponent that fits in 64 bits. Kept apart from
    /// `double` so identifiers and counters above 2^53 survive a round trip exactly.
    case integer(Int64)
    case double(Double)
    case bool(Bool)
    case null
    /// A nested object or array, as the exact (validated) JSON text that appeared in the input.
    case raw(String)

    /// The value as a string, when it is one.
    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// The value as a number, when it is an integer or a double.
    public var numberValue: Double? {
        switch self {
        case .integer(let i): return Double(i)
        case .double(let d): return d
        default: return nil
        }
    }

    /// A short name of the value's JSON type, used in validation messages.
    public var typeName: String { type.name }

    var type: JSONType {
        switch self {
        case .string: .string
        case .integer, .double: .number
        case .bool: .boolean
        case .null: .null
        case .raw(let text): text.utf8.first == UInt8(ascii: "[") ? .array : .object
        }
    }
}

/// The JSON type of a value, known for an input field without decoding it.
enum JSONType: Sendable {
    case string, number, boolean, null, array, object

    var name: String {
        switch self {
        case .string: "string"
        case .number: "number"
        case .boolean: "boolean"
        case .null: "null"
        case .array: "array"
        case .object: "object"
        }
    }
}
