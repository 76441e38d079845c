import FaxDropSystem
import Foundation
import XCTest

/// The kernel side of the renderer sandbox (issue 9), without Ghostscript: a forked child
/// confined by `Landlock.restrictSelf` gets exactly what it was granted.
final class LandlockTests: XCTestCase {
    /// A TCP listener on 127.0.0.1 (its fd and port), for the child to try to reach.
    private func listener() throws -> (fd: Int32, port: UInt16) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw SystemError("socket", errno: errno) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard bound, listen(fd, 1) == 0 else { throw SystemError("bind", errno: errno) }
        return (fd, UInt16(bigEndian: address.sin_port))
    }

    func testConfinedChildGetsOnlyWhatItWasGranted() throws {
        guard case .available(let abi) = Landlock.availability() else {
            throw XCTSkip("Landlock is not available here: \(Landlock.availability())")
        }
        let root = "/tmp/faxdrop-landlock-\(UUID().uuidString)"
        addTeardownBlock { try? FileManager.default.removeItem(atPath: root) }
        for folder in ["scratch", "outside", "readable"] {
            try FileManager.default.createDirectory(atPath: "\(root)/\(folder)", withIntermediateDirectories: true)
        }
        try Data("secret".utf8).write(to: URL(fileURLWithPath: "\(root)/outside/secret"))
        try Data("input".utf8).write(to: URL(fileURLWithPath: "\(root)/readable/input"))
        let tcp = try listener()
        defer { close(tcp.fd) }

        let child = try Syscall.fork()
        if child == 0 {
            // Only raw calls from here on; the result is one bit per expectation met.
            var met: Int32 = 0
            do {
                _ = try Landlock.restrictSelf(to: [
                    Landlock.Rule("\(root)/scratch", .scratch), Landlock.Rule("\(root)/readable/input", .readFile),
                ])
            } catch {
                _exit(1)
            }
            if open("\(root)/scratch/new", O_CREAT | O_WRONLY, 0o600) >= 0 { met |= 1 << 0 }
            if open("\(root)/readable/input", O_RDONLY) >= 0 { met |= 1 << 1 }
            if open("\(root)/outside/secret", O_RDONLY) < 0 && errno == EACCES { met |= 1 << 2 }
            if open("\(root)/readable/input", O_WRONLY) < 0 && errno == EACCES { met |= 1 << 3 }
            if open("\(root)/outside/new", O_CREAT | O_WRONLY, 0o600) < 0 && errno == EACCES { met |= 1 << 4 }
            if unlink("\(root)/outside/secret") < 0 && errno == EACCES { met |= 1 << 5 }
            let argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/true"), nil]
            if execv("/bin/true", argv) < 0 && errno == EACCES { met |= 1 << 6 }
            if abi >= 4 {
                let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
                var address = sockaddr_in()
                address.sin_family = sa_family_t(AF_INET)
                address.sin_addr.s_addr = inet_addr("127.0.0.1")
                address.sin_port = tcp.port.bigEndian
                let connected = withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                    }
                }
                if connected < 0 && errno == EACCES { met |= 1 << 7 }
            } else {
                met |= 1 << 7  // TCP rights need ABI 4; nothing to check here.
            }
            _exit(met)
        }
        let termination = try Syscall.wait(for: child)
        // 0xFF: every expectation met (see the bits above).
        XCTAssertEqual(termination, .exited(0xFF), "bits met: \(termination)")
        XCTAssertTrue(FileManager.default.fileExists(atPath: "\(root)/scratch/new"))
        XCTAssertEqual(try String(contentsOfFile: "\(root)/outside/secret", encoding: .utf8), "secret")
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(root)/outside/new"))
    }
}
