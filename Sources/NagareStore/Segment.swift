/// The rollup rows of one time span (an hour for second/minute rollups, a day for hour/day),
/// stored column by column. Like a Druid segment it is the unit of time pruning: a query skips
/// segments outside its intervals and checks row times only in segments it partly overlaps.
///
/// Rows inside a segment are in insertion order, not time order, so a late event adds its row to
/// the segment of its own time without moving anything.
struct Segment: Sendable {
    /// The span `[start, end)`.
    let start: Int64
    let end: Int64
    var times: [Int64] = []
    /// `(times[row] - start) / rollup granularity`: the row's time as a small number, so a scan
    /// maps it to a query bucket or an interval test with one table lookup instead of a 64-bit
    /// division per row. A segment holds at most 3600 slots (seconds in an hour).
    var slots: [UInt16] = []
    /// The rollup granularity in milliseconds.
    let slotMilliseconds: Int64
    /// `dimensions[d][row]`: a dictionary id.
    var dimensions: [[UInt32]]
    var longs: [[Int64]]
    var doubles: [[Double]]
    var sketches: [SketchColumn]
    /// The smallest and largest row time, for the `all` granularity's timestamp and for the
    /// interior zero-filling of timeseries.
    var minTime = Int64.max
    var maxTime = Int64.min

    init(start: Int64, end: Int64, slotMilliseconds: Int64, layout: MetricLayout, dimensionCount: Int) {
        self.start = start
        self.end = end
        self.slotMilliseconds = slotMilliseconds
        dimensions = Array(repeating: [], count: dimensionCount)
        longs = Array(repeating: [], count: layout.longCount)
        doubles = Array(repeating: [], count: layout.doubleCount)
        sketches = Array(repeating: SketchColumn(), count: layout.sketchCount)
    }

    var rowCount: Int { times.count }
    var slotCount: Int { Int((end - start) / slotMilliseconds) }

    mutating func append(key: RollupKey, values: RowValues, encodedSketches: [[UInt8]]) {
        times.append(key.time)
        slots.append(UInt16((key.time - start) / slotMilliseconds))
        minTime = min(minTime, key.time)
        maxTime = max(maxTime, key.time)
        for d in dimensions.indices { dimensions[d].append(key.dimensions[d]) }
        for k in longs.indices { longs[k].append(values.longs[k]) }
        for k in doubles.indices { doubles[k].append(values.doubles[k]) }
        for k in sketches.indices { sketches[k].append(encodedSketches[k]) }
    }

    mutating func update(row: Int, values: RowValues, encodedSketches: [[UInt8]]) {
        for k in longs.indices { longs[k][row] = values.longs[k] }
        for k in doubles.indices { doubles[k][row] = values.doubles[k] }
        for k in sketches.indices { sketches[k].replace(row: row, with: encodedSketches[k]) }
    }

    func key(row: Int) -> RollupKey {
        RollupKey(time: times[row], dimensions: dimensions.map { $0[row] })
    }

    func values(row: Int) -> RowValues {
        RowValues(
            longs: longs.map { $0[row] },
            doubles: doubles.map { $0[row] },
            sketches: sketches.map { $0.sketch(row: row) })
    }
}
