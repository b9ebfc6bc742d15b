public import NagareCore

/// A record that ingestion skipped, and why. Reported, counted and never fatal.
public struct MalformedRecord: Error, Sendable, Hashable, CustomStringConvertible {
    public var topicPartition: TopicPartition
    public var offset: Offset
    public var reason: String

    public var description: String { "\(topicPartition)@\(offset): \(reason)" }
}

/// What one `ingest` call did.
public struct IngestResult: Sendable, Hashable {
    /// Records rolled up.
    public var accepted: Int = 0
    /// Records skipped as malformed (all of them, not only the samples).
    public var malformed: Int = 0
    /// Rollup rows inserted or updated.
    public var rowsWritten: Int = 0
    /// The first few malformed records, for a log line. At most `IngestResult.sampleLimit`.
    public var malformedSamples: [MalformedRecord] = []
    /// The offsets stored with this batch: the next offset to read per partition.
    public var committedOffsets: [TopicPartition: Offset] = [:]

    public static let sampleLimit = 10
}
