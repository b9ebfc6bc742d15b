/// Runs a parsed query on a snapshot and writes Druid's response shape:
/// - timeseries: `[{"timestamp": T, "result": {...}}]`, interior empty buckets zero-filled
///   unless `context.skipEmptyBuckets`;
/// - topN: `[{"timestamp": T, "result": [{dimension, values...}, ...]}]`;
/// - groupBy: `[{"version": "v1", "timestamp": T, "event": {dimensions, values...}}]`;
/// - timeBoundary: `[{"timestamp": T, "result": {"minTime": ..., "maxTime": ...}}]`.
struct QueryEngine {
    let snapshot: IndexSnapshot

    func run(_ query: NativeQuery) -> [UInt8] {
        var w = JSONWriter()
        w.beginArray()
        switch query.kind {
        case .timeseries(let descending, let skipEmpty):
            var scan = GroupScan(snapshot: snapshot, query: query, groupDimensions: [])
            scan.run()
            if !scan.isEmpty {
                let order = descending ? Array((0..<scan.bucketCount).reversed()) : Array(0..<scan.bucketCount)
                let names = query.valueNames
                for b in order {
                    guard scan.groupRows[b] > 0 || (!skipEmpty && scan.bucketOverlapsIntervals(b)) else { continue }
                    w.beginObject()
                    w.key("timestamp"); w.string(ISOTime.format(scan.timestamp(bucket: b)))
                    w.key("result")
                    writeValues(&w, names: names, values: scan.values(group: b))
                    w.endObject()
                }
            }
        case .topN(let dimension, let order, let threshold):
            var scan = GroupScan(snapshot: snapshot, query: query, groupDimensions: [dimension.dimension])
            scan.run()
            writeTopN(&w, scan: scan, query: query, dimension: dimension, order: order, threshold: threshold)
        case .groupBy(let dimensions, let having, let limit):
            var scan = GroupScan(snapshot: snapshot, query: query, groupDimensions: dimensions.map(\.dimension))
            scan.run()
            writeGroupBy(&w, scan: scan, query: query, dimensions: dimensions, having: having, limit: limit)
        case .timeBoundary:
            if let range = snapshot.timeRange {
                w.beginObject()
                w.key("timestamp"); w.string(ISOTime.format(range.min))
                w.key("result")
                w.beginObject()
                w.key("minTime"); w.string(ISOTime.format(range.min))
                w.key("maxTime"); w.string(ISOTime.format(range.max))
                w.endObject()
                w.endObject()
            }
        }
        w.endArray()
        return w.bytes
    }

    private func writeValues(_ w: inout JSONWriter, names: [String], values: [QueryValue], dimensions: [(String, String?)] = []) {
        w.beginObject()
        for (name, value) in dimensions { w.key(name); w.string(value) }
        for (name, value) in zip(names, values) { w.key(name); w.value(value) }
        w.endObject()
    }

    /// Druid orders dimension values by their UTF-8 bytes, null first.
    static func precedes(_ a: String?, _ b: String?) -> Bool {
        switch (a, b) {
        case (nil, nil): false
        case (nil, _): true
        case (_, nil): false
        case let (x?, y?): x.utf8.lexicographicallyPrecedes(y.utf8)
        }
    }

    private func writeTopN(
        _ w: inout JSONWriter, scan: GroupScan, query: NativeQuery, dimension: NativeQuery.DimensionSpec,
        order: NativeQuery.TopNOrder, threshold: Int
    ) {
        var byBucket = [[Int]](repeating: [], count: scan.bucketCount)
        for g in 0..<scan.groupCount where scan.groupRows[g] > 0 { byBucket[scan.groupBucket[g]].append(g) }
        let names = query.valueNames
        for (b, groups) in byBucket.enumerated() where !groups.isEmpty {
            var ranked: [Int]
            switch order {
            case .metric(let index, let descending):
                // Rank on the one value needed; post-aggregators are evaluated for all groups
                // only when the ranking metric is one.
                let key: [Double] = groups.map { g in
                    index < scan.states.count ? scan.states[index].value(group: g).number : scan.values(group: g)[index].number
                }
                let order = Array(groups.indices).sorted { i, j in
                    if key[i] != key[j] { return descending ? key[i] > key[j] : key[i] < key[j] }
                    return Self.precedes(scan.dimensionValue(group: groups[i], 0), scan.dimensionValue(group: groups[j], 0))
                }
                ranked = order.prefix(threshold).map { groups[$0] }
            case .dimension(let ascending, let previousStop):
                var candidates = groups
                if let stop = previousStop {
                    candidates = candidates.filter { g in
                        let v = scan.dimensionValue(group: g, 0)
                        return ascending ? Self.precedes(stop, v) : Self.precedes(v, stop)
                    }
                }
                candidates.sort { a, c in
                    let x = scan.dimensionValue(group: a, 0), y = scan.dimensionValue(group: c, 0)
                    return ascending ? Self.precedes(x, y) : Self.precedes(y, x)
                }
                ranked = Array(candidates.prefix(threshold))
            }
            w.beginObject()
            w.key("timestamp"); w.string(ISOTime.format(scan.timestamp(bucket: b)))
            w.key("result")
            w.beginArray()
            for g in ranked {
                writeValues(&w, names: names, values: scan.values(group: g),
                            dimensions: [(dimension.outputName, scan.dimensionValue(group: g, 0))])
            }
            w.endArray()
            w.endObject()
        }
    }

    private func writeGroupBy(
        _ w: inout JSONWriter, scan: GroupScan, query: NativeQuery, dimensions: [NativeQuery.DimensionSpec],
        having: HavingSpec?, limit: LimitSpec?
    ) {
        struct Row {
            var bucket: Int
            var dims: [String?]
            var values: [QueryValue]
        }
        var rows: [Row] = []
        for g in 0..<scan.groupCount where scan.groupRows[g] > 0 {
            let row = Row(bucket: scan.groupBucket[g],
                          dims: dimensions.indices.map { scan.dimensionValue(group: g, $0) },
                          values: scan.values(group: g))
            if let having, !having.matches(dimensions: row.dims, values: row.values) { continue }
            rows.append(row)
        }
        let columns = limit?.columns ?? []
        // Timestamp first (Druid's default without sortByDimsFirst), then the limitSpec columns,
        // then the dimensions in order so that ties come out deterministically.
        rows.sort { a, b in
            if a.bucket != b.bucket { return a.bucket < b.bucket }
            for c in columns {
                switch c.target {
                case .dimension(let j):
                    let x = a.dims[j], y = b.dims[j]
                    if x == y { continue }
                    if c.numeric {
                        let p = x.flatMap(Double.init) ?? -.infinity, q = y.flatMap(Double.init) ?? -.infinity
                        if p == q { continue }
                        return c.ascending ? p < q : p > q
                    }
                    return c.ascending ? Self.precedes(x, y) : Self.precedes(y, x)
                case .value(let i):
                    let p = a.values[i].number, q = b.values[i].number
                    if p == q { continue }
                    return c.ascending ? p < q : p > q
                }
            }
            for j in dimensions.indices where a.dims[j] != b.dims[j] { return Self.precedes(a.dims[j], b.dims[j]) }
            return false
        }
        var selected = rows[...]
        if let limit {
            selected = selected.dropFirst(limit.offset)
            if let l = limit.limit { selected = selected.prefix(l) }
        }
        let names = query.valueNames
        for row in selected {
            w.beginObject()
            w.key("version"); w.string("v1")
            w.key("timestamp"); w.string(ISOTime.format(scan.timestamp(bucket: row.bucket)))
            w.key("event")
            writeValues(&w, names: names, values: row.values,
                        dimensions: zip(dimensions, row.dims).map { ($0.outputName, $1) })
            w.endObject()
        }
    }
}
