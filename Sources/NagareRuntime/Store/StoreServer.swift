public import Logging
public import NagareCore
public import NagareHTTP
public import NagareStore
import ServiceLifecycle
import UnixSignals

/// `nagare serve`: the analytics store, one ingestor per datasource and the HTTP server, run as
/// services of one `ServiceGroup`.
///
/// Graceful shutdown (`stop()`, or the group's signals) stops the HTTP server from accepting
/// connections and each ingestor after its current step; SQLite already holds every committed
/// step, so a kill -9 instead loses nothing either, only the step in progress, read again on the
/// next start. If any service fails (a fatal ingestion error), the others are shut down too and
/// `run()` throws that error.
public final class StoreServer: Sendable {
    public struct Options: Sendable {
        /// Where the store keeps `store.sqlite`. Default: `./nagare-data/store`.
        public var dataDirectory = "./nagare-data/store"
        /// The HTTP address; port 0 binds any free port. Default: 127.0.0.1:8080.
        public var http = HostPort(host: "127.0.0.1", port: 8080)
        public var httpConfiguration = HTTPConfiguration()
        public var ingest = StoreIngestorConfiguration()
        /// `GET /status` URLs of pipelines (`nagare run --status`) whose health the dashboard
        /// shows. Default: none.
        public var pipelineStatusURLs: [String] = []
        /// When set, every HTTP request but `GET /status/health` must carry this token
        /// (`Authorization: Bearer` or `?token=`). Default: none.
        public var authToken: String?
        public init() {}
    }

    public let store: AnalyticsStore
    public let ingestors: [StoreIngestor]
    let options: Options
    let logger: Logger
    private let group: ServiceGroup

    /// Opens the store (loading its rows into memory) and prepares the services; nothing runs
    /// until `run()`. `onListening` receives the bound HTTP port once the server accepts
    /// connections. With `handlesTerminationSignals`, SIGTERM and SIGINT shut the whole group
    /// down gracefully.
    public init(
        datasources: [DatasourceSpec], options: Options, logger: Logger,
        handlesTerminationSignals: Bool = false,
        onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) throws {
        try options.httpConfiguration.validate()
        try options.ingest.validate()
        let store = try AnalyticsStore(dataDirectory: options.dataDirectory, datasources: datasources)
        let live = LiveBroadcaster()
        let ingestors = try datasources.map {
            try StoreIngestor(store: store, datasource: $0.name, configuration: options.ingest, logger: logger, live: live)
        }
        self.store = store
        self.ingestors = ingestors
        let pipelineHealth = options.pipelineStatusURLs.isEmpty ? nil : PipelineHealthMonitor(urls: options.pipelineStatusURLs)
        let http = StoreHTTPServer.make(
            routes: StoreHTTPServer.routes(store: store, configuration: options.httpConfiguration)
                + StoreHTTPServer.dashboardRoutes(store: store, live: live, pipelineHealth: pipelineHealth)
                + [StoreMetrics(ingestors: ingestors).routes],
            host: options.http.host, port: options.http.port, authToken: options.authToken,
            logger: logger, onListening: onListening)
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: http, successTerminationBehavior: .gracefullyShutdownGroup,
                  failureTerminationBehavior: .gracefullyShutdownGroup)
        ]
        if let pipelineHealth {
            services.append(.init(service: pipelineHealth, successTerminationBehavior: .ignore,
                                  failureTerminationBehavior: .gracefullyShutdownGroup))
        }
        for ingestor in ingestors {
            services.append(.init(service: ingestor, successTerminationBehavior: .ignore,
                                  failureTerminationBehavior: .gracefullyShutdownGroup))
        }
        var configuration = ServiceGroupConfiguration(services: services, logger: logger)
        configuration.gracefulShutdownSignals = handlesTerminationSignals ? [.sigterm, .sigint] : []
        group = ServiceGroup(configuration: configuration)
        self.options = options
        self.logger = logger
    }

    /// Runs until stopped; throws the first service failure.
    public func run() async throws {
        try await group.run()
    }

    /// Asks every service to finish its current work and return.
    public func stop() async {
        await group.triggerGracefulShutdown()
    }
}
