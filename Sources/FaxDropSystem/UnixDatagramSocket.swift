#if canImport(Glibc)
    import Glibc
#endif

/// An `AF_UNIX` datagram socket: how systemd's `NOTIFY_SOCKET` is spoken. A path starting
/// with `@` names an abstract socket (Linux): the `@` becomes the leading NUL byte.
public final class UnixDatagramSocket: Sendable {
    public let fd: Int32

    /// The corresponding C function is `socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)`.
    public init() throws {
        fd = try retryingOnInterrupt("socket") {
            Glibc.socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        }
    }

    deinit { Glibc.close(fd) }

    /// The corresponding C function is `sendto`: one datagram to the socket at `path`. It never
    /// blocks (`MSG_DONTWAIT`): when the receiver's queue is full it fails with `EAGAIN`.
    public func send(_ message: [UInt8], to path: String) throws {
        var (address, length) = try Self.address(path)
        _ = try withUnsafePointer(to: &address) { pointer in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                try message.withUnsafeBytes { raw in
                    try retryingOnInterrupt("sendto", path: path) {
                        Glibc.sendto(
                            fd, raw.baseAddress, raw.count, Int32(MSG_NOSIGNAL) | Int32(MSG_DONTWAIT), sa, length)
                    }
                }
            }
        }
    }

    /// The corresponding C function is `bind` (tests listen the way systemd does).
    public func bind(_ path: String) throws {
        var (address, length) = try Self.address(path)
        _ = try withUnsafePointer(to: &address) { pointer in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                try retryingOnInterrupt("bind", path: path) { Glibc.bind(fd, sa, length) }
            }
        }
    }

    /// Waits up to `timeoutMilliseconds` for one datagram (`poll`, then `recv`); `nil` on timeout.
    public func receive(timeoutMilliseconds: Int32) throws -> [UInt8]? {
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let ready = try retryingOnInterrupt("poll") { Glibc.poll(&poller, 1, timeoutMilliseconds) }
        guard ready > 0 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 65536)
        let n = try buffer.withUnsafeMutableBytes { raw in
            try retryingOnInterrupt("recv") { Glibc.recv(fd, raw.baseAddress, raw.count, 0) }
        }
        return Array(buffer[0..<n])
    }

    static func address(_ path: String) throws -> (sockaddr_un, socklen_t) {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var bytes = Array(path.utf8)
        let abstract = bytes.first == UInt8(ascii: "@")
        if abstract { bytes[0] = 0 }
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard !bytes.isEmpty, bytes.count < capacity else {
            throw SystemError("sockaddr_un", path: path, errno: ENAMETOOLONG)
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
        }
        let offset = MemoryLayout<sockaddr_un>.offset(of: \.sun_path)!
        // An abstract name is exactly its bytes; a path name carries its terminating NUL.
        let length = offset + bytes.count + (abstract ? 0 : 1)
        return (address, socklen_t(length))
    }
}
