import Foundation

/// A JSON object from `JSONSerialization` plus its path in the query (`filter.fields[1]`), so
/// that every accessor can name the exact field in its error message.
struct JSONObject {
    let values: [String: Any]
    let path: String

    init(_ values: [String: Any], path: String) {
        self.values = values
        self.path = path
    }

    func path(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    func has(_ key: String) -> Bool { values[key] != nil && !(values[key] is NSNull) }

    func string(_ key: String) throws(StoreError) -> String {
        guard let raw = values[key], !(raw is NSNull) else { throw StoreError.query(path(key), "required field is missing") }
        guard let s = raw as? String else { throw StoreError.query(path(key), "expected a string") }
        return s
    }

    func optionalString(_ key: String) throws(StoreError) -> String? {
        guard has(key) else { return nil }
        return try string(key)
    }

    /// A string, or a number written in its JSON spelling (Druid accepts `"value": 5` for
    /// selector filters and having values).
    func scalarText(_ key: String) throws(StoreError) -> String? {
        guard let raw = values[key], !(raw is NSNull) else { return nil }
        if let s = raw as? String { return s }
        if let n = raw as? NSNumber { return EventParser.text(n) }
        throw StoreError.query(path(key), "expected a string or a number")
    }

    func double(_ key: String) throws(StoreError) -> Double {
        guard let raw = values[key], !(raw is NSNull) else { throw StoreError.query(path(key), "required field is missing") }
        if let n = raw as? NSNumber, !(raw is String) { return n.doubleValue }
        if let s = raw as? String, let d = Double(s) { return d }
        throw StoreError.query(path(key), "expected a number")
    }

    func int(_ key: String, default fallback: Int? = nil) throws(StoreError) -> Int {
        guard has(key) else {
            if let fallback { return fallback }
            throw StoreError.query(path(key), "required field is missing")
        }
        let d = try double(key)
        guard let i = Int(exactly: d) else { throw StoreError.query(path(key), "expected an integer") }
        return i
    }

    func bool(_ key: String, default fallback: Bool) throws(StoreError) -> Bool {
        guard has(key) else { return fallback }
        if let b = values[key] as? Bool { return b }
        // Druid also takes "true"/"false" strings (e.g. "descending": "true" in its own docs).
        if let s = values[key] as? String, let b = Bool(s.lowercased()) { return b }
        throw StoreError.query(path(key), "expected true or false")
    }

    func object(_ key: String) throws(StoreError) -> JSONObject {
        guard let raw = values[key], !(raw is NSNull) else { throw StoreError.query(path(key), "required field is missing") }
        guard let o = raw as? [String: Any] else { throw StoreError.query(path(key), "expected an object") }
        return JSONObject(o, path: path(key))
    }

    func optionalObject(_ key: String) throws(StoreError) -> JSONObject? {
        guard has(key) else { return nil }
        return try object(key)
    }

    /// The elements of an array field, each with its path (`aggregations[2]`).
    func array(_ key: String, required: Bool = true) throws(StoreError) -> [(value: Any, path: String)] {
        guard let raw = values[key], !(raw is NSNull) else {
            if required { throw StoreError.query(path(key), "required field is missing") }
            return []
        }
        guard let a = raw as? [Any] else { throw StoreError.query(path(key), "expected an array") }
        return a.enumerated().map { ($1, "\(path(key))[\($0)]") }
    }

    /// An array element that must be an object.
    static func object(_ value: Any, path: String) throws(StoreError) -> JSONObject {
        guard let o = value as? [String: Any] else { throw StoreError.query(path, "expected an object") }
        return JSONObject(o, path: path)
    }
}
