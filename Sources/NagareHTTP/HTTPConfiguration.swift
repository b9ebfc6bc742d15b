public import NagareCore

/// Limits and options of the HTTP server of `nagare serve`.
public struct HTTPConfiguration: Sendable {
    /// The largest request body accepted; a larger one is answered 413 before it is parsed.
    /// Default: 1 MiB.
    public var maxRequestBodyBytes = 1 << 20
    /// How long one query may run before it is answered 504 (Druid's "Query timeout").
    /// Default: 30 seconds.
    public var queryTimeout: Duration = .seconds(30)
    /// Queries evaluated at once; more wait for a slot, so that a burst cannot starve ingestion
    /// of the machine's cores. Default: 4.
    public var maxConcurrentQueries = 4

    public init() {}

    /// Checks every key and names the first bad one.
    public func validate() throws(ConfigurationError) {
        guard maxRequestBodyBytes > 0 else {
            throw ConfigurationError("http.maxRequestBodyBytes must be positive (got \(maxRequestBodyBytes))")
        }
        guard queryTimeout > .zero else {
            throw ConfigurationError("http.queryTimeout must be positive (got \(queryTimeout))")
        }
        guard maxConcurrentQueries > 0 else {
            throw ConfigurationError("http.maxConcurrentQueries must be positive (got \(maxConcurrentQueries))")
        }
    }
}
