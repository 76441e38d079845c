import FaxDropCore
import FaxDropSystem
import Foundation

/// The spool's folders (SPEC §1). Every path FaxDrop touches is derived here.
public struct Spool: Sendable {
    public let root: String

    public init(root: String) {
        var r = root
        while r.count > 1 && r.hasSuffix("/") { r.removeLast() }
        self.root = r
    }

    public var outgoing: String { root + "/outgoing" }
    public var active: String { root + "/active" }
    public var done: String { root + "/done" }
    public var failed: String { root + "/failed" }
    public var tmp: String { root + "/tmp" }

    public func jobFolder(_ id: JobID) -> String { active + "/" + id.value }
    public func journal(_ id: JobID) -> String { jobFolder(id) + "/job.json" }
    public func document(_ id: JobID) -> String { jobFolder(id) + "/document" }
    public func faxImage(_ id: JobID) -> String { jobFolder(id) + "/fax.tif" }
    public func sidecar(_ id: JobID, status: Sidecar.Status) -> String {
        (status == .sent ? done : failed) + "/" + id.value + ".json"
    }

    /// Creates any missing folder of the layout.
    public func createLayout() throws {
        try Syscall.mkdirIfNeeded(root)
        for folder in [outgoing, active, done, failed, tmp] { try Syscall.mkdirIfNeeded(folder) }
    }

    /// Where the final sidecar of `id` is, if the job has ended.
    public func finalSidecar(_ id: JobID) -> String? {
        for status in [Sidecar.Status.sent, .failed] {
            let path = sidecar(id, status: status)
            if (try? Syscall.lstatIfExists(path)) != nil { return path }
        }
        return nil
    }
}
