import FaxDropCore
import FaxDropSystem
import Foundation

/// Enqueues a document atomically (SPEC §5) and returns its job id, which FaxDrop alone
/// makes: the job is built whole in `tmp/submit-<id>/` (the document, synced, and its
/// journal in state `claiming`), renamed into `active/<id>/` in one step, and the daemon
/// is asked to take it (`admit` request; a daemon that is not running takes it at its next
/// start from the journal). Nothing in the drop zone carries the id, so no dropped name
/// can choose one. `faxdrop submit` and `POST /fax` both use it.
public struct Submitter: Sendable {
    public let spool: Spool
    private let ids = IDSource()

    public init(spool: Spool) {
        self.spool = spool
    }

    /// Copies the file at `source` into the queue for `destination`.
    public func submit(
        file source: String, to destination: E164Number, name: String? = nil, request: JobRequest = JobRequest(),
        now: Date = Date()
    ) throws -> JobID {
        let bytes = try AtomicFile.read(source, limit: Int.max)
        let base = name ?? URL(fileURLWithPath: source).lastPathComponent
        return try submit(bytes: bytes, to: destination, name: base, request: request, now: now)
    }

    /// A new batch id, tying the jobs of one submission to several numbers.
    public func newBatchID(now: Date = Date()) -> String { ids.next(now: now).value }

    /// Queues `bytes` as a document named `name` for `destination`.
    public func submit(
        bytes: [UInt8], to destination: E164Number, name: String, request: JobRequest = JobRequest(), now: Date = Date()
    ) throws -> JobID {
        try submit(documents: [(bytes, name)], to: destination, request: request, now: now)
    }

    /// Copies the files at `sources`, in order, into one job for `destination`: one fax.
    /// `names` gives each document's reported name (default: the file's own).
    public func submit(
        files sources: [String], names: [String]? = nil, to destination: E164Number, request: JobRequest = JobRequest(),
        now: Date = Date()
    ) throws -> JobID {
        var documents: [([UInt8], String)] = []
        for (i, source) in sources.enumerated() {
            let name = names?[i] ?? URL(fileURLWithPath: source).lastPathComponent
            documents.append((try AtomicFile.read(source, limit: Int.max), name))
        }
        return try submit(documents: documents, to: destination, request: request, now: now)
    }

    /// Queues several documents, in order, as one job: `document`, `document-2`, …
    public func submit(
        documents: [(bytes: [UInt8], name: String)], to destination: E164Number, request: JobRequest = JobRequest(),
        now: Date = Date()
    ) throws -> JobID {
        precondition(!documents.isEmpty, "a job has at least one document")
        try spool.createLayout()
        let id = ids.next(now: now)
        let stage = try makeStage(id)
        try writeDocuments(documents.map(\.bytes), into: stage)
        try enqueue(stage: stage, id: id, to: destination, names: documents.map(\.name), request: request, now: now)
        return id
    }

    /// Writes `documents`, synced, as `document`, `document-2`, … in `stage`; on failure the
    /// stage is removed.
    func writeDocuments(_ documents: [[UInt8]], into stage: String) throws {
        do {
            for (i, bytes) in documents.enumerated() {
                let fd = try Syscall.openOwned(
                    stage + "/" + JobDocument.fileName(i + 1), O_WRONLY | O_CREAT | O_EXCL, mode: 0o644)
                try bytes.withUnsafeBytes { try Syscall.writeAll(fd.rawValue, $0) }
                try Syscall.fsync(fd.rawValue)
                try fd.close()
            }
        } catch {
            removeStage(stage)
            throw error
        }
    }

    /// The staging folder of a new job, `tmp/submit-<id>/`.
    func makeStage(_ id: JobID) throws -> String {
        let stage = spool.tmp + "/submit-" + id.value
        try Syscall.mkdir(stage, mode: 0o750)
        return stage
    }

    /// Writes the journal beside the staged document, moves the job into `active/` and asks
    /// the daemon to take it. On failure the staged job is removed and nothing is queued.
    func enqueue(stage: String, id: JobID, to destination: E164Number, names: [String], request: JobRequest, now: Date)
        throws
    {
        // The fax settings are the daemon's: it sets them when it takes the job.
        var record = JobRecord(
            jobID: id, state: .claiming, destination: destination.value, originalName: Self.safeName(names[0]),
            documentFile: "document",
            fax: Sidecar.Fax(resolution: .fine, paper: .letter, header: "", localStationID: ""),
            queuedAt: now)
        record.recipientName = request.recipientName
        record.options = request.options.isEmpty ? nil : request.options
        record.sendAt = request.sendAt
        record.batchID = request.batchID
        if names.count > 1 {
            record.moreDocuments = names.enumerated().dropFirst().map { i, name in
                JobDocument(originalName: Self.safeName(name), file: JobDocument.fileName(i + 1))
            }
        }
        try move(stage: stage, record: record)
        try ControlRequest.admit(id).post(to: spool)
    }

    /// Writes `record` as the journal beside the staged documents and moves the whole job into
    /// `active/<id>/` in one rename. On failure the staged job is removed and nothing is queued.
    func move(stage: String, record: JobRecord) throws {
        do {
            try AtomicFile.write(
                try JSONEncoder.faxdrop().encode(record), to: stage + "/job.json", stagingDirectory: spool.tmp)
            try Syscall.fsyncDirectory(stage)
            try Syscall.renameNoReplace(stage, spool.jobFolder(record.jobID))
        } catch {
            removeStage(stage)
            throw error
        }
        try Syscall.fsyncDirectory(spool.active)
    }

    private func removeStage(_ stage: String) {
        try? Syscall.unlink(stage + "/job.json")
        for n in 1...JobDocument.maxCount { try? Syscall.unlink(stage + "/" + JobDocument.fileName(n)) }
        try? Syscall.rmdir(stage)
    }

    /// A file name without path separators, control characters or a leading dot, at most
    /// 200 bytes: the name the sidecar reports as `original_name`.
    static func safeName(_ name: String) -> String {
        var cleaned = String(
            name.unicodeScalars.map { s -> Character in
                (s == "/" || s.value < 0x20 || s.value == 0x7F) ? "_" : Character(s)
            })
        while cleaned.hasPrefix(".") || cleaned.hasPrefix("~") { cleaned.removeFirst() }
        if cleaned.isEmpty { cleaned = "document" }
        while cleaned.utf8.count > 200 { cleaned.removeFirst() }
        return cleaned
    }
}
