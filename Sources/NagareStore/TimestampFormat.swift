/// How the event's timestamp field is written.
public enum TimestampFormat: String, Sendable, CaseIterable, Hashable {
    /// ISO 8601 text such as `2024-05-01T12:34:56.789Z`, with or without milliseconds, with `Z`
    /// or a `±hh:mm` offset; a missing zone means UTC.
    case iso8601
    /// Milliseconds since the Unix epoch, as a JSON number or a string of digits.
    case epochMillis
    /// The Kafka record's own timestamp (create or log-append time); the field is not read.
    case kafka
}
