/// The topics a pipeline writes.
public struct SinkDefinition: Hashable, Sendable {
    /// Events that pass every operator. `nil`: they are not written (a pipeline that only
    /// aggregates).
    public var output: String?
    /// Closed window results. Required when the pipeline has a `window` operator.
    public var windows: String?
    /// Records that failed an operator, with the reason in the `nagare.error` header.
    /// Default: `events.dlq`.
    public var deadLetter: String

    public init(output: String? = nil, windows: String? = nil, deadLetter: String = "events.dlq") {
        self.output = output
        self.windows = windows
        self.deadLetter = deadLetter
    }
}
