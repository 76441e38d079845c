import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1

/// Hummingbird's HTTP/1.1 connection, with FaxDrop's guards around it: a connection beyond
/// `ConnectionLimit` is answered `503` and closed without ever reaching HTTP; a served one
/// gets `RequestHeadTimeout`, `InterimResponses` and `KeepAliveRules` next to NIO's HTTP/1
/// codec, where request heads (with their HTTP version) and raw response parts are seen.
struct LimitedHTTP1Channel: ServerChildChannel {
    enum Value: ServerChildChannelValue {
        case served(HTTP1Channel.Value)
        case refused(any Channel)

        var channel: any Channel {
            switch self {
            case .served(let value): value.channel
            case .refused(let channel): channel
            }
        }
    }

    let http1: HTTP1Channel
    let connections: ConnectionLimit
    /// The whole answer a refused connection gets, bytes on the wire.
    let refusal: [UInt8]
    let linger: TimeAmount
    let headerTimeout: TimeAmount
    /// Called for each refused connection; `true` for the first since the cap was last free.
    let refused: @Sendable (_ firstSinceFull: Bool) -> Void

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        if case .refused(let first) = connections.admit(channel) {
            refused(first)
            let refusal = self.refusal
            let linger = self.linger
            return channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(RefuseConnection(response: refusal, linger: linger))
                return .refused(channel)
            }
        }
        let headerTimeout = self.headerTimeout
        return http1.setup(channel: channel, logger: logger).flatMapThrowing { value in
            let pipeline = channel.pipeline.syncOperations
            let decoder = try pipeline.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self)
            try pipeline.addHandlers(
                [RequestHeadTimeout(timeout: headerTimeout), InterimResponses(), KeepAliveRules()],
                position: .after(decoder))
            return .served(value)
        }
    }

    func handle(value: Value, logger: Logger) async {
        switch value {
        case .served(let connection):
            await http1.handle(value: connection, logger: logger)
        case .refused(let channel):
            try? await channel.closeFuture.get()
        }
    }
}

/// Asks the connection for `100 Continue`, sent at once, ahead of the final answer.
struct SendContinue: Sendable {}

/// Writes `100 Continue` when a `SendContinue` event comes down the pipeline: a handler
/// decides, after checking an upload's headers, that its client may send the body.
final class InterimResponses: ChannelOutboundHandler, RemovableChannelHandler, Sendable {
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
        guard event is SendContinue else {
            context.triggerUserOutboundEvent(event, promise: promise)
            return
        }
        context.writeAndFlush(
            wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .continue))), promise: promise)
    }
}

/// HTTP/1.x keep-alive, which Hummingbird's version-less HTTP types leave out: each answer
/// goes in its request's HTTP version, and a request that does not keep the connection alive
/// (HTTP/1.0 without `Connection: keep-alive`, or `Connection: close`) gets
/// `Connection: close` and the connection is closed once the answer is written.
final class KeepAliveRules: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    /// Requests read and not yet answered, oldest first (clients may pipeline).
    private var unanswered: [(version: HTTPVersion, keepAlive: Bool)] = []

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head(let head) = unwrapInboundIn(data) { unanswered.append((head.version, head.isKeepAlive)) }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard let request = unanswered.first else {
            context.write(data, promise: promise)
            return
        }
        switch unwrapOutboundIn(data) {
        case .head(var head):
            head.version = request.version
            if !request.keepAlive { head.headers.replaceOrAdd(name: "Connection", value: "close") }
            context.write(wrapOutboundOut(.head(head)), promise: promise)
        case .body:
            context.write(data, promise: promise)
        case .end:
            unanswered.removeFirst()
            guard !request.keepAlive else {
                context.write(data, promise: promise)
                return
            }
            let written = promise ?? context.eventLoop.makePromise()
            let channel = context.channel
            written.futureResult.whenComplete { _ in channel.close(promise: nil) }
            context.writeAndFlush(data, promise: written)
        }
    }
}
