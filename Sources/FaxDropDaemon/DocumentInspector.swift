import FaxDropCore
import FaxDropSystem
import Foundation
import Logging

/// Examines a claimed document before it is rendered: what it is, how big, its SHA-256,
/// and the input errors that end a job at once (SPEC §1, §4). The entry is opened without
/// following links and never read unless it is a regular file.
public enum DocumentInspector {
    public struct Findings: Sendable, Equatable {
        public var bytes: Int64
        public var sha256: String
        public var format: DocumentFormat?
        /// The input error, if the document cannot be sent.
        public var error: FaxError?
        /// The modification time the digest belongs to (nanoseconds since 1970).
        public var modifiedNanoseconds: Int64 = 0
        /// A process still had the document open for writing: nothing was read; look again
        /// once it has closed it.
        public var openForWriting = false
    }

    /// - Parameter writers: when given, the document is read under a read lease, so no
    ///   writer can open it meanwhile, and a document still open for writing is reported
    ///   (`openForWriting`) instead of read.
    public static func inspect(
        _ path: String, maxBytes: Int64, writers: WriterProbe? = nil, logger: Logger? = nil
    ) -> Findings {
        let status: FileStatus
        do {
            status = try Syscall.lstat(path)
        } catch {
            return Findings(
                bytes: 0, sha256: "", format: nil,
                error: FaxError(.internalError, "cannot examine the document: \(error)"))
        }
        guard status.kind == .regular else {
            return Findings(
                bytes: 0, sha256: "", format: nil,
                error: FaxError(
                    .notARegularFile, "the entry is a \(status.kind.rawValue), not a regular file; it was not opened"))
        }
        guard status.linkCount == 1 else {
            // Another name for the same file exists, possibly outside the spool: faxing it
            // would send a file that was never dropped. It is moved aside unread.
            return Findings(
                bytes: status.size, sha256: "", format: nil,
                error: FaxError(
                    .notARegularFile,
                    "the file has \(status.linkCount) hard links; only files with one name are faxed; it was not opened"
                ))
        }
        let fd: FileDescriptor
        do {
            fd = FileDescriptor(owning: try Syscall.openForReadingNoFollow(path))
        } catch {
            return Findings(
                bytes: status.size, sha256: "", format: nil,
                error: FaxError(.unreadableFile, "the document cannot be opened: \(error)"))
        }
        // Closing `fd` (when it goes out of scope) also releases the lease.
        if let writers, let logger, case .openForWriting = writers.lease(fd.rawValue, name: path, logger: logger) {
            return Findings(bytes: status.size, sha256: "", format: nil, error: nil, openForWriting: true)
        }
        return inspect(opened: fd, status: status, maxBytes: maxBytes)
    }

    /// Examines a document already open for reading (by the claim, which may still hold its
    /// read lease): `status` is what `lstat` said of the entry, and the descriptor must be
    /// that same regular file. Nothing is opened again.
    public static func inspect(opened fd: borrowing FileDescriptor, status: FileStatus, maxBytes: Int64) -> Findings {
        do {
            let opened = try Syscall.fstat(fd.rawValue)
            guard opened.kind == .regular, opened.inode == status.inode else {
                return Findings(
                    bytes: 0, sha256: "", format: nil,
                    error: FaxError(.notARegularFile, "the entry changed while it was opened"))
            }
            var head = [UInt8](repeating: 0, count: 4096)
            let n = try head.withUnsafeMutableBytes { try Syscall.read(fd.rawValue, into: $0) }
            _ = lseek(fd.rawValue, 0, SEEK_SET)
            let sha = try SHA256.hex(ofFileDescriptor: fd.rawValue)
            let format = DocumentFormat.sniff(head[0..<n])
            var error: FaxError?
            if opened.size == 0 {
                error = FaxError(.emptyFile, "the file is empty (0 bytes)")
            } else if opened.size > maxBytes {
                error = FaxError(
                    .fileTooLarge, "the file has \(opened.size) bytes; the limit is \(maxBytes) (FAXDROP_MAX_BYTES)")
            } else if format == nil {
                error = FaxError(
                    .unsupportedFormat, "the content is none of PDF, PostScript, TIFF, JPEG, PNG or UTF-8 text")
            }
            let after = try Syscall.fstat(fd.rawValue)
            if after.size != opened.size || after.modifiedNanoseconds != opened.modifiedNanoseconds {
                // Written to while being read (no lease here): the digest is of no one version.
                return Findings(bytes: after.size, sha256: "", format: nil, error: nil, openForWriting: true)
            }
            return Findings(
                bytes: opened.size, sha256: sha, format: format, error: error,
                modifiedNanoseconds: opened.modifiedNanoseconds)
        } catch {
            return Findings(
                bytes: status.size, sha256: "", format: nil,
                error: FaxError(.internalError, "cannot read the document: \(error)"))
        }
    }
}
