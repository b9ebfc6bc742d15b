public import NagareCore

/// User-agent classification rules: for each output field (e.g. `device`, `browser`, `os`), an
/// ordered list of rules; the first rule whose `contains` substrings include one found in the
/// user agent gives the value. No match gives the enricher's unknown value.
///
/// Substring rules rather than regular expressions: they cover the common browsers and
/// devices, cost a few `memmem`-like scans, and cannot backtrack catastrophically on hostile
/// headers. File format (YAML):
///
/// ```yaml
/// device:
///   - contains: [iPad, Tablet]
///     value: tablet
///   - contains: [iPhone, Mobile]
///     value: mobile
/// browser:
///   - contains: ["Edg/"]
///     value: Edge
/// ```
public struct UserAgentRules: Hashable, Sendable {
    public struct Rule: Hashable, Sendable {
        public var contains: [String]
        public var value: String

        public init(contains: [String], value: String) {
            self.contains = contains
            self.value = value
        }
    }

    /// Output field → rules, in file order.
    public var fields: [(name: String, rules: [Rule])] {
        zip(fieldNames, fieldRules).map { ($0, $1) }
    }

    public let fieldNames: [String]
    private let fieldRules: [[Rule]]

    public init(_ fields: [(name: String, rules: [Rule])]) {
        self.fieldNames = fields.map(\.name)
        self.fieldRules = fields.map(\.rules)
    }

    /// Parses the YAML rules file; errors name the file, line and key.
    public static func parse(yaml: String, file: String) throws(ConfigurationError) -> UserAgentRules {
        let root = try YAMLNode.parse(yaml, file: file)
        var fields: [(name: String, rules: [Rule])] = []
        for (name, list) in try root.freeMapping() {
            var rules: [Rule] = []
            for item in try list.sequence() {
                let m = try item.mapping(allowed: ["contains", "value"])
                rules.append(Rule(contains: try m.required("contains").stringList(), value: try m.required("value").string()))
            }
            fields.append((name, rules))
        }
        if fields.isEmpty { throw root.error("no fields; expected e.g. device:, browser:, os:") }
        return UserAgentRules(fields)
    }

    /// The value of every field for `userAgent`, `unknown` where no rule matches.
    public func classify(_ userAgent: String, unknown: String) -> [String] {
        fieldRules.map { rules in
            for rule in rules where rule.contains.contains(where: { userAgent.utf8Contains($0) }) {
                return rule.value
            }
            return unknown
        }
    }

    public static func == (lhs: UserAgentRules, rhs: UserAgentRules) -> Bool {
        lhs.fieldNames == rhs.fieldNames && lhs.fieldRules == rhs.fieldRules
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(fieldNames)
        hasher.combine(fieldRules)
    }
}

extension String {
    /// Byte-wise substring search: user agents are ASCII in practice, and comparing UTF-8
    /// bytes avoids `String`'s grapheme-aware (and slower) `contains`.
    func utf8Contains(_ needle: String) -> Bool {
        var haystack = self
        var needle = needle
        return haystack.withUTF8 { h in
            needle.withUTF8 { n in
                guard n.count > 0 else { return true }
                guard n.count <= h.count else { return false }
                let first = n[0]
                var i = 0
                let last = h.count - n.count
                while i <= last {
                    if h[i] == first {
                        var j = 1
                        while j < n.count && h[i + j] == n[j] { j += 1 }
                        if j == n.count { return true }
                    }
                    i += 1
                }
                return false
            }
        }
    }
}
