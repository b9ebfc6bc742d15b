public import Logging
import NIOCore
import NIOPosix
import Synchronization

/// Accepts Kafka connections and feeds their requests to a `Broker`, one
/// `KafkaConnectionHandler` per connection.
///
/// Stopping closes the listening socket and then every open connection; connections accepted
/// at that very moment are closed like the others (plain channel handlers have nothing that
/// must be finished first, unlike async channel wrappers).
public final class BrokerServer: Sendable {
    public let broker: Broker
    let logger: Logger
    private let group: MultiThreadedEventLoopGroup
    private let nextConnectionID = Atomic<UInt64>(1)
    private let state = Mutex(State())

    private struct State {
        var serverChannel: (any Channel)?
        var connections: [ObjectIdentifier: any Channel] = [:]
        var isStopping = false
    }

    public init(broker: Broker, logger: Logger) {
        self.broker = broker
        self.logger = logger
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    }

    /// The bound port (useful with port 0).
    public var port: Int? { state.withLock { $0.serverChannel?.localAddress?.port } }

    /// Binds, serves until `stop()` (or cancellation), then closes every connection.
    public func run(onBound: @Sendable (Int) -> Void = { _ in }) async throws {
        let configuration = broker.configuration
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.autoRead, value: true)
            .childChannelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    let id = nextConnectionID.add(1, ordering: .relaxed).oldValue
                    let accepted = state.withLock { s -> Bool in
                        if s.isStopping { return false }
                        s.connections[ObjectIdentifier(channel)] = channel
                        return true
                    }
                    if !accepted {
                        channel.close(promise: nil)
                        return
                    }
                    channel.closeFuture.whenComplete { [self] _ in
                        _ = state.withLock { $0.connections.removeValue(forKey: ObjectIdentifier(channel)) }
                    }
                    try channel.pipeline.syncOperations.addHandler(
                        ByteToMessageHandler(KafkaFrameDecoder(maxFrameBytes: configuration.maxFrameBytes)))
                    try channel.pipeline.syncOperations.addHandler(KafkaConnectionHandler(
                        broker: broker, connectionID: id, logger: logger,
                        maxQueuedRequests: configuration.maxInFlightRequestsPerConnection))
                }
            }
        let server = try await bootstrap.bind(host: configuration.listen.host, port: configuration.listen.port).get()
        state.withLock { $0.serverChannel = server }
        let port = server.localAddress?.port ?? configuration.listen.port
        broker.didBind(port: port)
        logger.info("listening on \(configuration.listen.host):\(port), advertising \(broker.advertisedAddress)")
        onBound(port)
        await withDiscardingTaskGroup { tasks in
            tasks.addTask { await self.maintenanceLoop() }
            // Session expiry and rebalance deadlines of consumer groups.
            tasks.addTask { await self.broker.groups.run() }
            // Transaction timeouts and completion of prepared transactions.
            tasks.addTask { await self.broker.transactions.run() }
            try? await server.closeFuture.get()
            tasks.cancelAll()
        }
        let open = state.withLock { s -> [any Channel] in
            s.isStopping = true
            return Array(s.connections.values)
        }
        for channel in open { try? await channel.close() }
    }

    /// Stops accepting; `run` returns once open connections are closed.
    public func stop() {
        let server = state.withLock { s -> (any Channel)? in
            s.isStopping = true
            return s.serverChannel
        }
        server?.close(promise: nil)
    }

    public func shutdownEventLoops() async throws {
        try await group.shutdownGracefully()
    }

    private func maintenanceLoop() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(30))
            if Task.isCancelled { return }
            broker.maintain()
        }
    }
}
