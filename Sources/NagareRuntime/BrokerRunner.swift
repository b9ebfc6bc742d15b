import Foundation
public import Logging
public import NagareBroker

/// Runs `nagare broker`: opens the data directory, serves until `stop()`, then shuts down
/// cleanly (stop accepting, close connections, flush and close every log).
public final class BrokerRunner: Sendable {
    let server: BrokerServer
    let logger: Logger

    public init(configuration: BrokerConfiguration, logger: Logger) throws {
        self.logger = logger
        let broker = try Broker(configuration: configuration, logger: logger)
        server = BrokerServer(broker: broker, logger: logger)
    }

    /// Serves until `stop()`; `onBound` receives the port actually bound.
    public func run(onBound: @Sendable (Int) -> Void) async throws {
        defer { logger.info("broker stopped") }
        do {
            try await server.run(onBound: onBound)
        } catch {
            await server.broker.shutdown()
            try? await server.shutdownEventLoops()
            throw error
        }
        await server.broker.shutdown()
        try await server.shutdownEventLoops()
    }

    public func stop() {
        logger.info("stopping: no new connections; flushing and closing logs")
        server.stop()
    }
}
