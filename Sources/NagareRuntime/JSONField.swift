import Foundation

/// Reads one top-level field of a JSON object line as a string, for keying records by a field
/// (`nagare produce --key-field`). Numbers and booleans become their JSON text.
public enum JSONField {
    public enum Failure: Error, CustomStringConvertible {
        case notAnObject
        case missing(String)
        case notScalar(String)

        public var description: String {
            switch self {
            case .notAnObject: "line is not a JSON object"
            case .missing(let f): "field '\(f)' is missing"
            case .notScalar(let f): "field '\(f)' is not a string, number or boolean"
            }
        }
    }

    public static func value(of field: String, in line: String) throws(Failure) -> String {
        guard let data = line.data(using: .utf8),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw .notAnObject
        }
        guard let value = object[field], !(value is NSNull) else { throw .missing(field) }
        switch value {
        case let s as String: return s
        case let n as NSNumber:
            // Foundation hands booleans over as a distinct NSNumber subclass.
            if String(describing: type(of: n)).contains("Boolean") { return n.boolValue ? "true" : "false" }
            return n.stringValue
        default: throw .notScalar(field)
        }
    }
}
