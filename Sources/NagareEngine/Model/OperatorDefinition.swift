/// One step of a pipeline, in the order written.
public enum OperatorDefinition: Hashable, Sendable {
    /// `parse: json`: the record value becomes an `Event`.
    case parseJSON
    case validate(ValidateDefinition)
    case dedup(DedupDefinition)
    case enrich(EnrichDefinition)
    case filter(FilterDefinition)
    case project(ProjectDefinition)
    case window(WindowDefinition)

    /// The YAML key of the operator, used in messages and dead-letter reasons.
    public var kindName: String {
        switch self {
        case .parseJSON: "parse"
        case .validate: "validate"
        case .dedup: "dedup"
        case .enrich: "enrich"
        case .filter: "filter"
        case .project: "project"
        case .window: "window"
        }
    }
}

/// Required fields and their types.
public struct ValidateDefinition: Hashable, Sendable {
    public struct RequiredField: Hashable, Sendable {
        public var name: String
        public var type: FieldType
        public init(_ name: String, _ type: FieldType) {
            self.name = name
            self.type = type
        }
    }

    public var required: [RequiredField]

    public init(required: [RequiredField]) { self.required = required }
}

/// The type a validated field must have.
public enum FieldType: String, Hashable, Sendable, CaseIterable {
    /// A JSON string.
    case string
    /// A JSON number.
    case number
    /// An RFC 3339 string (`2026-11-21T23:00:00.123Z`) or a number of epoch milliseconds.
    case timestamp
}

/// Drop an event whose key was already seen within `window` of event time.
public struct DedupDefinition: Hashable, Sendable {
    /// The field whose value identifies an event (e.g. `event_id`).
    public var keyField: String
    /// Two events with the same key are duplicates when their event times differ by at most
    /// this. Keys older than the newest event time minus `window` are forgotten.
    public var window: Duration
    /// The most keys one task remembers; beyond it the key with the oldest event time is
    /// evicted. Memory: about `Deduplicator.bytesPerKeyEstimate` + the key's length per key.
    /// Default: 1000000.
    public var maxKeys: Int

    public init(keyField: String, window: Duration, maxKeys: Int = 1_000_000) {
        self.keyField = keyField
        self.window = window
        self.maxKeys = maxKeys
    }
}

/// Keep or drop events by one field.
public struct FilterDefinition: Hashable, Sendable {
    public enum Condition: Hashable, Sendable {
        /// The field is a string equal to the value (numbers compare by their JSON text).
        case equals(String)
        case notEquals(String)
        case isIn([String])
        case notIn([String])
        /// The field is present (`true`) or absent (`false`).
        case exists(Bool)
    }

    public var field: String
    public var condition: Condition

    public init(field: String, condition: Condition) {
        self.field = field
        self.condition = condition
    }
}

/// Reshape events: keep a set of fields, drop some, rename some (in that order).
public struct ProjectDefinition: Hashable, Sendable {
    public struct Rename: Hashable, Sendable {
        public var from: String
        public var to: String
        public init(from: String, to: String) {
            self.from = from
            self.to = to
        }
    }

    /// `nil`: keep every field.
    public var keep: [String]?
    public var drop: [String]
    public var rename: [Rename]

    public init(keep: [String]? = nil, drop: [String] = [], rename: [Rename] = []) {
        self.keep = keep
        self.drop = drop
        self.rename = rename
    }
}
