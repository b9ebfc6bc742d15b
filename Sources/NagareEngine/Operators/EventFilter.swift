/// Keeps or drops events by one field's value. Dropped events are counted, not dead-lettered:
/// filtering is intended, not an error.
public struct EventFilter: Sendable {
    public let definition: FilterDefinition

    public init(_ definition: FilterDefinition) {
        self.definition = definition
    }

    public func keeps(_ event: Event) -> Bool {
        let value = event[definition.field]
        switch definition.condition {
        case .exists(let expected):
            return (value != nil) == expected
        case .equals(let text):
            return value.map { Self.text(of: $0) == text } ?? false
        case .notEquals(let text):
            return value.map { Self.text(of: $0) != text } ?? true
        case .isIn(let texts):
            return value.map { texts.contains(Self.text(of: $0)) } ?? false
        case .notIn(let texts):
            return value.map { !texts.contains(Self.text(of: $0)) } ?? true
        }
    }

    /// Strings compare by content; other values by their JSON text, so `equals: "42"` matches
    /// both `"42"` and `42` as users expect from YAML, where quoting is optional.
    static func text(of value: JSONValue) -> String {
        if case .string(let s) = value { return s }
        var bytes: [UInt8] = []
        JSONWriter.writeValue(value, into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }
}
