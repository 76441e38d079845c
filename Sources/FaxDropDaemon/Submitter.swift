import FaxDropCore
import FaxDropSystem
import Foundation

/// Enqueues a document the way a drop does, atomically (SPEC §5): the bytes are staged in
/// `tmp/`, synced, and renamed into `outgoing/<number>/` under `<job-id>--<name>`, so the
/// job gets the id the submitter is told. `faxdrop submit` and `POST /fax` both use it.
public struct Submitter: Sendable {
    public let spool: Spool
    private let ids = IDSource()

    public init(spool: Spool) {
        self.spool = spool
    }

    /// Copies the file at `source` into the queue for `destination`.
    public func submit(file source: String, to destination: E164Number, name: String? = nil, now: Date = Date()) throws -> JobID {
        let bytes = try AtomicFile.read(source, limit: Int.max)
        let base = name ?? URL(fileURLWithPath: source).lastPathComponent
        return try submit(bytes: bytes, to: destination, name: base, now: now)
    }

    /// Queues `bytes` as a document named `name` for `destination`.
    public func submit(bytes: [UInt8], to destination: E164Number, name: String, now: Date = Date()) throws -> JobID {
        try spool.createLayout()
        let id = ids.next(now: now)
        let safeName = Self.safeName(name)
        let folder = spool.outgoing + "/" + destination.value
        try Syscall.mkdirIfNeeded(folder, mode: 0o775)
        let staged = spool.tmp + "/" + Claimer.submittedName(id, original: safeName)
        let fd = try Syscall.open(staged, O_WRONLY | O_CREAT | O_EXCL, mode: 0o644)
        do {
            try bytes.withUnsafeBytes { try Syscall.writeAll(fd, $0) }
            try Syscall.fsync(fd)
            Syscall.close(fd)
            try Syscall.renameNoReplace(staged, folder + "/" + Claimer.submittedName(id, original: safeName))
        } catch {
            Syscall.close(fd)
            try? Syscall.unlink(staged)
            throw error
        }
        try Syscall.fsyncDirectory(folder)
        return id
    }

    /// A file name without path separators, control characters or a leading dot, at most
    /// 200 bytes, so the drop zone never ignores or misplaces a submitted file.
    static func safeName(_ name: String) -> String {
        var cleaned = String(name.unicodeScalars.map { s -> Character in
            (s == "/" || s.value < 0x20 || s.value == 0x7F) ? "_" : Character(s)
        })
        while cleaned.hasPrefix(".") || cleaned.hasPrefix("~") { cleaned.removeFirst() }
        if cleaned.isEmpty { cleaned = "document" }
        while cleaned.utf8.count > 200 { cleaned.removeFirst() }
        let lower = cleaned.lowercased()
        if [".tmp", ".part", ".crdownload"].contains(where: { lower.hasSuffix($0) }) { cleaned += ".bin" }
        return cleaned
    }
}
