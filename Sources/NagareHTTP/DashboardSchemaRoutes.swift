import Foundation
public import Hummingbird
public import NagareStore

/// `GET /api/datasources`: what the dashboard offers to chart, per datasource: its dimensions,
/// its metrics with their kind (so the page picks the right query aggregator: `hyperUnique` for
/// distinct counts, sums otherwise) and its rollup granularity (the finest a query can use).
/// Druid's own metadata route lists metric names only.
public struct DashboardSchemaRoutes: RouteGroup {
    let store: AnalyticsStore

    public init(store: AnalyticsStore) { self.store = store }

    struct Metric: Encodable {
        var name: String
        var kind: String
    }

    struct Datasource: Encodable {
        var name: String
        var dimensions: [String]
        var metrics: [Metric]
        var granularity: String
        var granularityMilliseconds: Int64
    }

    public func register(on router: Router<NagareRequestContext>) {
        let store = self.store
        router.get("/api/datasources") { _, _ in
            var list: [Datasource] = []
            for name in store.datasources() {
                guard let spec = try? store.spec(of: name) else { continue }
                list.append(Datasource(
                    name: name, dimensions: spec.dimensions,
                    metrics: spec.metrics.map { Metric(name: $0.name, kind: $0.kind.rawValue) },
                    granularity: spec.granularity.rawValue,
                    granularityMilliseconds: spec.granularity.milliseconds))
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            return JSONResponse.make(bytes: Array(try encoder.encode(list)))
        }
    }
}
