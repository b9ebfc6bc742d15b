import Foundation
public import Hummingbird

/// `GET /api/pipeline`: the health panel's data, `{"pipelines": [...], "markers": [...]}`. Each
/// pipeline has its status URL, whether it answered (`reachable`, else `error` says why), its
/// last status (`current`) and its recent samples (`history`); `markers` are the restarts of
/// all pipelines, oldest first. With no `--pipeline-status`, both lists are empty.
public struct PipelineHealthRoutes: RouteGroup {
    let monitor: PipelineHealthMonitor?

    public init(monitor: PipelineHealthMonitor?) { self.monitor = monitor }

    struct Pipeline: Encodable {
        var url: String
        var reachable: Bool
        var error: String?
        var lastPolledAt: Int64?
        var current: PipelineHealthHistory.Status?
        var history: [PipelineHealthHistory.Sample]
    }

    struct Body: Encodable {
        var pipelines: [Pipeline]
        var markers: [PipelineHealthHistory.Marker]
    }

    public func register(on router: Router<NagareRequestContext>) {
        let monitor = self.monitor
        router.get("/api/pipeline") { _, _ in
            let histories = monitor?.snapshot() ?? []
            let body = Body(
                pipelines: histories.map {
                    Pipeline(url: $0.url, reachable: $0.isReachable, error: $0.error, lastPolledAt: $0.lastPolledAt,
                             current: $0.status, history: $0.samples)
                },
                markers: histories.flatMap(\.markers).sorted { $0.t < $1.t })
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            return JSONResponse.make(bytes: Array(try encoder.encode(body)))
        }
    }
}
