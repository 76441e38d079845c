import NIOCore

/// What the channel handler reports to its owner, in order.
enum AMIConnectionEvent: Sendable {
    case frame(AMIFrame)
    case error(String)
}

/// Inbound handler: feeds bytes to an `AMIDecoder` and yields each frame into an
/// `AsyncStream` (which preserves order); the stream finishes when the channel closes.
final class AMIFrameHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private var decoder: AMIDecoder
    private let continuation: AsyncStream<AMIConnectionEvent>.Continuation

    init(expectBanner: Bool, continuation: AsyncStream<AMIConnectionEvent>.Continuation) {
        self.decoder = AMIDecoder(expectBanner: expectBanner)
        self.continuation = continuation
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        decoder.feed(buffer.readableBytesView)
        do {
            while let frame = try decoder.next() { continuation.yield(.frame(frame)) }
        } catch {
            continuation.yield(.error("\(error)"))
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        continuation.finish()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        continuation.yield(.error("\(error)"))
        context.close(promise: nil)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        continuation.finish()
    }
}
