import NagareCore
import Yams

/// A YAML node with the file it came from and the key path that led to it, so that every
/// configuration error can say `pipeline.yml:14: operators[2].dedup.window: ...`.
///
/// Built on `Yams.compose`, which keeps line numbers (`Node.mark`), rather than a `Decodable`
/// decoder, whose errors lose the line and which cannot reject unknown keys.
struct YAMLNode {
    let node: Node
    let file: String
    let path: String

    /// Parses `text`; an empty document is an error because every config file needs content.
    static func parse(_ text: String, file: String) throws(ConfigurationError) -> YAMLNode {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw ConfigurationError("\(file): invalid YAML: \(Self.describe(error))")
        } catch {
            throw ConfigurationError("\(file): invalid YAML: \(error)")
        }
        guard let root else { throw ConfigurationError("\(file): the file is empty") }
        return YAMLNode(node: root, file: file, path: "")
    }

    /// libYAML's messages embed the whole document; keep the line, column and problem only.
    private static func describe(_ error: YamlError) -> String {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
             .composer(_, let problem, let mark, _):
            return "line \(mark.line), column \(mark.column): \(problem)"
        default:
            return "\(error)"
        }
    }

    var line: Int { node.mark?.line ?? 0 }

    /// An error located at this node.
    func error(_ message: String) -> ConfigurationError {
        let key = path.isEmpty ? "" : "\(path): "
        return ConfigurationError("\(file):\(line): \(key)\(message)")
    }

    private func child(_ node: Node, _ component: String) -> YAMLNode {
        let childPath = path.isEmpty ? component : (component.hasPrefix("[") ? path + component : path + "." + component)
        return YAMLNode(node: node, file: file, path: childPath)
    }

    // MARK: Mappings

    /// The mapping's entries, after checking that every key is one of `allowed`.
    func mapping(allowed: [String]) throws(ConfigurationError) -> YAMLMapping {
        guard let mapping = node.mapping else { throw error("expected a mapping (key: value), found \(kindName)") }
        var entries: [(key: String, keyLine: Int, value: YAMLNode)] = []
        for (keyNode, valueNode) in mapping {
            guard let key = keyNode.scalar?.string else {
                throw error("keys must be plain strings")
            }
            let keyLine = keyNode.mark?.line ?? line
            guard allowed.contains(key) else {
                let location = path.isEmpty ? key : "\(path).\(key)"
                throw ConfigurationError("\(file):\(keyLine): unknown key \(location); allowed here: \(allowed.joined(separator: ", "))")
            }
            if entries.contains(where: { $0.key == key }) {
                throw ConfigurationError("\(file):\(keyLine): duplicate key \(path.isEmpty ? key : "\(path).\(key)")")
            }
            entries.append((key, keyLine, child(valueNode, key)))
        }
        return YAMLMapping(owner: self, entries: entries)
    }

    /// A mapping with exactly one key (an operator such as `- dedup: {...}`), any of `allowed`.
    func singleKeyMapping(allowed: [String]) throws(ConfigurationError) -> (key: String, value: YAMLNode) {
        let m = try mapping(allowed: allowed)
        guard m.entries.count == 1, let entry = m.entries.first else {
            throw error("expected exactly one of \(allowed.joined(separator: ", "))")
        }
        return (entry.key, entry.value)
    }

    /// Entries of a mapping whose keys are free-form (e.g. `required: {field: type}`).
    func freeMapping() throws(ConfigurationError) -> [(key: String, value: YAMLNode)] {
        guard let mapping = node.mapping else { throw error("expected a mapping (key: value), found \(kindName)") }
        var result: [(key: String, value: YAMLNode)] = []
        for (keyNode, valueNode) in mapping {
            guard let key = keyNode.scalar?.string else { throw error("keys must be plain strings") }
            if result.contains(where: { $0.key == key }) {
                throw ConfigurationError("\(file):\(keyNode.mark?.line ?? line): duplicate key \(path).\(key)")
            }
            result.append((key, child(valueNode, key)))
        }
        return result
    }

    // MARK: Sequences and scalars

    func sequence() throws(ConfigurationError) -> [YAMLNode] {
        guard let sequence = node.sequence else { throw error("expected a list, found \(kindName)") }
        return sequence.enumerated().map { child($0.element, "[\($0.offset)]") }
    }

    func string() throws(ConfigurationError) -> String {
        guard let scalar = node.scalar else { throw error("expected a string, found \(kindName)") }
        return scalar.string
    }

    func nonEmptyString() throws(ConfigurationError) -> String {
        let s = try string()
        if s.isEmpty { throw error("must not be empty") }
        return s
    }

    /// A list of strings; a single string is accepted as a list of one, as users write it.
    func stringList() throws(ConfigurationError) -> [String] {
        if node.scalar != nil { return [try nonEmptyString()] }
        var result: [String] = []
        for item in try sequence() { result.append(try item.nonEmptyString()) }
        return result
    }

    func int() throws(ConfigurationError) -> Int {
        guard let scalar = node.scalar, let value = Int(scalar.string.replacingUnderscores) else {
            throw error("expected an integer, found \(describeValue)")
        }
        return value
    }

    func bool() throws(ConfigurationError) -> Bool {
        guard let scalar = node.scalar else { throw error("expected true or false, found \(kindName)") }
        switch scalar.string {
        case "true": return true
        case "false": return false
        default: throw error("expected true or false, found \(describeValue)")
        }
    }

    func duration() throws(ConfigurationError) -> Duration {
        guard let scalar = node.scalar, let value = DurationText.parse(scalar.string) else {
            throw error("expected a duration such as 250ms, 10s, 5m, 1h, found \(describeValue)")
        }
        return value
    }

    func oneOf<T: RawRepresentable & CaseIterable>(_ type: T.Type) throws(ConfigurationError) -> T where T.RawValue == String {
        let s = try string()
        guard let value = T(rawValue: s) else {
            throw error("expected one of \(T.allCases.map(\.rawValue).joined(separator: ", ")), found \"\(s)\"")
        }
        return value
    }

    /// Written with the optional accessors rather than a `switch` so it compiles against Yams 5
    /// and 6 (6 added an `alias` case).
    private var kindName: String {
        if node.scalar != nil { return "a scalar (\(describeValue))" }
        if node.mapping != nil { return "a mapping" }
        if node.sequence != nil { return "a list" }
        return "an alias"
    }

    private var describeValue: String {
        if let s = node.scalar?.string { return "\"\(s)\"" }
        return node.mapping != nil ? "a mapping" : "a list"
    }
}

/// The checked entries of a mapping, looked up by key.
struct YAMLMapping {
    let owner: YAMLNode
    let entries: [(key: String, keyLine: Int, value: YAMLNode)]

    subscript(key: String) -> YAMLNode? {
        entries.first { $0.key == key }?.value
    }

    /// The value of a key that must be present.
    func required(_ key: String) throws(ConfigurationError) -> YAMLNode {
        guard let value = self[key] else {
            let location = owner.path.isEmpty ? key : "\(owner.path).\(key)"
            throw ConfigurationError("\(owner.file):\(owner.line): missing key \(location)")
        }
        return value
    }
}

extension String {
    /// YAML 1.1 allows `1_000_000`; so do we, because large limits are easier to read that way.
    var replacingUnderscores: String { String(filter { $0 != "_" }) }
}
