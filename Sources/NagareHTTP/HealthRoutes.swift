public import Hummingbird

/// `GET /status/health` → `true`, as Druid's processes answer it (load balancers and pydruid's
/// callers probe it).
public struct HealthRoutes: RouteGroup {
    public init() {}

    public func register(on router: Router<NagareRequestContext>) {
        router.get("/status/health") { _, _ in JSONResponse.make(bytes: Array("true".utf8)) }
    }
}
