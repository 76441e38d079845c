import Hummingbird
import NIOCore

/// The request context of the daemon's router: Hummingbird's core storage plus the client's
/// address, read from the connection when the request arrives (the console's audit log
/// names it).
public struct FaxDropRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
    }
}
