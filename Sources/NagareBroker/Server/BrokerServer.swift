public import Logging
import NIOCore
import NIOPosix
import Synchronization

/// Accepts Kafka connections and feeds their requests to a `Broker`.
///
/// Each connection handles its requests one at a time, in order, as Kafka's own broker does
/// (it mutes a connection until its response is sent): responses are therefore in request
/// order, and a parked Fetch or JoinGroup waits without holding up any other connection.
/// Inbound frames are bounded by NIO's back-pressure (`maxInFlightRequestsPerConnection`).
public final class BrokerServer: Sendable {
    public let broker: Broker
    let logger: Logger
    private let group: MultiThreadedEventLoopGroup
    private let nextConnectionID = Atomic<UInt64>(1)
    private let channel = Mutex<(any Channel)?>(nil)

    public init(broker: Broker, logger: Logger) {
        self.broker = broker
        self.logger = logger
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    }

    /// The bound port (useful with port 0).
    public var port: Int? { channel.withLock { $0?.localAddress?.port } }

    /// Binds, serves until `stop()` (or cancellation), then closes every connection.
    public func run(onBound: @Sendable (Int) -> Void = { _ in }) async throws {
        let configuration = broker.configuration
        let server = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .bind(host: configuration.listen.host, port: configuration.listen.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        ByteToMessageHandler(KafkaFrameDecoder(maxFrameBytes: configuration.maxFrameBytes)))
                    return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(
                        wrappingChannelSynchronously: channel,
                        configuration: .init(backPressureStrategy: .init(
                            lowWatermark: max(1, configuration.maxInFlightRequestsPerConnection / 2),
                            highWatermark: configuration.maxInFlightRequestsPerConnection)))
                }
            }
        channel.withLock { $0 = server.channel }
        let port = server.channel.localAddress?.port ?? configuration.listen.port
        broker.didBind(port: port)
        logger.info("listening on \(configuration.listen.host):\(port), advertising \(broker.advertisedAddress)")
        onBound(port)
        try await withThrowingDiscardingTaskGroup { tasks in
            tasks.addTask { await self.maintenanceLoop() }
            // Session expiry and rebalance deadlines of consumer groups.
            tasks.addTask { await self.broker.groups.run() }
            // Transaction timeouts, and transactions a crash left decided but unfinished.
            tasks.addTask { await self.broker.transactions.run() }
            try await server.executeThenClose { inbound in
                for try await connection in inbound {
                    tasks.addTask { await self.serve(connection) }
                }
            }
            tasks.cancelAll()
        }
    }

    /// Stops accepting; `run` returns once open connections are closed.
    public func stop() {
        channel.withLock { $0 }?.close(promise: nil)
    }

    public func shutdownEventLoops() async throws {
        try await group.shutdownGracefully()
    }

    private func serve(_ connection: NIOAsyncChannel<ByteBuffer, ByteBuffer>) async {
        let id = nextConnectionID.add(1, ordering: .relaxed).oldValue
        let peer = connection.channel.remoteAddress?.ipAddress ?? "unknown"
        do {
            try await connection.executeThenClose { inbound, outbound in
                // Closing the server channel cancels the accept loop; this keeps serving until the
                // client closes or the task is cancelled.
                for try await frame in inbound {
                    let bytes = Array(frame.readableBytesView)
                    switch await broker.respond(to: bytes, clientHost: peer, connectionID: id) {
                    case .respond(let out):
                        try await outbound.write(ByteBuffer(bytes: out))
                    case .noResponse:
                        continue
                    case .close(let reason):
                        logger.warning("closing connection \(id) from \(peer): \(reason)")
                        return
                    }
                }
            }
        } catch {
            logger.warning("connection \(id) from \(peer) closed: \(error)")
        }
    }

    private func maintenanceLoop() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(30))
            if Task.isCancelled { return }
            broker.maintain()
        }
    }
}
