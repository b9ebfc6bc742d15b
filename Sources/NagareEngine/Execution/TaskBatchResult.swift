public import NagareCore

/// What one task's batch produced: records to write in the batch's transaction, and counts.
public struct TaskBatchResult: Sendable {
    public var topicPartition: TopicPartition
    /// Enriched events, window results and late events for a side topic.
    public var outputs = OutgoingRecordBlock()
    /// Rejected records (and late events under `late: deadLetter`), each with `nagare.error`.
    public var deadLetters = OutgoingRecordBlock()
    /// State changes for the changelog topic, keyed per `ChangelogKey`.
    public var changelog = OutgoingRecordBlock()
    /// The next offset to read once this batch commits; nil when nothing was processed yet.
    public var nextOffset: Offset?
    public var statistics = TaskStatistics()
    /// Reasons of records skipped under `errorPolicy: logAndContinue`, for the runtime to log.
    public var skippedReasons: [String] = []

    public init(topicPartition: TopicPartition) {
        self.topicPartition = topicPartition
    }
}

/// Counts of what happened to records, per batch (and summed by the batch loop over committed
/// batches only, so a retried batch is not counted twice).
public struct TaskStatistics: Hashable, Sendable {
    public var inputRecords = 0
    public var outputRecords = 0
    public var duplicates = 0
    public var filtered = 0
    public var deadLettered = 0
    public var skipped = 0
    public var lateEvents = 0
    public var windowResults = 0

    public init() {}

    public static func += (lhs: inout TaskStatistics, rhs: TaskStatistics) {
        lhs.inputRecords += rhs.inputRecords
        lhs.outputRecords += rhs.outputRecords
        lhs.duplicates += rhs.duplicates
        lhs.filtered += rhs.filtered
        lhs.deadLettered += rhs.deadLettered
        lhs.skipped += rhs.skipped
        lhs.lateEvents += rhs.lateEvents
        lhs.windowResults += rhs.windowResults
    }
}
