import Logging
import NIOCore

/// Serves one client connection: request frames in, response frames out, one request at a
/// time and in order, as Kafka's own broker does (it mutes a connection until its response is
/// sent). A parked Fetch or JoinGroup therefore waits without holding up any other connection.
///
/// Back-pressure: frames that arrive while a request is being handled wait in a queue of at
/// most `maxQueuedRequests`; beyond it the handler stops asking the socket for more data
/// (it holds back `read`), so a client cannot make the broker buffer without bound.
///
/// All state is touched on the channel's event loop only; the broker's async work runs in a
/// task whose result is handed back to the event loop.
final class KafkaConnectionHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let broker: Broker
    private let connectionID: UInt64
    private let logger: Logger
    private let maxQueuedRequests: Int
    private var queue: [ByteBuffer] = []
    private var isProcessing = false
    private var heldRead = false
    private var isActive = true
    private var peer = "unknown"

    init(broker: Broker, connectionID: UInt64, logger: Logger, maxQueuedRequests: Int) {
        self.broker = broker
        self.connectionID = connectionID
        self.logger = logger
        self.maxQueuedRequests = maxQueuedRequests
    }

    func handlerAdded(context: ChannelHandlerContext) {
        // Taken now: once the peer has gone, its address can no longer be read.
        peer = context.channel.remoteAddress?.ipAddress ?? "unknown"
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        queue.append(unwrapInboundIn(data))
        if !isProcessing { processNext(context: context) }
    }

    func read(context: ChannelHandlerContext) {
        if queue.count >= maxQueuedRequests {
            heldRead = true
        } else {
            context.read()
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        isActive = false
        queue.removeAll()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let text = "\(error)"
        if text.contains("Connection reset by peer") || text.contains("Broken pipe") {
            logger.info("connection \(connectionID) from \(peer) closed: \(text)")
        } else {
            logger.warning("connection \(connectionID) from \(peer) closed: \(text)")
        }
        context.close(promise: nil)
    }

    private func processNext(context: ChannelHandlerContext) {
        guard isActive, !queue.isEmpty else {
            isProcessing = false
            return
        }
        isProcessing = true
        let frame = queue.removeFirst()
        if heldRead && queue.count < maxQueuedRequests {
            heldRead = false
            context.read()
        }
        let bytes = Array(frame.readableBytesView)
        let broker = self.broker
        let peer = self.peer
        let connectionID = self.connectionID
        let loop = context.eventLoop
        let bound = NIOLoopBound((self, context), eventLoop: loop)
        Task {
            let outcome = await broker.respond(to: bytes, clientHost: peer, connectionID: connectionID)
            loop.execute {
                let (handler, context) = bound.value
                handler.finish(outcome, context: context)
            }
        }
    }

    private func finish(_ outcome: Broker.Outcome, context: ChannelHandlerContext) {
        guard isActive else { return }
        switch outcome {
        case .respond(let bytes):
            context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: bytes)), promise: nil)
        case .noResponse:
            break
        case .close(let reason):
            logger.warning("closing connection \(connectionID) from \(peer): \(reason)")
            isActive = false
            context.close(promise: nil)
            return
        }
        processNext(context: context)
    }
}
