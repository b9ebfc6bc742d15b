/// The running values of one aggregator for every group of a scan, in arrays indexed by group
/// number: the scan adds a segment's rows column by column with no per-row allocation or
/// dictionary lookup. Sketch aggregators keep one 4 KiB register block per group, allocated the
/// first time a group sees a sketch.
struct AggregatorState {
    let spec: AggregatorSpec
    let filter: CompiledFilter?
    var longs: [Int64] = []
    var doubles: [Double] = []
    /// Per group, the index of its register block in `registers`, or -1.
    var sketchBlock: [Int32] = []
    var registers: [UInt8] = []

    init(spec: AggregatorSpec, dictionaries: [DimensionDictionary]) {
        self.spec = spec
        filter = spec.filter.map { CompiledFilter.compile($0, dictionaries: dictionaries) }
    }

    mutating func grow(to groups: Int) {
        let extra = groups - max(longs.count, doubles.count, sketchBlock.count)
        guard extra > 0 else { return }
        switch spec.kind {
        case .count, .longSum: longs += repeatElement(0, count: extra)
        case .longMin: longs += repeatElement(.max, count: extra)
        case .longMax: longs += repeatElement(.min, count: extra)
        case .doubleSum: doubles += repeatElement(0, count: extra)
        case .doubleMin: doubles += repeatElement(.infinity, count: extra)
        case .doubleMax: doubles += repeatElement(-.infinity, count: extra)
        case .hyperUnique, .cardinality: sketchBlock += repeatElement(-1, count: extra)
        }
    }

    /// Adds the rows of `segment` whose `groupOf[row]` is not negative (and that pass this
    /// aggregator's own filter, for `filtered` aggregators).
    ///
    /// `selection`, when given, lists exactly the rows whose `groupOf` is not negative, in order:
    /// sums and counts then visit only those rows with no per-row branch, which matters when a
    /// filter passes rows in an unpredictable pattern (a mispredicted branch per row costs more
    /// than the addition).
    mutating func accumulate(
        _ segment: Segment, groupOf: UnsafeBufferPointer<Int32>, selection: UnsafeBufferPointer<Int32>? = nil,
        scratch: UnsafeMutableBufferPointer<UInt8>, hashes: [[UInt64]]
    ) {
        let n = segment.rowCount
        if filter == nil, let selection, accumulateSelected(segment, groupOf: groupOf, selection: selection) { return }
        var groups = groupOf
        var filtered: UnsafeMutableBufferPointer<Int32>?
        if let filter {
            // Rows failing the aggregator's filter are masked out of a private copy of groupOf.
            filter.evaluate(segment, into: UnsafeMutableBufferPointer(rebasing: scratch[0..<n]))
            let copy = UnsafeMutableBufferPointer<Int32>.allocate(capacity: n)
            for r in 0..<n { copy[r] = scratch[r] != 0 ? groupOf[r] : -1 }
            filtered = copy
            groups = UnsafeBufferPointer(copy)
        }
        defer { filtered?.deallocate() }

        switch (spec.kind, spec.source) {
        case (.count, _):
            longs.withUnsafeMutableBufferPointer { acc in
                for r in 0..<n { let g = groups[r]; if g >= 0 { acc[Int(g)] &+= 1 } }
            }
        case (.longSum, .long(let k)), (.longMin, .long(let k)), (.longMax, .long(let k)):
            let kind = spec.kind
            segment.longs[k].withUnsafeBufferPointer { column in
                longs.withUnsafeMutableBufferPointer { acc in
                    switch kind {
                    case .longSum: for r in 0..<n { let g = groups[r]; if g >= 0 { acc[Int(g)] &+= column[r] } }
                    case .longMin: for r in 0..<n { let g = groups[r]; if g >= 0 { acc[Int(g)] = min(acc[Int(g)], column[r]) } }
                    default: for r in 0..<n { let g = groups[r]; if g >= 0 { acc[Int(g)] = max(acc[Int(g)], column[r]) } }
                    }
                }
            }
        case (.longSum, .double(let k)), (.longMin, .double(let k)), (.longMax, .double(let k)):
            // Druid reads a double column as long by truncation.
            let kind = spec.kind
            segment.doubles[k].withUnsafeBufferPointer { column in
                longs.withUnsafeMutableBufferPointer { acc in
                    for r in 0..<n {
                        let g = groups[r]
                        guard g >= 0, column[r].isFinite else { continue }
                        let v = Int64(column[r])
                        switch kind {
                        case .longSum: acc[Int(g)] &+= v
                        case .longMin: acc[Int(g)] = min(acc[Int(g)], v)
                        default: acc[Int(g)] = max(acc[Int(g)], v)
                        }
                    }
                }
            }
        case (.doubleSum, .double(let k)), (.doubleMin, .double(let k)), (.doubleMax, .double(let k)):
            let kind = spec.kind
            segment.doubles[k].withUnsafeBufferPointer { column in
                doubles.withUnsafeMutableBufferPointer { acc in
                    switch kind {
                    case .doubleSum: for r in 0..<n { let g = groups[r]; if g >= 0 { acc[Int(g)] += column[r] } }
                    case .doubleMin: for r in 0..<n { let g = groups[r]; if g >= 0 { acc[Int(g)] = min(acc[Int(g)], column[r]) } }
                    default: for r in 0..<n { let g = groups[r]; if g >= 0 { acc[Int(g)] = max(acc[Int(g)], column[r]) } }
                    }
                }
            }
        case (.doubleSum, .long(let k)), (.doubleMin, .long(let k)), (.doubleMax, .long(let k)):
            let kind = spec.kind
            segment.longs[k].withUnsafeBufferPointer { column in
                doubles.withUnsafeMutableBufferPointer { acc in
                    for r in 0..<n {
                        let g = groups[r]
                        guard g >= 0 else { continue }
                        let v = Double(column[r])
                        switch kind {
                        case .doubleSum: acc[Int(g)] += v
                        case .doubleMin: acc[Int(g)] = min(acc[Int(g)], v)
                        default: acc[Int(g)] = max(acc[Int(g)], v)
                        }
                    }
                }
            }
        case (.hyperUnique, .sketch(let k)):
            allocateBlocks(groups: groups, n: n)
            let column = segment.sketches[k]
            column.pool.withUnsafeBufferPointer { pool in
                column.offsets.withUnsafeBufferPointer { offsets in
                    column.lengths.withUnsafeBufferPointer { lengths in
                        registers.withUnsafeMutableBufferPointer { registers in
                            for r in 0..<n {
                                let g = groups[r]
                                guard g >= 0 else { continue }
                                let block = registers.baseAddress! + Int(sketchBlock[Int(g)]) * HyperLogLog.registerCount
                                let bytes = UnsafeBufferPointer(rebasing: pool[offsets[r] ..< offsets[r] + Int(lengths[r])])
                                HyperLogLog.mergeEncoded(bytes, into: block)
                            }
                        }
                    }
                }
            }
        case (.cardinality(let dims, let byRow, _), _):
            allocateBlocks(groups: groups, n: n)
            let p = UInt64(HyperLogLog.precision)
            registers.withUnsafeMutableBufferPointer { registers in
                func add(_ hash: UInt64, _ g: Int32) {
                    let block = registers.baseAddress! + Int(sketchBlock[Int(g)]) * HyperLogLog.registerCount
                    let register = Int(hash >> (64 - p))
                    let rank = UInt8(((hash << p) | (1 << (p - 1))).leadingZeroBitCount + 1)
                    if block[register] < rank { block[register] = rank }
                }
                for r in 0..<n {
                    let g = groups[r]
                    guard g >= 0 else { continue }
                    if byRow {
                        var h: UInt64 = 0
                        for d in dims { h = Hash64.finalize(h &* 31 &+ hashes[d][Int(segment.dimensions[d][r])]) }
                        add(h, g)
                    } else {
                        for d in dims {
                            let id = Int(segment.dimensions[d][r])
                            if id != 0 { add(hashes[d][id], g) }
                        }
                    }
                }
            }
        default:
            break  // the parser only builds the combinations above
        }
    }

    /// The branch-free path for counts and sums over selected rows; false for other kinds.
    private mutating func accumulateSelected(
        _ segment: Segment, groupOf groups: UnsafeBufferPointer<Int32>, selection: UnsafeBufferPointer<Int32>
    ) -> Bool {
        switch (spec.kind, spec.source) {
        case (.count, _):
            longs.withUnsafeMutableBufferPointer { acc in
                for r in selection { acc[Int(groups[Int(r)])] &+= 1 }
            }
        case (.longSum, .long(let k)):
            segment.longs[k].withUnsafeBufferPointer { column in
                longs.withUnsafeMutableBufferPointer { acc in
                    for r in selection { acc[Int(groups[Int(r)])] &+= column[Int(r)] }
                }
            }
        case (.doubleSum, .double(let k)):
            segment.doubles[k].withUnsafeBufferPointer { column in
                doubles.withUnsafeMutableBufferPointer { acc in
                    for r in selection { acc[Int(groups[Int(r)])] += column[Int(r)] }
                }
            }
        default:
            return false
        }
        return true
    }

    private mutating func allocateBlocks(groups: UnsafeBufferPointer<Int32>, n: Int) {
        var blocks = registers.count / HyperLogLog.registerCount
        for r in 0..<n {
            let g = groups[r]
            if g >= 0, sketchBlock[Int(g)] < 0 {
                sketchBlock[Int(g)] = Int32(blocks)
                blocks += 1
            }
        }
        let needed = blocks * HyperLogLog.registerCount
        if needed > registers.count { registers += repeatElement(0, count: needed - registers.count) }
    }

    /// The final value of a group, in Druid's types: longs for counts and long sums, doubles
    /// for double aggregators and sketch estimates (longs when `round` is set). A min or max
    /// that saw no value is null.
    func value(group g: Int) -> QueryValue {
        switch spec.kind {
        case .count, .longSum: return .long(longs[g])
        case .longMin: return longs[g] == .max ? .string(nil) : .long(longs[g])
        case .longMax: return longs[g] == .min ? .string(nil) : .long(longs[g])
        case .doubleSum, .doubleMin, .doubleMax: return .double(doubles[g])
        case .hyperUnique(let round), .cardinality(_, _, let round):
            var estimate = 0.0
            let block = Int(sketchBlock[g])
            if block >= 0 {
                estimate = registers.withUnsafeBufferPointer {
                    HyperLogLog.estimate(registers: UnsafeBufferPointer(rebasing: $0[block * HyperLogLog.registerCount ..< (block + 1) * HyperLogLog.registerCount]))
                }
            }
            return round ? .long(Int64(estimate.rounded())) : .double(estimate)
        }
    }
}
