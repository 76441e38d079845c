import AsteriskSimulator
import FaxDropSystem
import Foundation
import XCTest

/// SwiftNIO does not open its sockets close-on-exec on Linux (`BaseSocket.makeSocket` and
/// `accept4` pass `SOCK_NONBLOCK` only), so every child the daemon starts would hold its
/// listening sockets and connections: a render worker kept a stopped simulator's port. A child
/// started through `ChildProcess` holds none of them.
final class ChildDescriptorTests: XCTestCase {
    func testAChildHoldsNoneOfTheParentsNIOSockets() async throws {
        let simulator = AsteriskSimulator(options: AsteriskSimulator.Options(), logger: testLogger())
        _ = try await simulator.start()
        let parentSockets = try Syscall.listDirectory("/proc/self/fd").filter {
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/" + $0))?.hasPrefix("socket:")
                == true
        }
        let ran = try ChildProcess.run(["/bin/ls", "-ln", "/proc/self/fd/"], environment: [:])
        await simulator.stop()
        XCTAssertFalse(parentSockets.isEmpty, "the simulator listens on a socket of this process")
        XCTAssertEqual(ran.termination, .exited(0))
        let inherited = String(decoding: ran.output, as: UTF8.self).split(separator: "\n").filter {
            $0.contains("socket:")
        }
        XCTAssertEqual(inherited, [])
    }
}
