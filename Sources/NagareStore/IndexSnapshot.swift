/// The in-memory columnar index of one datasource, as queries see it: dictionaries and
/// time-ordered segments. It is a value: a query copies it out of the store's mutex (copying only
/// array references) and scans it without a lock while ingestion goes on; ingestion mutates the
/// store's copy in place, and Swift's copy-on-write duplicates an array only if a query still
/// holds it at that moment.
struct IndexSnapshot: Sendable {
    let spec: DatasourceSpec
    let layout: MetricLayout
    var dictionaries: [DimensionDictionary]
    /// Sorted by `start`, non-overlapping.
    var segments: [Segment] = []

    init(spec: DatasourceSpec) {
        self.spec = spec
        layout = MetricLayout(spec.metrics)
        dictionaries = Array(repeating: DimensionDictionary(), count: spec.dimensions.count)
    }

    /// Segment length: an hour keeps a day of minute rollups in 24 pieces that prune well; hour
    /// and day rollups get day segments so a segment is not a handful of rows.
    var segmentMilliseconds: Int64 {
        switch spec.granularity {
        case .second, .minute: 3_600_000
        case .hour, .day: 86_400_000
        }
    }

    func segmentStart(for time: Int64) -> Int64 {
        let length = segmentMilliseconds
        let q = time / length
        return (time % length < 0 ? q - 1 : q) * length
    }

    /// The position of the segment starting at `start`, or where it would be inserted.
    func segmentPosition(start: Int64) -> (index: Int, found: Bool) {
        var lo = 0, hi = segments.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if segments[mid].start < start { lo = mid + 1 } else { hi = mid }
        }
        return (lo, lo < segments.count && segments[lo].start == start)
    }

    /// Applies a committed batch: the new dictionary entries, then each row write.
    mutating func apply(_ plan: IngestPlan) {
        for (d, values) in plan.newDictionaryValues.enumerated() {
            for v in values { _ = dictionaries[d].intern(v) }
        }
        for write in plan.writes {
            let start = segmentStart(for: write.key.time)
            var (index, found) = segmentPosition(start: start)
            if !found {
                segments.insert(
                    Segment(start: start, end: start + segmentMilliseconds, slotMilliseconds: spec.granularity.milliseconds, layout: layout,
                            dimensionCount: spec.dimensions.count),
                    at: index)
                found = true
            }
            if let row = write.row {
                segments[index].update(row: row, values: write.values, encodedSketches: write.encodedSketches)
            } else {
                segments[index].append(key: write.key, values: write.values, encodedSketches: write.encodedSketches)
            }
        }
    }

    /// The earliest and latest row time of the whole datasource.
    var timeRange: (min: Int64, max: Int64)? {
        var lo = Int64.max, hi = Int64.min
        for s in segments where s.rowCount > 0 {
            lo = min(lo, s.minTime)
            hi = max(hi, s.maxTime)
        }
        return lo <= hi ? (lo, hi) : nil
    }
}
