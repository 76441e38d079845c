import FaxDropAMI
import NIOCore

enum AMISimulatorInput: Sendable {
    case message(AMIMessage)
    case error
}

/// Server side framing: client messages, no banner.
final class AMIServerHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    private var decoder = AMIDecoder(expectBanner: false)
    private let continuation: AsyncStream<AMISimulatorInput>.Continuation

    init(continuation: AsyncStream<AMISimulatorInput>.Continuation) { self.continuation = continuation }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        decoder.feed(unwrapInboundIn(data).readableBytesView)
        do {
            while let frame = try decoder.next() {
                if case .message(let m) = frame { continuation.yield(.message(m)) }
            }
        } catch {
            continuation.yield(.error)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        continuation.finish()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
