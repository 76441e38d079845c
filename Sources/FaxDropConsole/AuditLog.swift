import FaxDropCore
import FaxDropSystem
import Foundation
import Logging
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// One line of the audit log.
public struct AuditEntry: Codable, Sendable, Equatable {
    public enum Action: String, Codable, Sendable {
        case signIn = "sign_in"
        case signInRefused = "sign_in_refused"
        case signOut = "sign_out"
        case viewJob = "view_job"
        case viewPage = "view_page"
        case downloadDocument = "download_document"
        case send
        case retry
        case cancel
        case viewReceived = "view_received"
        case downloadReceived = "download_received"
    }

    public var when: Date
    /// The key's name from the keys file (`api-key` for the API key); `-` for a refused sign-in.
    public var key: String
    public var action: Action
    public var jobID: String?
    public var remote: String?

    enum CodingKeys: String, CodingKey {
        case when, key, action, remote
        case jobID = "job_id"
    }
}

/// The console's audit log (`FAXDROP_AUDIT_LOG`, default `<spool>/audit.log`): one JSON object
/// a line for every view of a fax, download, send, retry, cancel and sign-in. The file is opened
/// with `O_APPEND` (each line one `write`, so lines never interleave) and mode 0640; every line
/// is `fsync`ed before the page is answered: these are medical records, and the console's rate of
/// actions is a person's. No key ever reaches it: only the key's name.
public final class AuditLog: Sendable {
    public let path: String
    private let fd: Mutex<Int32?>
    private let logger: Logger

    public init(path: String, logger: Logger) throws {
        self.path = path
        self.logger = logger
        fd = Mutex(try Syscall.open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, mode: 0o640))
    }

    deinit {
        fd.withLock { if let fd = $0 { Syscall.close(fd) } }
    }

    /// Appends `entry`. A failure is logged and the action is refused by the caller: nothing is
    /// shown or done that the log could not record.
    public func record(_ entry: AuditEntry) throws {
        var line = try JSONEncoder.faxdrop(pretty: false).encode(entry)
        line.append(0x0A)
        do {
            try fd.withLock { fd in
                guard let fd else { throw FaxError(.internalError, "the audit log is closed") }
                try line.withUnsafeBytes { try Syscall.writeAll(fd, $0) }
                try Syscall.fsync(fd)
            }
        } catch {
            logger.error("cannot write the audit log", metadata: ["path": "\(path)", "error": "\(error)"])
            throw error
        }
    }
}
