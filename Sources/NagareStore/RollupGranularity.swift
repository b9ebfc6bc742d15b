/// The time resolution at which events are rolled up at ingestion (Druid's `queryGranularity`):
/// event timestamps are truncated to it, so it is also the finest granularity a query can ask for.
public enum RollupGranularity: String, Sendable, CaseIterable, Hashable {
    case second
    case minute
    case hour
    case day

    /// The bucket length in milliseconds. All are fixed lengths in UTC, which is why calendar
    /// units (week, month) are not offered here: they would need a time zone and an origin.
    public var milliseconds: Int64 {
        switch self {
        case .second: 1_000
        case .minute: 60_000
        case .hour: 3_600_000
        case .day: 86_400_000
        }
    }

    /// The start of the bucket holding `time` (floor, also for times before 1970).
    @inlinable
    public func truncate(_ milliseconds: Int64) -> Int64 {
        let length = self.milliseconds
        let q = milliseconds / length
        return (milliseconds % length < 0 ? q - 1 : q) * length
    }
}
