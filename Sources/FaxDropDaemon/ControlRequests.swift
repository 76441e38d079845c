import FaxDropCore
import FaxDropSystem
import Foundation

/// Operator requests from `faxdrop cancel`, `faxdrop retry` and `faxdrop submit` to a running daemon: small
/// files in `tmp/`, created atomically; a running engine learns of each from an inotify
/// watch on `tmp/` (`ControlDoorbell`). A request made while no daemon runs is carried out
/// at the next start.
public enum ControlRequest: Sendable, Equatable {
    case cancel(JobID)
    /// Queue the failed job `old` again as the new job `new`.
    case retry(old: JobID, new: JobID)
    /// Take the job that `faxdrop submit` or `POST /fax` placed in `active/<id>/`.
    case admit(JobID)

    var fileName: String {
        switch self {
        case .cancel(let id): return "cancel-\(id.value).request"
        case .retry(let old, let new): return "retry-\(old.value)-\(new.value).request"
        case .admit(let id): return "admit-\(id.value).request"
        }
    }

    init?(fileName: String) {
        guard fileName.hasSuffix(".request") else { return nil }
        let stem = fileName.dropLast(".request".count)
        if stem.hasPrefix("cancel-"), let id = JobID(String(stem.dropFirst(7))) {
            self = .cancel(id)
        } else if stem.hasPrefix("admit-"), let id = JobID(String(stem.dropFirst(6))) {
            self = .admit(id)
        } else if stem.hasPrefix("retry-"), stem.count == 6 + 26 + 1 + 26 {
            let body = stem.dropFirst(6)
            guard let old = JobID(String(body.prefix(26))), let new = JobID(String(body.suffix(26))) else { return nil }
            self = .retry(old: old, new: new)
        } else {
            return nil
        }
    }

    /// Files the request for the daemon.
    public func post(to spool: Spool) throws {
        try AtomicFile.write(
            Array("\(Timestamp.format(Date()))\n".utf8), to: spool.tmp + "/" + fileName, stagingDirectory: spool.tmp)
    }

    /// Requests waiting in `tmp/`, oldest first.
    static func pending(in spool: Spool) -> [(request: ControlRequest, path: String)] {
        let names = ((try? Syscall.listDirectory(spool.tmp)) ?? []).filter { $0.hasSuffix(".request") }.sorted()
        return names.compactMap { name in ControlRequest(fileName: name).map { ($0, spool.tmp + "/" + name) } }
    }
}
