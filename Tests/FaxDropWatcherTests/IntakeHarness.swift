import FaxDropSystem
import FaxDropWatcher
import Foundation
import Logging
import Synchronization

/// A fresh temporary folder holding an empty `outgoing/`; returns the folder.
func makeDropZone(_ name: String) throws -> String {
    let root = try Syscall.makeTemporaryDirectory(prefix: NSTemporaryDirectory() + "faxdrop-\(name)-")
    try Syscall.mkdir(root + "/outgoing")
    return root
}

/// What an intake delivered, in order, each path with its size when it was delivered.
final class Deliveries: Sendable {
    let items = Mutex<[(path: String, size: Int64)]>([])

    func add(_ path: String) {
        let size = (try? Syscall.lstat(path).size) ?? -1
        items.withLock { $0.append((path, size)) }
    }

    var paths: [String] { items.withLock { $0.map(\.path) } }

    /// Waits until `count` deliveries were made; throws past `timeout`.
    func wait(count: Int, timeout: Double) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        while items.withLock({ $0.count }) < count {
            if Date() > deadline { throw CancellationError() }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Whether `path` was delivered within `timeout`.
    func wait(for path: String, timeout: Double) async -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if paths.contains(path) { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return false
    }
}

/// Starts an intake on `root/outgoing` with periodic rescans off, recording what it delivers;
/// with `removing`, each delivered file is unlinked, as a claim takes it away.
func startIntake(_ root: String, settleMilliseconds: Int, removing: Bool = false) throws -> (Intake, Deliveries) {
    let deliveries = Deliveries()
    let intake = Intake(
        outgoing: root + "/outgoing", settle: .milliseconds(settleMilliseconds), rescanInterval: 0,
        logger: Logger(label: "test"))
    try intake.start { path in
        deliveries.add(path)
        if removing { try? Syscall.unlink(path) }
        return true
    }
    return (intake, deliveries)
}
