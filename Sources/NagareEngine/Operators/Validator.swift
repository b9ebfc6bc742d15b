/// Checks required fields and their types; the first failure is the dead-letter reason.
public struct Validator: Sendable {
    public let definition: ValidateDefinition

    public init(_ definition: ValidateDefinition) {
        self.definition = definition
    }

    /// nil when the event is valid, else why not, naming the field.
    public func check(_ event: Event) -> String? {
        var time: Int64?
        return check(event, timestampField: nil, timestamp: &time)
    }

    /// `check`, also setting `timestamp` to the value of the required timestamp field named
    /// `timestampField` (the pipeline's event time) when it checks it: the task then does not
    /// parse it again.
    public func check(_ event: Event, timestampField: String?, timestamp: inout Int64?) -> String? {
        var hints = Array(repeating: Event.FieldHint(), count: definition.required.count)
        return check(event, timestampField: timestampField, timestamp: &timestamp, hints: &hints, from: 0)
    }

    /// `check(_:timestampField:timestamp:)`, finding required field `i` through
    /// `hints[base + i]` (a partition task keeps them from event to event).
    func check(
        _ event: Event, timestampField: String?, timestamp: inout Int64?, hints: inout [Event.FieldHint], from base: Int
    ) -> String? {
        for (i, required) in definition.required.enumerated() {
            // Timestamps are checked from the event's bytes where it can (see
            // `EventTimestamp.milliseconds(ofField:in:)`); only a failure reads the value.
            if required.type == .timestamp,
                let time = EventTimestamp.milliseconds(ofField: required.name, in: event, hint: &hints[base + i])
            {
                if required.name == timestampField { timestamp = time }
                continue
            }
            // Strings and numbers are checked by type, which an input field knows undecoded.
            guard let type = event.type(of: required.name, hint: &hints[base + i]) else {
                return "missing required field \"\(required.name)\""
            }
            switch required.type {
            case .string:
                guard type == .string else {
                    return "field \"\(required.name)\" must be a string, found \(type.name)"
                }
            case .number:
                guard type == .number else {
                    return "field \"\(required.name)\" must be a number, found \(type.name)"
                }
            case .timestamp:
                return "field \"\(required.name)\" must be an RFC 3339 timestamp or epoch milliseconds"
            }
        }
        return nil
    }
}
