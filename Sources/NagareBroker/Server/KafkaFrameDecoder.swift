import NIOCore

/// Splits a connection's bytes into Kafka request frames: a big-endian int32 length, then that
/// many bytes. A length below the smallest possible header or above the configured maximum
/// means the peer is not speaking Kafka (or is hostile): the decoder fails and the connection
/// is closed before anything is buffered.
struct KafkaFrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = ByteBuffer

    /// api_key + api_version + correlation_id + client_id length.
    static let minimumFrameBytes = 10
    let maxFrameBytes: Int

    struct FrameError: Error, CustomStringConvertible {
        var length: Int32
        var maximum: Int
        var description: String {
            length < 0 || Int(length) < KafkaFrameDecoder.minimumFrameBytes
                ? "invalid frame length \(length)"
                : "frame of \(length) bytes exceeds the maximum of \(maximum)"
        }
    }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: Int32.self) else { return .needMoreData }
        guard length >= Self.minimumFrameBytes, Int(length) <= maxFrameBytes else {
            throw FrameError(length: length, maximum: maxFrameBytes)
        }
        guard buffer.readableBytes >= 4 + Int(length) else { return .needMoreData }
        buffer.moveReaderIndex(forwardBy: 4)
        let frame = buffer.readSlice(length: Int(length))!
        context.fireChannelRead(wrapInboundOut(frame))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        // A partial frame at EOF is dropped: the client went away mid-request.
        .needMoreData
    }
}
