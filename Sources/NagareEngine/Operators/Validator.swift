/// Checks required fields and their types; the first failure is the dead-letter reason.
public struct Validator: Sendable {
    public let definition: ValidateDefinition

    public init(_ definition: ValidateDefinition) {
        self.definition = definition
    }

    /// nil when the event is valid, else why not, naming the field.
    public func check(_ event: Event) -> String? {
        for required in definition.required {
            // Timestamps are checked from the event's bytes where it can (see
            // `EventTimestamp.milliseconds(ofField:in:)`); only a failure reads the value.
            if required.type == .timestamp, EventTimestamp.milliseconds(ofField: required.name, in: event) != nil {
                continue
            }
            guard let value = event[required.name] else {
                return "missing required field \"\(required.name)\""
            }
            switch required.type {
            case .string:
                guard case .string = value else {
                    return "field \"\(required.name)\" must be a string, found \(value.typeName)"
                }
            case .number:
                guard value.numberValue != nil else {
                    return "field \"\(required.name)\" must be a number, found \(value.typeName)"
                }
            case .timestamp:
                return "field \"\(required.name)\" must be an RFC 3339 timestamp or epoch milliseconds"
            }
        }
        return nil
    }
}
