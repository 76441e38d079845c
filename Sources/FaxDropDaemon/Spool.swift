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
    /// Received faxes, one folder per DID or route (SPEC §10).
    public var incoming: String { root + "/incoming" }
    /// Where Asterisk's ReceiveFAX writes (`FAXDROP_RX_DIR` in the dialplan), and FaxDrop's
    /// journal of each receive it is finishing (`<receive id>.json`).
    public var receiving: String { root + "/receiving" }
    /// The faxes as they were sent: `<job-id>.tif`, kept after the job ends (issue 11).
    public var images: String { root + "/images" }

    public func jobFolder(_ id: JobID) -> String { active + "/" + id.value }
    public func journal(_ id: JobID) -> String { jobFolder(id) + "/" + Self.journalName }
    /// The journal's name in its job folder.
    public static let journalName = "job.json"
    public func document(_ id: JobID) -> String { jobFolder(id) + "/document" }
    public func faxImage(_ id: JobID) -> String { jobFolder(id) + "/fax.tif" }
    public func sidecar(_ id: JobID, status: Sidecar.Status) -> String {
        (status == .sent ? done : failed) + "/" + id.value + ".json"
    }

    /// Creates any missing folder of the layout.
    public func createLayout() throws {
        try Syscall.mkdirIfNeeded(root)
        for folder in [outgoing, active, done, failed, tmp] { try Syscall.mkdirIfNeeded(folder) }
        // Asterisk's ReceiveFAX writes here as a member of the spool's group (asterisk/start.sh);
        // the set-group-id bit gives its files that group, so FaxDrop can read and remove them.
        if (try Syscall.lstatIfExists(receiving)) == nil {
            try Syscall.mkdir(receiving, mode: 0o700)
            try Syscall.chmod(receiving, mode: 0o2770)
        }
        // Received faxes are for the office, not the world (SPEC §10 privacy).
        try Syscall.mkdirIfNeeded(incoming, mode: 0o750)
        // The sent faxes are medical records too: the daemon's alone.
        try Syscall.mkdirIfNeeded(images, mode: 0o700)
    }

    /// Where the fax of `id` is kept once its job has ended: `images/<job-id>.tif`.
    public func keptImage(_ id: JobID) -> String { images + "/" + id.value + ".tif" }

    /// The kept fax image of an ended job, as it was sent; `nil` when none is kept (the job
    /// had no pages, or the image was swept by `FAXDROP_KEEP_IMAGES_DAYS`).
    public func sentImage(for id: JobID) -> String? {
        let path = keptImage(id)
        guard let status = try? Syscall.lstatIfExists(path), status.kind == .regular else { return nil }
        return path
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
