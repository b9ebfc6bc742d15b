/// One pass over the segments a query touches: rows are filtered, assigned a group (time bucket
/// × grouping dimension ids) and folded into per-group aggregator arrays.
///
/// A group key is the mixed-radix number `bucket, id₁, id₂, …` over the bucket count and each
/// dimension's dictionary size. Small key spaces map keys to groups through a dense table, larger
/// ones through a hash map on the 64-bit key; only a key space beyond 2⁶⁴ falls back to
/// hashing arrays. Keys are built column by column so each pass is a tight loop.
struct GroupScan {
    let snapshot: IndexSnapshot
    let query: NativeQuery
    let groupDimensions: [Int]

    /// `[low, high)`: the query intervals' span clipped to the data, or nil if they miss it.
    private(set) var low: Int64 = 0
    private(set) var high: Int64 = 0
    /// Bucket number of the first bucket and how many buckets `[low, high)` spans.
    private(set) var baseBucket: Int64 = 0
    private(set) var bucketCount = 0
    private(set) var isEmpty = true

    // Per group.
    private(set) var groupCount = 0
    private(set) var groupBucket: [Int] = []
    /// `groupDims[g * k + j]` for `k` grouping dimensions.
    private(set) var groupDims: [UInt32] = []
    private(set) var groupRows: [Int64] = []
    private(set) var states: [AggregatorState]

    static let denseLimit: UInt64 = 1 << 21

    init(snapshot: IndexSnapshot, query: NativeQuery, groupDimensions: [Int]) {
        self.snapshot = snapshot
        self.query = query
        self.groupDimensions = groupDimensions
        states = query.aggregations.map { AggregatorState(spec: $0, dictionaries: snapshot.dictionaries) }
        guard let range = snapshot.timeRange, let first = query.intervals.first, let last = query.intervals.last else { return }
        low = max(first.start, range.min)
        high = min(last.end, range.max &+ snapshot.spec.granularity.milliseconds)
        guard low < high else { return }
        isEmpty = false
        if query.granularity == .all {
            baseBucket = 0
            bucketCount = 1
        } else {
            baseBucket = query.granularity.bucket(low)
            bucketCount = Int(query.granularity.bucket(high - 1) - baseBucket + 1)
        }
    }

    /// Whether `time` is inside one of the query's intervals.
    func inIntervals(_ time: Int64) -> Bool {
        for i in query.intervals where time >= i.start && time < i.end { return true }
        return false
    }

    mutating func run() {
        guard !isEmpty else { return }
        let filter = query.filter.map { CompiledFilter.compile($0, dictionaries: snapshot.dictionaries) } ?? .all
        if case .none = filter {
            // Nothing matches; timeseries still reports its (zero) buckets.
            if groupDimensions.isEmpty { addBucketGroups() }
            return
        }
        let k = groupDimensions.count
        let cardinalities = groupDimensions.map { UInt64(snapshot.dictionaries[$0].count) }
        var product = UInt64(bucketCount)
        var overflow = false
        for c in cardinalities {
            let (p, o) = product.multipliedReportingOverflow(by: max(c, 1))
            product = p
            overflow = overflow || o
        }
        var dense: [Int32] = []
        var hashed: [UInt64: Int32] = [:]
        var arrays: [[UInt32]: Int32] = [:]
        let useDense = k > 0 && !overflow && product <= Self.denseLimit
        if useDense { dense = [Int32](repeating: -1, count: Int(product)) }
        if k == 0 { addBucketGroups() }

        // Cardinality aggregators hash each dictionary value once per query, not once per row.
        var hashes: [[UInt64]] = Array(repeating: [], count: snapshot.spec.dimensions.count)
        for spec in query.aggregations {
            if case .cardinality(let dims, _, _) = spec.kind {
                for d in dims where hashes[d].isEmpty {
                    hashes[d] = snapshot.dictionaries[d].values.map { Hash64.hash($0 ?? "") }
                }
            }
        }

        let maxRows = snapshot.segments.map(\.rowCount).max() ?? 0
        let mask = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(maxRows, 1))
        let scratch = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(maxRows, 1))
        let keys = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: max(maxRows, 1))
        let groupOf = UnsafeMutableBufferPointer<Int32>.allocate(capacity: max(maxRows, 1))
        let selected = UnsafeMutableBufferPointer<Int32>.allocate(capacity: max(maxRows, 1))
        defer { mask.deallocate(); scratch.deallocate(); keys.deallocate(); groupOf.deallocate(); selected.deallocate() }

        for segment in snapshot.segments where segment.end > low && segment.start < high && segment.rowCount > 0 {
            let n = segment.rowCount
            // Slot → bucket index relative to baseBucket, or -1 outside the intervals.
            var slotBucket = [Int32](repeating: -1, count: segment.slotCount)
            var anyInside = false
            for s in 0..<segment.slotCount {
                let t = segment.start + Int64(s) * segment.slotMilliseconds
                guard t >= low, t < high, inIntervals(t) else { continue }
                slotBucket[s] = Int32(query.granularity == .all ? 0 : query.granularity.bucket(t) - baseBucket)
                anyInside = true
            }
            guard anyInside else { continue }
            let hasFilter: Bool = if case .all = filter { false } else { true }
            let rowMask = UnsafeMutableBufferPointer(rebasing: mask[0..<n])
            if hasFilter { filter.evaluate(segment, into: rowMask) }

            let sentinel = UInt64.max
            segment.slots.withUnsafeBufferPointer { slots in
                slotBucket.withUnsafeBufferPointer { table in
                    if k == 0 {
                        for r in 0..<n {
                            let b = table[Int(slots[r])]
                            groupOf[r] = (hasFilter && rowMask[r] == 0) ? -1 : b
                        }
                    } else if hasFilter {
                        // No short-circuit on the (unpredictable) mask: selects, not branches.
                        for r in 0..<n {
                            let b = table[Int(slots[r])]
                            let pass = UInt8(truncatingIfNeeded: ~b >> 31) & rowMask[r]  // 1 if b >= 0 and the row passes
                            keys[r] = pass != 0 ? UInt64(truncatingIfNeeded: b) : sentinel
                        }
                    } else {
                        for r in 0..<n {
                            let b = table[Int(slots[r])]
                            keys[r] = b < 0 ? sentinel : UInt64(b)
                        }
                    }
                }
            }
            // With a filter the passing rows come in no predictable pattern, so a branch per row
            // on "does it pass" mispredicts often. List the passing rows once, without branches,
            // and let the later passes visit only them.
            var selection: UnsafeBufferPointer<Int32>?
            if hasFilter && k > 0 && !overflow {
                var m = 0
                for r in 0..<n {
                    selected[m] = Int32(truncatingIfNeeded: r)
                    m &+= keys[r] != sentinel ? 1 : 0
                }
                selection = UnsafeBufferPointer(rebasing: selected[0..<m])
            }
            if k > 0, let selection {
                for (j, d) in groupDimensions.enumerated() {
                    let c = cardinalities[j]
                    segment.dimensions[d].withUnsafeBufferPointer { column in
                        for r in selection { keys[Int(r)] = keys[Int(r)] &* c &+ UInt64(column[Int(r)]) }
                    }
                }
                groupOf.update(repeating: -1)
                for r in selection {
                    let key = keys[Int(r)]
                    var g: Int32
                    if useDense {
                        g = dense[Int(key)]
                        if g < 0 { g = addGroup(key: key, cardinalities: cardinalities); dense[Int(key)] = g }
                    } else if let found = hashed[key] {
                        g = found
                    } else {
                        g = addGroup(key: key, cardinalities: cardinalities)
                        hashed[key] = g
                    }
                    groupOf[Int(r)] = g
                }
            } else if k > 0 {
                if overflow {
                    for r in 0..<n {
                        guard keys[r] != sentinel else { groupOf[r] = -1; continue }
                        let key = [UInt32(keys[r])] + groupDimensions.map { segment.dimensions[$0][r] }
                        if let g = arrays[key] {
                            groupOf[r] = g
                        } else {
                            let g = addGroup(bucket: Int(key[0]), dims: Array(key.dropFirst()))
                            arrays[key] = g
                            groupOf[r] = g
                        }
                    }
                } else {
                    for (j, d) in groupDimensions.enumerated() {
                        let c = cardinalities[j]
                        segment.dimensions[d].withUnsafeBufferPointer { column in
                            for r in 0..<n where keys[r] != sentinel { keys[r] = keys[r] &* c &+ UInt64(column[r]) }
                        }
                    }
                    for r in 0..<n {
                        let key = keys[r]
                        guard key != sentinel else { groupOf[r] = -1; continue }
                        var g: Int32
                        if useDense {
                            g = dense[Int(key)]
                            if g < 0 { g = addGroup(key: key, cardinalities: cardinalities); dense[Int(key)] = g }
                        } else if let found = hashed[key] {
                            g = found
                        } else {
                            g = addGroup(key: key, cardinalities: cardinalities)
                            hashed[key] = g
                        }
                        groupOf[r] = g
                    }
                }
            }
            for i in states.indices { states[i].grow(to: groupCount) }
            groupRows.withUnsafeMutableBufferPointer { rows in
                if let selection {
                    for r in selection { rows[Int(groupOf[Int(r)])] += 1 }
                } else {
                    for r in 0..<n { let g = groupOf[r]; if g >= 0 { rows[Int(g)] += 1 } }
                }
            }
            let groups = UnsafeBufferPointer(rebasing: groupOf[0..<n])
            for i in states.indices {
                states[i].accumulate(segment, groupOf: groups, selection: selection, scratch: scratch, hashes: hashes)
            }
        }
        for i in states.indices { states[i].grow(to: groupCount) }
    }

    /// Timeseries: one group per bucket, group number = bucket index.
    private mutating func addBucketGroups() {
        groupCount = bucketCount
        groupBucket = Array(0..<bucketCount)
        groupRows = [Int64](repeating: 0, count: bucketCount)
        for i in states.indices { states[i].grow(to: groupCount) }
    }

    private mutating func addGroup(key: UInt64, cardinalities: [UInt64]) -> Int32 {
        var rest = key
        var dims = [UInt32](repeating: 0, count: cardinalities.count)
        for j in stride(from: cardinalities.count - 1, through: 0, by: -1) {
            dims[j] = UInt32(rest % cardinalities[j])
            rest /= cardinalities[j]
        }
        return addGroup(bucket: Int(rest), dims: dims)
    }

    private mutating func addGroup(bucket: Int, dims: [UInt32]) -> Int32 {
        groupBucket.append(bucket)
        groupDims += dims
        groupRows.append(0)
        groupCount += 1
        return Int32(groupCount - 1)
    }

    /// The start time reported for a bucket: for `all`, the start of the queried data.
    func timestamp(bucket: Int) -> Int64 {
        query.granularity == .all ? low : query.granularity.start(ofBucket: baseBucket + Int64(bucket))
    }

    /// Whether a bucket overlaps the query's intervals (for timeseries zero-filling).
    func bucketOverlapsIntervals(_ bucket: Int) -> Bool {
        if query.granularity == .all { return true }
        let start = max(timestamp(bucket: bucket), low)
        let end = min(query.granularity.start(ofBucket: baseBucket + Int64(bucket) + 1), high)
        return query.intervals.contains { $0.start < end && start < $0.end }
    }

    /// Aggregator values then post-aggregator values of a group.
    func values(group g: Int) -> [QueryValue] {
        var values = states.map { $0.value(group: g) }
        for post in query.postAggregations { values.append(post.evaluate(values)) }
        return values
    }

    func dimensionValue(group g: Int, _ j: Int) -> String? {
        let d = groupDimensions[j]
        return snapshot.dictionaries[d].values[Int(groupDims[g * groupDimensions.count + j])]
    }
}
