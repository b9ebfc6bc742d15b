import Foundation
import Yams

extension DatasourceSpec {
    /// Reads a datasource spec from a YAML file. Errors name the file, the line and column (from
    /// Yams' node marks) and the key, e.g. `datasource.yml:7:5: metrics[1].type: unknown ...`.
    public static func load(path: String) throws(StoreError) -> DatasourceSpec {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw StoreError(.invalidSpec, "\(path): cannot read the datasource file", cause: error)
        }
        return try parse(yaml: text, fileName: path)
    }

    /// Parses YAML text; `fileName` only labels error messages.
    public static func parse(yaml: String, fileName: String = "datasource.yml") throws(StoreError) -> DatasourceSpec {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            throw StoreError(.invalidSpec, "\(fileName): not valid YAML: \(error)", cause: error)
        }
        let reader = SpecReader(fileName: fileName)
        guard let root else { throw StoreError(.invalidSpec, "\(fileName): the file is empty") }
        let spec = try reader.spec(root)
        do {
            try spec.validate()
        } catch {
            throw StoreError(.invalidSpec, "\(fileName): \(error.message)")
        }
        return spec
    }
}

/// Walks the YAML node tree, checking every key against the declared ones so that a typo is an
/// error with a position instead of a silently ignored setting.
private struct SpecReader {
    let fileName: String

    func fail(_ node: Node?, _ key: String, _ message: String) -> StoreError {
        let place = node?.mark.map { "\(fileName):\($0.line):\($0.column)" } ?? fileName
        return StoreError(.invalidSpec, "\(place): \(key): \(message)")
    }

    /// The pairs of a mapping node, after rejecting keys not in `allowed`.
    func mapping(_ node: Node, _ path: String, allowed: [String]) throws(StoreError) -> [String: (key: Node, value: Node)] {
        guard let mapping = node.mapping else {
            throw fail(node, path.isEmpty ? "(top level)" : path, "expected a mapping of keys to values")
        }
        var result: [String: (key: Node, value: Node)] = [:]
        for (key, value) in mapping {
            let name = key.string ?? ""
            let keyPath = path.isEmpty ? name : "\(path).\(name)"
            guard allowed.contains(name) else {
                throw fail(key, keyPath, "unknown key (expected one of: \(allowed.joined(separator: ", ")))")
            }
            guard result[name] == nil else { throw fail(key, keyPath, "key appears twice") }
            result[name] = (key, value)
        }
        return result
    }

    func string(_ node: Node, _ path: String) throws(StoreError) -> String {
        guard case .scalar(let scalar) = node, node.null == nil || scalar.style != .plain else {
            throw fail(node, path, "expected a string")
        }
        return scalar.string
    }

    func required(_ pairs: [String: (key: Node, value: Node)], _ key: String, _ path: String, in node: Node) throws(StoreError) -> Node {
        guard let pair = pairs[key] else {
            throw fail(node, path.isEmpty ? key : "\(path).\(key)", "required key is missing")
        }
        return pair.value
    }

    func spec(_ root: Node) throws(StoreError) -> DatasourceSpec {
        let top = try mapping(root, "", allowed: ["name", "topic", "timestamp", "granularity", "dimensions", "metrics"])
        let name = try string(try required(top, "name", "", in: root), "name")
        let topic = try string(try required(top, "topic", "", in: root), "topic")

        var timestampField = "timestamp"
        var timestampFormat = TimestampFormat.iso8601
        if let node = top["timestamp"]?.value {
            let pairs = try mapping(node, "timestamp", allowed: ["field", "format"])
            if let field = pairs["field"]?.value { timestampField = try string(field, "timestamp.field") }
            if let format = pairs["format"]?.value {
                let text = try string(format, "timestamp.format")
                guard let parsed = TimestampFormat(rawValue: text) else {
                    throw fail(format, "timestamp.format", "unknown format '\(text)' (expected one of: \(TimestampFormat.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
                timestampFormat = parsed
            }
        }

        var granularity = RollupGranularity.minute
        if let node = top["granularity"]?.value {
            let text = try string(node, "granularity")
            guard let parsed = RollupGranularity(rawValue: text) else {
                throw fail(node, "granularity", "unknown granularity '\(text)' (expected one of: \(RollupGranularity.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            granularity = parsed
        }

        let dimensionsNode = try required(top, "dimensions", "", in: root)
        guard let dimensionItems = dimensionsNode.sequence else {
            throw fail(dimensionsNode, "dimensions", "expected a list of field names")
        }
        var dimensions: [String] = []
        for (i, item) in dimensionItems.enumerated() {
            dimensions.append(try string(item, "dimensions[\(i)]"))
        }

        let metricsNode = try required(top, "metrics", "", in: root)
        guard let metricItems = metricsNode.sequence else {
            throw fail(metricsNode, "metrics", "expected a list of metrics")
        }
        var metrics: [MetricSpec] = []
        for (i, item) in metricItems.enumerated() {
            let path = "metrics[\(i)]"
            let pairs = try mapping(item, path, allowed: ["name", "type", "field"])
            let name = try string(try required(pairs, "name", path, in: item), "\(path).name")
            let typeNode = try required(pairs, "type", path, in: item)
            let typeText = try string(typeNode, "\(path).type")
            guard let kind = MetricSpec.Kind(rawValue: typeText) else {
                throw fail(typeNode, "\(path).type", "unknown metric type '\(typeText)' (expected one of: \(MetricSpec.Kind.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            var field: String?
            if let fieldNode = pairs["field"]?.value {
                guard kind.needsField else { throw fail(fieldNode, "\(path).field", "a count metric reads no field") }
                field = try string(fieldNode, "\(path).field")
            } else if kind.needsField {
                throw fail(item, "\(path).field", "type \(kind.rawValue) needs the event field to read")
            }
            metrics.append(MetricSpec(name: name, kind: kind, field: field))
        }
        return DatasourceSpec(
            name: name, topic: topic, timestampField: timestampField, timestampFormat: timestampFormat,
            granularity: granularity, dimensions: dimensions, metrics: metrics)
    }
}
