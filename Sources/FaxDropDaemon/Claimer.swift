import FaxDropCore
import FaxDropSystem
import Foundation
import Logging
import Synchronization

/// Claims entries of the drop zone: one atomic `rename` into `active/<job-id>/` (SPEC §1).
///
/// Every step is relative to directory descriptors: `outgoing/` and the destination folder
/// are opened with `O_DIRECTORY | O_NOFOLLOW`, so a folder swapped for a symlink between
/// the event and the claim is refused, never followed. A regular file is claimed only when
/// a read lease shows that nobody has it open for writing; the lease is held across the
/// rename, so no writer can open it in between.
///
/// The journal is written first (state `claiming`; made with no name and linked into the new
/// job folder whole, no temp name in `tmp/`), then the entry is renamed in, so a
/// crash at any point leaves either an untouched entry in `outgoing/` or a job folder whose
/// journal says what it is. A second claim of the same entry finds it gone and backs out.
/// The job id is always a new one: no dropped name chooses it (SPEC §1).
public struct Claimer: Sendable {
    public enum Outcome: Sendable {
        case claimed(JobRecord)
        /// The entry was already gone (claimed, removed) or its folder is not a real folder.
        case gone
        /// Some process still has the file open for writing: not claimed; wait again.
        case openForWriting
    }

    public let spool: Spool
    public let journal: JournalStore
    public let fax: Sidecar.Fax
    public let writers: WriterProbe
    /// `FAXDROP_COVER`: whether a job whose folder does not say gets a cover page.
    public let coverByDefault: Bool
    private let ids: IDSource
    private let reported = OptionsReports()

    public init(spool: Spool, fax: Sidecar.Fax, coverByDefault: Bool = false, writers: WriterProbe = WriterProbe()) {
        self.spool = spool
        self.coverByDefault = coverByDefault
        self.journal = JournalStore(spool: spool)
        self.fax = fax
        self.writers = writers
        self.ids = IDSource()
    }

    /// Claims `path` (an entry in `outgoing/` or `outgoing/<folder>/`).
    public func claim(_ path: String, now: Date, logger: Logger) throws -> Outcome {
        try claim(path, now: now, inspectingUpTo: nil, logger: logger).outcome
    }

    /// Claims `path` and, given `maxBytes`, inspects the claimed document through the
    /// descriptor the claim already holds, still under its read lease: nothing is opened or
    /// leased again. `findings` is `nil` when nothing was inspected (not asked, not a
    /// regular file, unreadable).
    public func claim(_ path: String, now: Date, inspectingUpTo maxBytes: Int64?, logger: Logger) throws -> (
        outcome: Outcome, findings: DocumentInspector.Findings?
    ) {
        let relative = path.hasPrefix(spool.outgoing + "/") ? String(path.dropFirst(spool.outgoing.count + 1)) : path
        let parts = relative.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        guard (1...2).contains(parts.count), !parts.contains(".."), !parts.contains(".") else {
            logger.error("not an entry of the drop zone; not claimed", metadata: ["path": "\(path)"])
            return (.gone, nil)
        }
        let destination = parts.count == 2 ? parts[0] : ""
        let name = parts[parts.count - 1]
        // `outgoing/` is configuration (it may be a symlink an administrator made); the
        // destination folders inside it are not, and are never followed.
        let outgoingFD = try Syscall.open(spool.outgoing, O_RDONLY | O_DIRECTORY)
        defer { Syscall.close(outgoingFD) }
        let folderFD: Int32
        if parts.count == 2 {
            do {
                folderFD = try Syscall.openDirectory(destination, in: outgoingFD)
            } catch let error as SystemError where error.errno == ELOOP || error.errno == ENOTDIR || error.isNotFound {
                if !error.isNotFound {
                    logger.warning(
                        "destination folder is not a folder (a symlink?); not followed",
                        metadata: ["folder": "\(destination)"])
                }
                return (.gone, nil)
            }
        } else {
            folderFD = outgoingFD
        }
        defer { if folderFD != outgoingFD { Syscall.close(folderFD) } }
        guard let status = try Syscall.lstatAt(folderFD, name) else { return (.gone, nil) }

        // A regular file with one name: hold a read lease across the rename (and the
        // inspection); closing the descriptor releases it.
        var leased: FileDescriptor? = nil
        if status.kind == .regular && status.linkCount == 1 {
            do {
                let fd = try Syscall.openAtOwned(folderFD, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY)
                if case .openForWriting = writers.lease(fd.rawValue, name: relative, logger: logger) {
                    logger.debug("still open for writing; not claimed yet", metadata: ["path": "\(path)"])
                    return (.openForWriting, nil)
                }
                leased = consume fd
            } catch let error as SystemError where error.isNotFound {
                return (.gone, nil)
            } catch let error as SystemError where error.errno == EACCES {
                // Unreadable: claimed all the same; the inspection reports `unreadable_file`.
            }
        }

        // `+E164 Label`: the number is dialled, the label names the recipient. A folder
        // that is no destination keeps its name, and the scheduler fails it.
        let parsed = DestinationFolder(destination)
        var options = JobOptions(cover: coverByDefault ? true : nil)
        var optionsProblem: FolderOptions.Problem?
        if parsed != nil {
            switch FolderOptionsFile.read(in: folderFD) {
            case .success(let found): options = (found ?? JobOptions()).withCover(default: coverByDefault)
            case .failure(let problem):
                optionsProblem = problem
                reported.once(destination, problem) {
                    logger.error(
                        "invalid folder options; the folder's jobs fail invalid_options",
                        metadata: ["folder": "\(destination)", "problem": "\(problem)"])
                }
            }
        }

        let id = ids.next(now: now)
        let folder = spool.jobFolder(id)
        try Syscall.mkdir(folder, mode: 0o750)
        var record = JobRecord(
            jobID: id, state: .claiming, destination: parsed?.number.value ?? destination, originalName: name,
            documentFile: "document", fax: fax.applying(options), queuedAt: now)
        record.recipientName = parsed?.label
        record.options = options.isEmpty ? nil : options
        record.optionsProblem = optionsProblem?.description
        // Any failure backs the claim out; an entry found gone on the way is `.gone`.
        func backOut(_ error: any Error) throws -> Outcome {
            try? Syscall.unlink(spool.journal(id))
            try? Syscall.rmdir(folder)
            if let error = error as? SystemError, error.isNotFound { return .gone }
            throw error
        }
        let jobFD: FileDescriptor
        do {
            jobFD = try Syscall.openDirectoryOwned(folder)
        } catch {
            return (try backOut(error), nil)
        }
        do {
            try journal.writeFirst(record, in: jobFD.rawValue)
        } catch {
            return (try backOut(error), nil)
        }
        do {
            try Syscall.renameNoReplace(from: folderFD, name, to: jobFD.rawValue, record.documentFile)
        } catch {
            return (try backOut(error), nil)
        }
        if maxBytes == nil { leased = nil }  // closed: the lease is released
        record.state = .queued
        var log = logger
        log[metadataKey: "job"] = "\(id)"
        var claimedMetadata: Logger.Metadata = ["destination": "\(record.destination)", "name": "\(name)"]
        if let label = record.recipientName { claimedMetadata["recipient"] = "\(label)" }
        log.info("claimed", metadata: claimedMetadata)
        // What was renamed is decided on now, in FaxDrop's own folder where nobody swaps it.
        guard let claimed = try Syscall.lstatAt(jobFD.rawValue, record.documentFile) else {
            return (.claimed(record), nil)
        }
        if let reason = Self.notAFile(claimed) {
            if claimed.kind != .directory {
                // A link, FIFO, socket or device: the entry itself is removed (never what it
                // points to), nothing is stored. A hard link loses only this name.
                try Syscall.unlinkAt(jobFD.rawValue, record.documentFile)
            }
            record.state = .failed
            record.lastError = FaxErrorRecord(FaxError(.notARegularFile, reason))
            log.warning("not a regular file", metadata: ["reason": "\(reason)"])
            return (.claimed(record), nil)
        }
        guard let maxBytes, let fd = leased.take() else { return (.claimed(record), nil) }
        return (.claimed(record), DocumentInspector.inspect(opened: fd, status: claimed, maxBytes: maxBytes))
    }

    /// Why an entry is not faxed as a document, or `nil` for a regular file with one name.
    static func notAFile(_ status: FileStatus) -> String? {
        switch status.kind {
        case .regular where status.linkCount > 1:
            return
                "the file has \(status.linkCount) hard links; only files with one name are faxed; this name was removed, the file was not opened"
        case .regular:
            return nil
        case .directory:
            return "the entry is a folder, not a regular file; it was not opened"
        default:
            return
                "the entry is a \(status.kind.rawValue), not a regular file; it was removed from the drop zone, never opened or followed"
        }
    }
}

/// Remembers which folder's options problem was logged, so a bad `.faxdrop` file is
/// logged once (again only when its problem changes), not once per dropped file.
final class OptionsReports: Sendable {
    private let last = Mutex<[String: FolderOptions.Problem]>([:])

    func once(_ folder: String, _ problem: FolderOptions.Problem, log: () -> Void) {
        let isNew = last.withLock { seen in
            defer { seen[folder] = problem }
            return seen[folder] != problem
        }
        if isNew { log() }
    }
}

/// Job ids, strictly increasing within the process.
final class IDSource: Sendable {
    private let generator = Mutex(JobIDGenerator())

    func next(now: Date) -> JobID {
        let ms = UInt64(max(0, now.timeIntervalSince1970 * 1000))
        return generator.withLock { $0.next(milliseconds: ms) }
    }
}
