public import Hummingbird
public import Logging
public import NagareStore
import NIOCore

/// The HTTP server of `nagare serve`: a Hummingbird application over the store's route groups.
/// It is a swift-service-lifecycle `Service`; the caller runs it in its `ServiceGroup`, whose
/// graceful shutdown stops accepting connections and lets requests in flight finish.
public enum StoreHTTPServer {
    /// The routes every store server has: health, Druid queries and datasource metadata.
    public static func routes(store: AnalyticsStore, configuration: HTTPConfiguration) -> [any RouteGroup] {
        [
            HealthRoutes(),
            DruidQueryHandler(store: store, configuration: configuration),
            DatasourceMetadataHandler(store: store),
        ]
    }

    /// The dashboard at `/`, its live updates and its pipeline health panel.
    public static func dashboardRoutes(
        store: AnalyticsStore, live: LiveBroadcaster, pipelineHealth: PipelineHealthMonitor?
    ) -> [any RouteGroup] {
        [DashboardRoutes(), DashboardSchemaRoutes(store: store), LiveRoutes(broadcaster: live),
         PipelineHealthRoutes(monitor: pipelineHealth)]
    }

    /// An application bound to `host:port` (port 0: any free port) serving `routes`.
    /// `onListening` receives the bound port once the server accepts connections. With
    /// `authToken`, every request but the health check must carry it (`AuthTokenMiddleware`).
    public static func make(
        routes: [any RouteGroup], host: String, port: Int, authToken: String? = nil, logger: Logger,
        onListening: @escaping @Sendable (Int) async -> Void
    ) -> some ApplicationProtocol {
        Application(
            router: NagareRouter.make(routes, authToken: authToken),
            configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: "nagare"),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? port) },
            logger: logger)
    }
}
