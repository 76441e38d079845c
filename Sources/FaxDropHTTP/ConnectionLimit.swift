import FaxDropSystem
import NIOCore
import Synchronization

/// At most `maximum` HTTP connections are served at once (`FAXDROP_HTTP_MAX_CONNECTIONS`).
/// Each accepted connection is counted as its pipeline is set up, and uncounted when it
/// closes; one beyond the limit is answered `503` and closed at once, so a flood of slow
/// clients gets a quick answer instead of a hang and cannot take the descriptors the intake
/// needs.
final class ConnectionLimit: Sendable {
    let maximum: Int
    private let state = Mutex(State())

    private struct State {
        var open = 0
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

    /// Counts `child` in until it closes, or refuses it.
    func admit(_ child: any Channel) -> Admission {
        let admission = state.withLock { s -> Admission in
            if s.open < maximum {
                s.open += 1
                s.warned = false
                return .admitted
            }
            defer { s.warned = true }
            return .refused(firstSinceFull: !s.warned)
        }
        if case .admitted = admission {
            child.closeFuture.whenComplete { [self] _ in state.withLock { $0.open -= 1 } }
        }
        return admission
    }

    /// How many connections may be open with `openFileLimit` descriptors: `reserve` are kept
    /// for the intake (inotify, claims, journals, renderer pipes, AMI, logs), and each
    /// connection is counted twice (its socket and the upload it may be staging).
    static func cap(configured: Int, openFileLimit: UInt64, reserve: Int) -> Int {
        let available = openFileLimit > UInt64(Int.max) ? Int.max : Int(openFileLimit)
        return max(1, min(configured, (available - reserve) / 2))
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
