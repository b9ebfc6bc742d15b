import Foundation
import NagareCore

/// Turns a Kafka record's JSON value into a rollup key and metric values. Any failure is a
/// reason string, not a thrown error: a malformed event is counted and reported by ingestion,
/// never fatal to it.
struct EventParser {
    let spec: DatasourceSpec
    let layout: MetricLayout

    struct Event {
        var time: Int64
        var dimensions: [String?]
        var values: RowValues
    }

    func parse(_ record: Record) -> Result<Event, MalformedRecord> {
        func bad(_ reason: String) -> Result<Event, MalformedRecord> {
            .failure(MalformedRecord(topicPartition: record.topicPartition, offset: record.offset, reason: reason))
        }
        guard let bytes = record.value, !bytes.isEmpty else { return bad("empty record value") }
        let object: [String: Any]
        do {
            guard let parsed = try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
                return bad("the value is JSON but not an object")
            }
            object = parsed
        } catch {
            return bad("the value is not JSON")
        }

        let rawTime: Int64
        switch spec.timestampFormat {
        case .kafka:
            rawTime = record.timestampMilliseconds
        case .iso8601:
            guard let text = object[spec.timestampField] as? String else {
                return bad("field '\(spec.timestampField)' is missing or not a string")
            }
            guard let t = ISOTime.parse(text) else {
                return bad("field '\(spec.timestampField)' is not an ISO 8601 time: '\(text.prefix(40))'")
            }
            rawTime = t
        case .epochMillis:
            if let s = object[spec.timestampField] as? String, let t = Int64(s) {
                rawTime = t
            } else if let n = object[spec.timestampField] as? NSNumber, !(object[spec.timestampField] is String) {
                rawTime = n.int64Value
            } else {
                return bad("field '\(spec.timestampField)' is missing or not epoch milliseconds")
            }
        }

        var dimensions: [String?] = []
        dimensions.reserveCapacity(spec.dimensions.count)
        for d in spec.dimensions { dimensions.append(Self.text(object[d])) }

        var values = layout.emptyValues()
        for (i, metric) in spec.metrics.enumerated() {
            switch layout.slots[i] {
            case .long(let k):
                if metric.kind == .count {
                    values.longs[k] = 1
                } else if let field = metric.field, let n = Self.number(object[field]) {
                    values.longs[k] = Int64(exactly: n.rounded(.towardZero)) ?? 0
                }
            case .double(let k):
                if let field = metric.field, let n = Self.number(object[field]) { values.doubles[k] = n }
            case .sketch(let k):
                if let field = metric.field, let text = Self.text(object[field]) { values.sketches[k].add(text) }
            }
        }
        return .success(Event(time: spec.granularity.truncate(rawTime), dimensions: dimensions, values: values))
    }

    /// A dimension value as text: strings as they are, numbers and booleans in their JSON
    /// spelling; null, missing, arrays and objects as "no value".
    static func text(_ value: Any?) -> String? {
        switch value {
        case let s as String: return s.isEmpty ? nil : s
        case let n as NSNumber:
            if let i = Int64(exactly: n.doubleValue), n.doubleValue.rounded() == n.doubleValue, abs(n.doubleValue) < 1e15 {
                return String(i)
            }
            return n.stringValue
        default: return nil
        }
    }

    /// A metric input as a number: JSON numbers, or strings that spell one.
    static func number(_ value: Any?) -> Double? {
        switch value {
        case let s as String: return Double(s)
        case let n as NSNumber: return n.doubleValue
        default: return nil
        }
    }
}
