/// How the batch loop runs a pipeline: batch size and interval, retries, error policy.
public struct ExecutionSettings: Hashable, Sendable {
    /// How long one batch collects records before committing. Default: 100ms. Shorter means
    /// fresher output and more transactions per second.
    public var commitInterval: Duration
    /// The most records one batch of the whole process holds: the bound on the loop's buffers.
    /// Default: 10000.
    public var maxRecordsPerBatch: Int
    /// What happens to a record an operator rejects. Default: `.deadLetter`.
    public var errorPolicy: ErrorPolicy
    /// How many times an aborted batch is retried before the loop gives up. Default: 5.
    public var maxBatchRetries: Int
    /// How often dimension tables check their file's modification time. Default: 5s.
    public var tableReloadInterval: Duration
    /// How many partition tasks of a batch run at the same time (each task's records stay in
    /// order on one thread; tasks share nothing but read-only tables). 0, the default, means
    /// one per processor core.
    public var parallelism: Int

    public init(
        commitInterval: Duration = .milliseconds(100), maxRecordsPerBatch: Int = 10_000,
        errorPolicy: ErrorPolicy = .deadLetter, maxBatchRetries: Int = 5,
        tableReloadInterval: Duration = .seconds(5), parallelism: Int = 0
    ) {
        self.commitInterval = commitInterval
        self.maxRecordsPerBatch = maxRecordsPerBatch
        self.errorPolicy = errorPolicy
        self.maxBatchRetries = maxBatchRetries
        self.tableReloadInterval = tableReloadInterval
        self.parallelism = parallelism
    }
}

/// What to do with a record that an operator rejects (Kafka Streams' exception handlers).
public enum ErrorPolicy: String, Hashable, Sendable, CaseIterable {
    /// Write it to the dead-letter topic with the reason; count it; go on.
    case deadLetter
    /// Count it and go on without writing it anywhere.
    case logAndContinue
    /// Stop the pipeline with the reason; the batch is aborted, nothing of it is committed.
    case fail
}
