/// A parsed event: its fields in input order.
///
/// A small array rather than a dictionary: typical events have about ten fields, for which a
/// linear scan over names is faster than hashing and costs one allocation instead of several.
/// Order is kept so the serialized output reads like the input with the added fields last.
public struct Event: Hashable, Sendable {
    /// One named field.
    public struct Field: Hashable, Sendable {
        public var name: String
        public var value: JSONValue

        public init(name: String, value: JSONValue) {
            self.name = name
            self.value = value
        }
    }

    public private(set) var fields: [Field]

    public init(fields: [Field] = []) {
        self.fields = fields
    }

    public init(_ pairs: KeyValuePairs<String, JSONValue>) {
        self.fields = pairs.map { Field(name: $0.key, value: $0.value) }
    }

    public var count: Int { fields.count }

    /// The value of `name`; setting `nil` removes the field, setting a new name appends it.
    public subscript(name: String) -> JSONValue? {
        get {
            guard let index = index(of: name) else { return nil }
            return fields[index].value
        }
        set {
            if let index = index(of: name) {
                if let newValue { fields[index].value = newValue } else { fields.remove(at: index) }
            } else if let newValue {
                fields.append(Field(name: name, value: newValue))
            }
        }
    }

    /// The position of the field named `name`. Lengths are compared first: `String ==` on two
    /// different strings of the same length is a call into the standard library, and most
    /// names differ in length, so this skips most of those calls.
    @inline(__always)
    func index(of name: String) -> Int? {
        let length = name.utf8.count
        for index in fields.indices where fields[index].name.utf8.count == length && fields[index].name == name {
            return index
        }
        return nil
    }

    /// Appends a field without checking for an existing one of the same name; the scanner uses
    /// it after its own duplicate check.
    mutating func appendUnchecked(_ field: Field) {
        fields.append(field)
    }

    mutating func reserveCapacity(_ n: Int) {
        fields.reserveCapacity(n)
    }

    /// Removes the fields whose names satisfy `remove`, keeping the order of the others.
    public mutating func removeFields(where remove: (String) -> Bool) {
        fields.removeAll { remove($0.name) }
    }

    /// Renames a field in place, keeping its position; a field already named `new` is replaced.
    /// Returns false when `old` is absent.
    @discardableResult
    public mutating func renameField(_ old: String, to new: String) -> Bool {
        guard old != new else { return self[old] != nil }
        guard fields.contains(where: { $0.name == old }) else { return false }
        fields.removeAll { $0.name == new }
        if let index = fields.firstIndex(where: { $0.name == old }) { fields[index].name = new }
        return true
    }
}
