import Foundation

/// Reads a Druid native query (already decoded by `JSONSerialization`) into a `NativeQuery`,
/// checking every name against the datasource. Every error names the field by its path in the
/// query, e.g. `filter.fields[0].dimension: unknown dimension 'cuntry'`.
struct QueryParser {
    let snapshot: IndexSnapshot
    var spec: DatasourceSpec { snapshot.spec }

    static let queryTypes = ["timeseries", "topN", "groupBy", "timeBoundary"]

    static func dataSourceName(_ query: JSONObject) throws(StoreError) -> String {
        if let table = query.values["dataSource"] as? [String: Any] {
            let object = JSONObject(table, path: "dataSource")
            let type = try object.optionalString("type") ?? "table"
            guard type == "table" else {
                throw StoreError(.unsupportedQuery, "dataSource.type: only 'table' datasources are supported, not '\(type)'")
            }
            return try object.string("name")
        }
        return try query.string("dataSource")
    }

    func parse(_ query: JSONObject) throws(StoreError) -> NativeQuery {
        let type = try query.string("queryType")
        guard Self.queryTypes.contains(type) else {
            throw StoreError(.unsupportedQuery, "queryType: unsupported query type '\(type)' (supported: \(Self.queryTypes.joined(separator: ", ")))")
        }
        if type == "timeBoundary" {
            return NativeQuery(kind: .timeBoundary, intervals: [(Int64.min, Int64.max)], granularity: .all,
                               filter: nil, aggregations: [], postAggregations: [])
        }
        let intervals = try parseIntervals(query)
        let granularity = try parseGranularity(query)
        let filter = try query.optionalObject("filter").map { (o) throws(StoreError) in try parseFilter(o) }
        var aggregations: [AggregatorSpec] = []
        var names = Set<String>()
        for (value, path) in try query.array("aggregations", required: false) {
            let aggregator = try parseAggregator(try JSONObject.object(value, path: path))
            guard names.insert(aggregator.name).inserted else {
                throw StoreError.query("\(path).name", "'\(aggregator.name)' is already an output name")
            }
            aggregations.append(aggregator)
        }
        var valueNames = aggregations.map(\.name)
        var postAggregations: [PostAggregatorSpec] = []
        for (value, path) in try query.array("postAggregations", required: false) {
            let post = try parsePostAggregator(try JSONObject.object(value, path: path), valueNames: valueNames, aggregations: aggregations)
            guard names.insert(post.name).inserted else {
                throw StoreError.query("\(path).name", "'\(post.name)' is already an output name")
            }
            postAggregations.append(post)
            valueNames.append(post.name)
        }

        let kind: NativeQuery.Kind
        switch type {
        case "timeseries":
            let context = try query.optionalObject("context")
            kind = .timeseries(
                descending: try query.bool("descending", default: false),
                skipEmptyBuckets: try context?.bool("skipEmptyBuckets", default: false) ?? false)
        case "topN":
            let dimension = try parseDimensionSpec(query.values["dimension"], path: query.path("dimension"))
            let threshold = try query.int("threshold")
            guard threshold > 0 else { throw StoreError.query(query.path("threshold"), "must be positive") }
            let order = try parseTopNOrder(query.values["metric"], path: query.path("metric"), valueNames: valueNames)
            kind = .topN(dimension: dimension, order: order, threshold: threshold)
        default:
            var dimensions: [NativeQuery.DimensionSpec] = []
            for (value, path) in try query.array("dimensions", required: false) {
                let d = try parseDimensionSpec(value, path: path)
                guard names.insert(d.outputName).inserted else {
                    throw StoreError.query(path, "'\(d.outputName)' is already an output name")
                }
                dimensions.append(d)
            }
            let having = try query.optionalObject("having").map { (o) throws(StoreError) in
                try parseHaving(o, valueNames: valueNames, dimensions: dimensions)
            }
            let limit = try query.optionalObject("limitSpec").map { (o) throws(StoreError) in
                try parseLimitSpec(o, valueNames: valueNames, dimensions: dimensions)
            }
            kind = .groupBy(dimensions: dimensions, having: having, limit: limit)
        }
        return NativeQuery(kind: kind, intervals: intervals, granularity: granularity, filter: filter,
                           aggregations: aggregations, postAggregations: postAggregations)
    }

    // MARK: Intervals and granularity

    func parseIntervals(_ query: JSONObject) throws(StoreError) -> [(start: Int64, end: Int64)] {
        var texts: [(String, String)] = []
        let raw = query.values["intervals"]
        if let s = raw as? String {
            texts = [(s, query.path("intervals"))]
        } else if let o = raw as? [String: Any] {
            // {"type": "intervals", "intervals": [...]}, Druid's querySegmentSpec form.
            let object = JSONObject(o, path: query.path("intervals"))
            for (v, p) in try object.array("intervals") {
                guard let s = v as? String else { throw StoreError.query(p, "expected an ISO interval string") }
                texts.append((s, p))
            }
        } else {
            for (v, p) in try query.array("intervals") {
                guard let s = v as? String else { throw StoreError.query(p, "expected an ISO interval string") }
                texts.append((s, p))
            }
        }
        guard !texts.isEmpty else { throw StoreError.query(query.path("intervals"), "at least one interval is needed") }
        var intervals: [(start: Int64, end: Int64)] = []
        for (text, path) in texts {
            let parts = text.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count == 2 else { throw StoreError.query(path, "'\(text)' is not an ISO interval START/END") }
            var start = ISOTime.parse(parts[0])
            var end = ISOTime.parse(parts[1])
            if start == nil, let s = end, case .fixed(let length, _)? = QueryGranularity.period(String(parts[0]), origin: 0) { start = s - length }
            if end == nil, let s = start, case .fixed(let length, _)? = QueryGranularity.period(String(parts[1]), origin: 0) { end = s + length }
            guard let start, let end else {
                throw StoreError.query(path, "'\(text)' is not an ISO interval START/END (e.g. 2024-05-01T00:00Z/2024-05-02T00:00Z)")
            }
            guard start <= end else { throw StoreError.query(path, "'\(text)' ends before it starts") }
            intervals.append((start, end))
        }
        intervals.sort { $0.start < $1.start }
        var merged: [(start: Int64, end: Int64)] = []
        for i in intervals {
            if let last = merged.last, i.start <= last.end {
                merged[merged.count - 1].end = max(last.end, i.end)
            } else {
                merged.append(i)
            }
        }
        return merged
    }

    func parseGranularity(_ query: JSONObject) throws(StoreError) -> QueryGranularity {
        let path = query.path("granularity")
        guard let raw = query.values["granularity"], !(raw is NSNull) else { return .all }
        if let name = raw as? String {
            if let g = QueryGranularity.named(name, rollup: spec.granularity) ?? QueryGranularity.period(name, origin: nil) {
                return try checkFinerThanRollup(g, path: path)
            }
            throw StoreError.query(path, "unknown granularity '\(name)' (expected all, none, minute, hour, day, ... or an ISO period like PT5M)")
        }
        guard let o = raw as? [String: Any] else { throw StoreError.query(path, "expected a string or an object") }
        let object = JSONObject(o, path: path)
        let type = try object.string("type")
        if let zone = try object.optionalString("timeZone"), !["UTC", "Etc/UTC", "Z", "GMT", "+00:00", "Etc/GMT"].contains(zone) {
            throw StoreError(.unsupportedQuery, "\(object.path("timeZone")): only UTC is supported, not '\(zone)'")
        }
        var origin: Int64?
        if let text = try object.optionalString("origin") {
            guard let t = ISOTime.parse(text) else { throw StoreError.query(object.path("origin"), "'\(text)' is not an ISO time") }
            origin = t
        }
        switch type {
        case "period":
            let text = try object.string("period")
            guard let g = QueryGranularity.period(text, origin: origin) else {
                throw StoreError.query(object.path("period"), "'\(text)' is not a supported ISO period (e.g. PT5M, PT1H, P1D, P1W, P1M)")
            }
            if case .months = g, origin != nil {
                throw StoreError(.unsupportedQuery, "\(object.path("origin")): an origin with month-based periods is not supported")
            }
            return try checkFinerThanRollup(g, path: path)
        case "duration":
            let length = Int64(try object.double("duration"))
            guard length > 0 else { throw StoreError.query(object.path("duration"), "must be positive milliseconds") }
            return try checkFinerThanRollup(.fixed(milliseconds: length, origin: origin ?? 0), path: path)
        default:
            if let g = QueryGranularity.named(type, rollup: spec.granularity) { return try checkFinerThanRollup(g, path: path) }
            throw StoreError.query(object.path("type"), "unknown granularity type '\(type)' (expected period, duration, all, none, ...)")
        }
    }

    /// Buckets must be whole multiples of the rollup granularity, aligned to it: finer ones
    /// cannot be answered from rolled-up rows, and misaligned ones would split a rollup row.
    func checkFinerThanRollup(_ g: QueryGranularity, path: String) throws(StoreError) -> QueryGranularity {
        if case .fixed(let length, let origin) = g {
            let r = spec.granularity.milliseconds
            guard length % r == 0, origin % r == 0 else {
                throw StoreError.query(path, "buckets must be whole multiples of the datasource's rollup granularity (\(spec.granularity.rawValue))")
            }
        }
        return g
    }

    // MARK: Filters

    func dimension(_ object: JSONObject, key: String = "dimension") throws(StoreError) -> Int {
        let name = try object.string(key)
        guard let index = spec.dimensionIndex(name) else {
            let hint = spec.metricIndex(name) != nil ? " ('\(name)' is a metric; filters apply to dimensions)" : ""
            throw StoreError.query(object.path(key), "unknown dimension '\(name)'\(hint)")
        }
        return index
    }

    func parseFilter(_ object: JSONObject) throws(StoreError) -> QueryFilter {
        let type = try object.string("type")
        if object.has("extractionFn") {
            throw StoreError(.unsupportedQuery, "\(object.path("extractionFn")): extraction functions are not supported")
        }
        switch type {
        case "selector":
            return .selector(dimension: try dimension(object), value: try object.scalarText("value"))
        case "in":
            var values: [String?] = []
            for (v, p) in try object.array("values") {
                if v is NSNull { values.append(nil); continue }
                guard let s = v as? String ?? (v as? NSNumber).flatMap(EventParser.text) else {
                    throw StoreError.query(p, "expected a string")
                }
                values.append(s)
            }
            return .inSet(dimension: try dimension(object), values: values)
        case "bound":
            let d = try dimension(object)
            var numeric = false
            if let ordering = object.values["ordering"] {
                let name = (ordering as? String) ?? ((ordering as? [String: Any])?["type"] as? String) ?? ""
                switch name.lowercased() {
                case "lexicographic": numeric = false
                case "numeric": numeric = true
                default:
                    throw StoreError.query(object.path("ordering"), "unsupported ordering '\(name)' (expected lexicographic or numeric)")
                }
            } else if try object.bool("alphaNumeric", default: false) {
                numeric = true
            }
            let lower = try object.scalarText("lower"), upper = try object.scalarText("upper")
            if numeric {
                if let lower, Double(lower) == nil { throw StoreError.query(object.path("lower"), "'\(lower)' is not a number") }
                if let upper, Double(upper) == nil { throw StoreError.query(object.path("upper"), "'\(upper)' is not a number") }
            }
            return .bound(dimension: d, lower: lower, upper: upper,
                          lowerStrict: try object.bool("lowerStrict", default: false),
                          upperStrict: try object.bool("upperStrict", default: false), numeric: numeric)
        case "regex":
            let pattern = try object.string("pattern")
            do {
                _ = try Regex(pattern)
            } catch {
                throw StoreError.query(object.path("pattern"), "'\(pattern)' is not a valid regular expression")
            }
            return .regex(dimension: try dimension(object), pattern: pattern)
        case "search":
            let d = try dimension(object)
            let q = try object.object("query")
            let qtype = try q.string("type")
            switch qtype {
            case "contains":
                return .search(dimension: d, value: try q.string("value"), caseSensitive: try q.bool("caseSensitive", default: false))
            case "insensitive_contains":
                return .search(dimension: d, value: try q.string("value"), caseSensitive: false)
            default:
                throw StoreError(.unsupportedQuery, "\(q.path("type")): unsupported search query '\(qtype)' (expected contains or insensitive_contains)")
            }
        case "and", "or":
            var fields: [QueryFilter] = []
            for (v, p) in try object.array("fields") { fields.append(try parseFilter(try JSONObject.object(v, path: p))) }
            return type == "and" ? .and(fields) : .or(fields)
        case "not":
            return .not(try parseFilter(try object.object("field")))
        case "true": return .constant(true)
        case "false": return .constant(false)
        default:
            throw StoreError(.unsupportedQuery, "\(object.path("type")): unsupported filter type '\(type)' (supported: selector, in, bound, regex, search, and, or, not, true, false)")
        }
    }

    // MARK: Aggregators

    func parseAggregator(_ object: JSONObject) throws(StoreError) -> AggregatorSpec {
        let type = try object.string("type")
        if type == "filtered" {
            let filter = try parseFilter(try object.object("filter"))
            var inner = try parseAggregator(try object.object("aggregator"))
            if let name = try object.optionalString("name") { inner.name = name }
            inner.filter = inner.filter.map { .and([$0, filter]) } ?? filter
            return inner
        }
        let name = try object.string("name")
        func column() throws(StoreError) -> (AggregatorSpec.Source, MetricSpec.Kind) {
            let field = try object.string("fieldName")
            guard let m = spec.metricIndex(field) else {
                let hint = spec.dimensionIndex(field) != nil ? " ('\(field)' is a dimension; aggregators read metrics)" : ""
                throw StoreError.query(object.path("fieldName"), "unknown metric '\(field)'\(hint)")
            }
            switch snapshot.layout.slots[m] {
            case .long(let k): return (.long(k), spec.metrics[m].kind)
            case .double(let k): return (.double(k), spec.metrics[m].kind)
            case .sketch(let k): return (.sketch(k), .hyperUnique)
            }
        }
        func numeric() throws(StoreError) -> AggregatorSpec.Source {
            let (source, kind) = try column()
            guard kind != .hyperUnique else {
                throw StoreError.query(object.path("fieldName"), "'\(try object.string("fieldName"))' is a hyperUnique metric; use a hyperUnique aggregator")
            }
            return source
        }
        let round = try object.bool("round", default: false)
        switch type {
        case "count": return AggregatorSpec(name: name, kind: .count, source: .none)
        case "longSum": return AggregatorSpec(name: name, kind: .longSum, source: try numeric())
        case "doubleSum", "floatSum": return AggregatorSpec(name: name, kind: .doubleSum, source: try numeric())
        case "longMin": return AggregatorSpec(name: name, kind: .longMin, source: try numeric())
        case "longMax": return AggregatorSpec(name: name, kind: .longMax, source: try numeric())
        case "doubleMin", "floatMin", "min": return AggregatorSpec(name: name, kind: .doubleMin, source: try numeric())
        case "doubleMax", "floatMax", "max": return AggregatorSpec(name: name, kind: .doubleMax, source: try numeric())
        case "hyperUnique":
            let (source, kind) = try column()
            guard kind == .hyperUnique else {
                throw StoreError.query(object.path("fieldName"), "'\(try object.string("fieldName"))' is not a hyperUnique metric")
            }
            return AggregatorSpec(name: name, kind: .hyperUnique(round: round), source: source)
        case "cardinality":
            var dims: [Int] = []
            var sketch: Int?
            for (v, p) in try object.array("fields") {
                let field: String
                if let s = v as? String {
                    field = s
                } else if let o = v as? [String: Any], let s = o["dimension"] as? String {
                    field = s
                } else {
                    throw StoreError.query(p, "expected a dimension name")
                }
                if let d = spec.dimensionIndex(field) {
                    dims.append(d)
                } else if let m = spec.metricIndex(field), case .sketch(let k) = snapshot.layout.slots[m] {
                    sketch = k  // lenient: cardinality over a hyperUnique metric merges its sketches
                } else {
                    throw StoreError.query(p, "unknown dimension '\(field)'")
                }
            }
            if let sketch {
                guard dims.isEmpty else {
                    throw StoreError.query(object.path("fields"), "cannot mix a hyperUnique metric with dimensions")
                }
                return AggregatorSpec(name: name, kind: .hyperUnique(round: round), source: .sketch(sketch))
            }
            guard !dims.isEmpty else { throw StoreError.query(object.path("fields"), "at least one dimension is needed") }
            return AggregatorSpec(name: name, kind: .cardinality(dimensions: dims, byRow: try object.bool("byRow", default: false), round: round), source: .none)
        default:
            throw StoreError(.unsupportedQuery, "\(object.path("type")): unsupported aggregator type '\(type)' (supported: count, longSum, doubleSum, floatSum, longMin, longMax, doubleMin, doubleMax, hyperUnique, cardinality, filtered)")
        }
    }

    func parsePostAggregator(_ object: JSONObject, valueNames: [String], aggregations: [AggregatorSpec]) throws(StoreError) -> PostAggregatorSpec {
        let type = try object.string("type")
        let name = try object.optionalString("name") ?? ""
        func field() throws(StoreError) -> Int {
            let f = try object.string("fieldName")
            guard let i = valueNames.firstIndex(of: f) else {
                throw StoreError.query(object.path("fieldName"), "unknown aggregator or post-aggregator '\(f)'")
            }
            return i
        }
        switch type {
        case "arithmetic":
            let fnText = try object.string("fn")
            guard let fn = PostAggregatorSpec.ArithmeticFunction(rawValue: fnText) else {
                throw StoreError.query(object.path("fn"), "unknown function '\(fnText)' (expected +, -, *, /, quotient, pow)")
            }
            var fields: [PostAggregatorSpec] = []
            for (v, p) in try object.array("fields") {
                fields.append(try parsePostAggregator(try JSONObject.object(v, path: p), valueNames: valueNames, aggregations: aggregations))
            }
            guard !fields.isEmpty else { throw StoreError.query(object.path("fields"), "at least one field is needed") }
            return .arithmetic(name: name, function: fn, fields: fields)
        case "fieldAccess", "finalizingFieldAccess":
            return .fieldAccess(name: name, index: try field())
        case "constant":
            return .constant(name: name, value: try object.double("value"))
        case "hyperUniqueCardinality":
            let i = try field()
            if i < aggregations.count {
                switch aggregations[i].kind {
                case .hyperUnique, .cardinality: break
                default:
                    throw StoreError.query(object.path("fieldName"), "'\(valueNames[i])' is not a hyperUnique aggregator")
                }
            }
            return .hyperUniqueCardinality(name: name, index: i)
        default:
            throw StoreError(.unsupportedQuery, "\(object.path("type")): unsupported post-aggregator type '\(type)' (supported: arithmetic, fieldAccess, finalizingFieldAccess, constant, hyperUniqueCardinality)")
        }
    }

    // MARK: topN and groupBy parts

    func parseDimensionSpec(_ raw: Any?, path: String) throws(StoreError) -> NativeQuery.DimensionSpec {
        if let name = raw as? String {
            guard let d = spec.dimensionIndex(name) else { throw StoreError.query(path, "unknown dimension '\(name)'") }
            return .init(dimension: d, outputName: name)
        }
        guard let o = raw as? [String: Any] else {
            throw StoreError.query(path, raw == nil ? "required field is missing" : "expected a dimension name or a dimension spec")
        }
        let object = JSONObject(o, path: path)
        let type = try object.optionalString("type") ?? "default"
        guard type == "default" else {
            throw StoreError(.unsupportedQuery, "\(object.path("type")): unsupported dimension spec type '\(type)' (only default)")
        }
        let d = try dimension(object)
        return .init(dimension: d, outputName: try object.optionalString("outputName") ?? spec.dimensions[d])
    }

    func parseTopNOrder(_ raw: Any?, path: String, valueNames: [String]) throws(StoreError) -> NativeQuery.TopNOrder {
        func metric(_ name: String, _ path: String, descending: Bool) throws(StoreError) -> NativeQuery.TopNOrder {
            guard let i = valueNames.firstIndex(of: name) else {
                throw StoreError.query(path, "unknown metric '\(name)': a topN orders by one of its aggregators or post-aggregators (\(valueNames.joined(separator: ", ")))")
            }
            return .metric(valueIndex: i, descending: descending)
        }
        if let name = raw as? String { return try metric(name, path, descending: true) }
        guard let o = raw as? [String: Any] else {
            throw StoreError.query(path, raw == nil ? "required field is missing" : "expected a metric name or a metric spec")
        }
        let object = JSONObject(o, path: path)
        let type = try object.string("type")
        switch type {
        case "numeric":
            return try metric(try object.string("metric"), object.path("metric"), descending: true)
        case "inverted":
            let inner = try parseTopNOrder(object.values["metric"], path: object.path("metric"), valueNames: valueNames)
            switch inner {
            case .metric(let i, let descending): return .metric(valueIndex: i, descending: !descending)
            case .dimension(let ascending, let stop): return .dimension(ascending: !ascending, previousStop: stop)
            }
        case "dimension", "lexicographic", "alphaNumeric":
            if let ordering = try object.optionalString("ordering"), ordering.lowercased() != "lexicographic" {
                throw StoreError(.unsupportedQuery, "\(object.path("ordering")): only lexicographic dimension ordering is supported")
            }
            return .dimension(ascending: true, previousStop: try object.optionalString("previousStop"))
        default:
            throw StoreError.query(object.path("type"), "unknown topN metric spec type '\(type)' (expected numeric, inverted, dimension)")
        }
    }

    func parseHaving(_ object: JSONObject, valueNames: [String], dimensions: [NativeQuery.DimensionSpec]) throws(StoreError) -> HavingSpec {
        let type = try object.string("type")
        func value() throws(StoreError) -> Int {
            let name = try object.string("aggregation")
            guard let i = valueNames.firstIndex(of: name) else {
                throw StoreError.query(object.path("aggregation"), "unknown aggregation '\(name)'")
            }
            return i
        }
        switch type {
        case "greaterThan": return .greaterThan(valueIndex: try value(), value: try object.double("value"))
        case "lessThan": return .lessThan(valueIndex: try value(), value: try object.double("value"))
        case "equalTo": return .equalTo(valueIndex: try value(), value: try object.double("value"))
        case "dimSelector":
            let name = try object.string("dimension")
            guard let i = dimensions.firstIndex(where: { $0.outputName == name }) else {
                throw StoreError.query(object.path("dimension"), "'\(name)' is not one of the query's dimensions")
            }
            return .dimensionSelector(dimensionIndex: i, value: try object.scalarText("value"))
        case "and", "or":
            var specs: [HavingSpec] = []
            for (v, p) in try object.array("havingSpecs") {
                specs.append(try parseHaving(try JSONObject.object(v, path: p), valueNames: valueNames, dimensions: dimensions))
            }
            return type == "and" ? .and(specs) : .or(specs)
        case "not":
            return .not(try parseHaving(try object.object("havingSpec"), valueNames: valueNames, dimensions: dimensions))
        default:
            throw StoreError(.unsupportedQuery, "\(object.path("type")): unsupported having type '\(type)' (supported: greaterThan, lessThan, equalTo, dimSelector, and, or, not)")
        }
    }

    func parseLimitSpec(_ object: JSONObject, valueNames: [String], dimensions: [NativeQuery.DimensionSpec]) throws(StoreError) -> LimitSpec {
        let type = try object.optionalString("type") ?? "default"
        guard type == "default" else { throw StoreError(.unsupportedQuery, "\(object.path("type")): only the default limitSpec is supported") }
        var columns: [LimitSpec.Column] = []
        for (v, p) in try object.array("columns", required: false) {
            var name: String
            var ascending = true
            var ordering: String?
            if let s = v as? String {
                name = s
            } else {
                let c = try JSONObject.object(v, path: p)
                name = try c.string("dimension")
                let direction = (try c.optionalString("direction") ?? "ascending").lowercased()
                guard direction == "ascending" || direction == "descending" else {
                    throw StoreError.query(c.path("direction"), "expected ascending or descending, not '\(direction)'")
                }
                ascending = direction == "ascending"
                ordering = try c.optionalString("dimensionOrder")?.lowercased()
                if let o = ordering, !["lexicographic", "numeric", "alphanumeric"].contains(o) {
                    throw StoreError.query(c.path("dimensionOrder"), "unsupported order '\(o)'")
                }
            }
            if let d = dimensions.firstIndex(where: { $0.outputName == name }) {
                columns.append(.init(target: .dimension(d), ascending: ascending, numeric: ordering == "numeric"))
            } else if let i = valueNames.firstIndex(of: name) {
                columns.append(.init(target: .value(i), ascending: ascending, numeric: true))
            } else {
                throw StoreError.query(p, "'\(name)' is neither a dimension nor an aggregator of the query")
            }
        }
        var limit: Int?
        if object.has("limit") {
            let l = try object.int("limit")
            guard l >= 0 else { throw StoreError.query(object.path("limit"), "must not be negative") }
            limit = l
        }
        let offset = try object.int("offset", default: 0)
        guard offset >= 0 else { throw StoreError.query(object.path("offset"), "must not be negative") }
        return LimitSpec(columns: columns, limit: limit, offset: offset)
    }
}
