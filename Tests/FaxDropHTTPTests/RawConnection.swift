import FaxDropTestSupport
import Foundation

/// A plain TCP connection to the gateway on loopback, for clients curl cannot play: one
/// that never finishes its request head, one that trickles it, one that stalls its body.
final class RawConnection {
    private(set) var fd: Int32

    init(port: Int) throws {
        fd = try connectToLoopback(port: port)
    }

    /// Sends `text`; `false` once the gateway has closed the connection.
    @discardableResult
    func send(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } == bytes.count
    }

    /// Reads what arrives for up to `seconds`; `closed` when the gateway closed the connection.
    func read(for seconds: Double) -> (bytes: [UInt8], closed: Bool) {
        var bytes: [UInt8] = []
        let deadline = Date().addingTimeInterval(seconds)
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let left = deadline.timeIntervalSinceNow
            if left <= 0 { return (bytes, false) }
            var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&entry, 1, Int32(left * 1000) + 1)
            if ready < 0 && errno == EINTR { continue }
            if ready <= 0 { continue }
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { return (bytes, true) }  // end of stream, or reset
            bytes += buffer[0..<n]
        }
    }

    func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    deinit { close() }
}
