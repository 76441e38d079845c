import FaxDropSystem
import NIOCore
import Synchronization

/// At most `maximum` HTTP connections are served at once (`FAXDROP_HTTP_MAX_CONNECTIONS`).
/// Each accepted connection is counted on the listening channel, in accept order, and
/// uncounted when it closes; one beyond the limit is answered `503` and closed at once, so a
/// flood of slow clients gets a quick answer instead of a hang and cannot take the
/// descriptors the intake needs.
final class ConnectionLimit: Sendable {
    let maximum: Int
    private let state = Mutex(State())

    private struct State {
        var open = 0
        /// Connections refused by `admit`, until their initializer asks.
        var refused: Set<ObjectIdentifier> = []
        /// A refusal was logged since the last time a connection fitted.
        var warned = false
    }

    init(maximum: Int) {
        self.maximum = maximum
    }

    /// Connections being served now.
    var open: Int { state.withLock { $0.open } }

    enum Admission {
        case admitted
        case refused(firstSinceFull: Bool)
    }

    /// Counts `child` in, or marks it refused. Called on the listening channel's event loop.
    func admit(_ child: any Channel) -> Admission {
        let key = ObjectIdentifier(child)
        let admission = state.withLock { s -> Admission in
            if s.open < maximum {
                s.open += 1
                s.warned = false
                return .admitted
            }
            s.refused.insert(key)
            defer { s.warned = true }
            return .refused(firstSinceFull: !s.warned)
        }
        child.closeFuture.whenComplete { [self] _ in
            state.withLock { s in
                if s.refused.remove(key) == nil, case .admitted = admission { s.open -= 1 }
            }
        }
        return admission
    }

    /// Whether `child` was refused by `admit`; asked once, by the connection's initializer.
    func wasRefused(_ child: any Channel) -> Bool {
        state.withLock { $0.refused.contains(ObjectIdentifier(child)) }
    }

    /// How many connections may be open with `openFileLimit` descriptors: `reserve` are kept
    /// for the intake (inotify, claims, journals, renderer pipes, AMI, logs), and each
    /// connection is counted twice (its socket and the upload it may be staging).
    static func cap(configured: Int, openFileLimit: UInt64, reserve: Int) -> Int {
        let available = openFileLimit > UInt64(Int.max) ? Int.max : Int(openFileLimit)
        return max(1, min(configured, (available - reserve) / 2))
    }
}

/// On the listening channel, before NIO's accept handlers: counts every accepted connection.
final class ConnectionCounter: ChannelInboundHandler, Sendable {
    typealias InboundIn = any Channel
    typealias InboundOut = any Channel

    private let limit: ConnectionLimit
    private let refused: @Sendable (_ firstSinceFull: Bool) -> Void

    init(limit: ConnectionLimit, refused: @escaping @Sendable (_ firstSinceFull: Bool) -> Void) {
        self.limit = limit
        self.refused = refused
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .refused(let first) = limit.admit(unwrapInboundIn(data)) { refused(first) }
        context.fireChannelRead(data)
    }
}

/// A connection beyond the limit: answered with `response` as soon as it is open, its output
/// closed, whatever it sends read and dropped, and closed for good after `linger` at most.
final class RefuseConnection: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer

    private let response: [UInt8]
    private let linger: TimeAmount

    init(response: [UInt8], linger: TimeAmount) {
        self.response = response
        self.linger = linger
    }

    func channelActive(context: ChannelHandlerContext) {
        let channel = context.channel
        context.writeAndFlush(NIOAny(ByteBuffer(bytes: response))).whenComplete { _ in
            channel.close(mode: .output, promise: nil)
        }
        context.eventLoop.scheduleTask(in: linger) { channel.close(promise: nil) }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}
}
