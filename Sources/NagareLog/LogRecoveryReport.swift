public import NagareCore

/// What opening a partition log found and repaired. The broker logs `messages`; a log with
/// `lostBytes > 0` lost data that had been appended but evidently not made durable.
public struct LogRecoveryReport: Hashable, Sendable, CustomStringConvertible {
    /// A segment whose tail was cut because it did not hold valid batches.
    public struct Truncation: Hashable, Sendable {
        /// The `.log` file name.
        public var segmentFile: String
        /// Where the first bad byte was; the file now ends here.
        public var position: Int
        public var bytes: Int
        /// What was wrong, e.g. "a torn batch (header says 512 bytes, 100 in the file)".
        public var reason: String
    }

    public var topicPartition: TopicPartition
    /// The directory held a clean-shutdown marker, so segments were not scanned (unless their
    /// indexes were missing or their tail looked wrong).
    public var wasCleanShutdown: Bool
    /// `.log` files scanned batch by batch.
    public var scannedSegments: [String] = []
    public var truncations: [Truncation] = []
    /// Segments after a corrupt one, deleted because offsets past a hole cannot be trusted.
    public var deletedSegments: [String] = []
    /// Segments whose index files were missing or malformed and were rebuilt.
    public var rebuiltIndexes: [String] = []
    /// Leftovers of interrupted operations (temporary and half-compacted files) removed.
    public var removedLeftovers: [String] = []

    /// Bytes of log cut off or deleted.
    public var lostBytes: Int

    public init(topicPartition: TopicPartition, wasCleanShutdown: Bool) {
        self.topicPartition = topicPartition
        self.wasCleanShutdown = wasCleanShutdown
        self.lostBytes = 0
    }

    /// Nothing was repaired.
    public var isClean: Bool { truncations.isEmpty && deletedSegments.isEmpty && rebuiltIndexes.isEmpty }

    /// One line per event, each starting with the partition directory name, e.g.
    /// "events.raw-3: truncated 412 bytes of a torn batch at position 98304 of 00000000000000000000.log".
    public var messages: [String] {
        let name = "\(topicPartition.topic)-\(topicPartition.partition)"
        var lines: [String] = []
        if !wasCleanShutdown && !scannedSegments.isEmpty {
            lines.append("\(name): no clean shutdown marker; scanned \(scannedSegments.count) segment(s)")
        }
        for t in truncations {
            lines.append("\(name): truncated \(t.bytes) bytes of \(t.reason) at position \(t.position) of \(t.segmentFile)")
        }
        for d in deletedSegments { lines.append("\(name): deleted segment \(d) after a corrupt segment") }
        for r in rebuiltIndexes { lines.append("\(name): rebuilt the indexes of \(r)") }
        for l in removedLeftovers { lines.append("\(name): removed leftover file \(l)") }
        return lines
    }

    public var description: String {
        let m = messages
        return m.isEmpty ? "\(topicPartition.topic)-\(topicPartition.partition): clean" : m.joined(separator: "\n")
    }
}
