/// Writes metrics in Prometheus's text exposition format (version 0.0.4), the body of
/// `GET /metrics`:
///
///     # HELP nagare_store_events_ingested_total Events rolled up into the store.
///     # TYPE nagare_store_events_ingested_total counter
///     nagare_store_events_ingested_total{datasource="access-logs"} 1200
///
/// Each call writes one family: its HELP and TYPE lines, then every sample, so a family's
/// samples are always contiguous, as the format requires. Histograms get cumulative
/// `_bucket{le="..."}` samples ending with `le="+Inf"`, then `_sum` and `_count`. Label values
/// and help texts are escaped; metric and label names come from code and must be valid names.
public struct PrometheusTextWriter: Sendable {
    /// Label names and values, in the order written.
    public typealias Labels = [(name: String, value: String)]

    /// One sample of a counter or gauge family.
    public struct Sample: Sendable {
        public var labels: Labels
        public var value: Double

        public init(_ labels: Labels, _ value: Double) {
            self.labels = labels
            self.value = value
        }

        public init(_ labels: Labels, _ value: Int) { self.init(labels, Double(value)) }
        public init(_ value: Double) { self.init([], value) }
        public init(_ value: Int) { self.init([], Double(value)) }
    }

    /// The text written so far.
    public private(set) var text = ""
    private var written: Set<String> = []

    public init() {}

    /// The `Content-Type` of the format.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    /// A counter family: values only ever grow while the process runs. By convention `name`
    /// ends in `_total`.
    public mutating func counter(_ name: String, help: String, _ samples: [Sample]) {
        family(name, type: "counter", help: help)
        for sample in samples { line(name, sample.labels, sample.value) }
    }

    /// A gauge family: values that go up and down (lag, start time).
    public mutating func gauge(_ name: String, help: String, _ samples: [Sample]) {
        family(name, type: "gauge", help: help)
        for sample in samples { line(name, sample.labels, sample.value) }
    }

    /// A histogram family, one histogram per label set. The labels must not include `le`.
    public mutating func histogram(_ name: String, help: String, _ samples: [(labels: Labels, histogram: PrometheusHistogram)]) {
        family(name, type: "histogram", help: help)
        for (labels, histogram) in samples {
            precondition(!labels.contains { $0.name == "le" }, "le is reserved for histogram buckets")
            let cumulative = histogram.cumulativeCounts
            for (i, bound) in histogram.bounds.enumerated() {
                line(name + "_bucket", labels + [("le", Self.format(bound))], Double(cumulative[i]))
            }
            line(name + "_bucket", labels + [("le", "+Inf")], Double(histogram.count))
            line(name + "_sum", labels, histogram.sum)
            line(name + "_count", labels, Double(histogram.count))
        }
    }

    private mutating func family(_ name: String, type: String, help: String) {
        precondition(Self.isValidName(name, allowsColon: true), "invalid metric name '\(name)'")
        precondition(written.insert(name).inserted, "metric family '\(name)' written twice")
        text += "# HELP \(name) \(Self.escapeHelp(help))\n# TYPE \(name) \(type)\n"
    }

    private mutating func line(_ name: String, _ labels: Labels, _ value: Double) {
        text += name
        if !labels.isEmpty {
            text += "{"
            for (i, label) in labels.enumerated() {
                precondition(Self.isValidName(label.name, allowsColon: false), "invalid label name '\(label.name)'")
                if i > 0 { text += "," }
                text += "\(label.name)=\"\(Self.escapeLabelValue(label.value))\""
            }
            text += "}"
        }
        text += " \(Self.format(value))\n"
    }

    /// A sample value or bound: integers without a fraction, `+Inf`, `-Inf`, `NaN` as the format
    /// spells them.
    static func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }

    /// Label values escape backslash, double quote and line feed.
    static func escapeLabelValue(_ value: String) -> String {
        var out = ""
        for c in value.unicodeScalars {
            switch c {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// Help texts escape backslash and line feed (a quote needs no escape there).
    static func escapeHelp(_ help: String) -> String {
        var out = ""
        for c in help.unicodeScalars {
            switch c {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// `[a-zA-Z_:][a-zA-Z0-9_:]*` for metric names; label names have no colon.
    static func isValidName(_ name: String, allowsColon: Bool) -> Bool {
        guard let first = name.unicodeScalars.first else { return false }
        func isLetter(_ c: Unicode.Scalar) -> Bool {
            (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c == "_" || (allowsColon && c == ":")
        }
        return isLetter(first) && name.unicodeScalars.allSatisfy { isLetter($0) || ($0 >= "0" && $0 <= "9") }
    }
}
