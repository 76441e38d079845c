import FaxDropCore
import FaxDropDaemon
import FaxDropSystem
import Foundation
import Logging
import NIOPosix

/// What `POST /fax` and `GET /fax/{id}` do (SPEC §8), without the wire: the server hands
/// it headers and collected uploads and writes back what it answers.
public struct FaxAPI: Sendable {
    public let spool: Spool
    public let key: APIKey
    public let maxBytes: Int64
    private let submitter: Submitter
    private let logger: Logger

    public init(spool: Spool, apiKey: Secret?, maxBytes: Int64, logger: Logger) {
        self.spool = spool
        self.key = APIKey(apiKey)
        self.maxBytes = maxBytes
        self.submitter = Submitter(spool: spool)
        self.logger = logger
    }

    /// Multipart framing on top of the document: bytes a body may carry beyond `maxBytes`.
    public static let multipartAllowance: Int64 = 64 * 1024

    /// Refuses a `/fax` request without the right `X-API-Key`; `nil` when it may go on.
    public func authorize(apiKeyHeader: String?) -> APIResponse? {
        guard key.isConfigured else {
            return .error(401, .unauthorized, "the HTTP API is disabled: API_KEY is not set on the gateway")
        }
        guard key.accepts(apiKeyHeader) else {
            return .error(401, .unauthorized, apiKeyHeader == nil ? "the X-API-Key header is missing" : "wrong API key")
        }
        return nil
    }

    /// Checks a `POST /fax` request's headers before its body is read: the boundary to
    /// parse with, or the refusal.
    public func admitUpload(contentType: String?, contentLength: Int64?) -> UploadAdmission {
        guard let contentType, let boundary = MultipartParser.boundary(fromContentType: contentType) else {
            return .refuse(
                .error(415, .unsupportedMediaType, "send multipart/form-data with the fields 'to' and 'file'"))
        }
        if let contentLength, contentLength > maxBytes + Self.multipartAllowance {
            return .refuse(tooLarge())
        }
        return .accept(boundary: boundary)
    }

    public enum UploadAdmission: Sendable {
        case accept(boundary: String)
        case refuse(APIResponse)
    }

    func tooLarge() -> APIResponse {
        .error(413, .fileTooLarge, "the document is larger than \(maxBytes) bytes (FAXDROP_MAX_BYTES)")
    }

    /// A place in `tmp/` for the next upload's document; `nil` (logged) when there is none.
    public func stage() -> StagedUpload? {
        do {
            return try StagedUpload(spool: spool)
        } catch {
            logger.error("cannot stage an upload", metadata: ["error": "\(error)"])
            return nil
        }
    }

    /// No place in `tmp/` for an upload's next document (logged by `stage()`).
    struct StagingUnavailable: Error {}

    func spoolUnavailable() -> APIResponse {
        .error(503, .spoolUnavailable, "the document could not be stored; the gateway's log says why")
    }

    /// Queues a received upload through the same atomic path as `faxdrop submit`: the staged
    /// document is synced and renamed into the drop zone.
    /// Several `file` parts are one job's documents, faxed in order as one fax.
    public func submit(_ upload: FaxUpload, staged: [StagedUpload]) async -> APIResponse {
        let targets = upload.values("to").map { $0.trimmingSpaces() }
        guard !targets.isEmpty else {
            return .error(400, .badRequest, "the field 'to' is missing")
        }
        var numbers: [E164Number] = []
        for to in targets {
            guard let number = E164Number(to) else {
                return .error(
                    400, .invalidDestination,
                    "\(to.debugDescription) is not an E.164 number (+ then 7 to 15 digits, the first 1-9)")
            }
            if !numbers.contains(number) { numbers.append(number) }
        }
        var request: JobRequest
        switch Self.jobRequest(upload) {
        case .refused(let response): return response
        case .request(let parsed): request = parsed
        }
        guard upload.hasFile else {
            return .error(400, .badRequest, "the field 'file' is missing")
        }
        guard upload.fileBytes <= maxBytes else { return tooLarge() }
        let several = upload.files.count > 1
        var names: [String] = []
        var formats: [DocumentFormat] = []
        for (i, file) in upload.files.enumerated() {
            // Which file part a refusal is about, when there are several.
            let which = several ? "file \(i + 1): " : ""
            guard file.bytes > 0 else {
                return .error(400, .emptyFile, "\(which)the file is empty (0 bytes)")
            }
            guard let format = DocumentFormat.sniff(file.head) else {
                return .error(
                    415, .unsupportedFormat,
                    "\(which)the content is none of PDF, PostScript, TIFF, JPEG, PNG or UTF-8 text")
            }
            formats.append(format)
            names.append(
                Self.lastPathComponent(
                    file.name.flatMap { $0.isEmpty ? nil : $0 } ?? "document.\(format.fileExtension)"))
        }
        guard staged.count == upload.files.count else { return spoolUnavailable() }
        let format = formats[0]
        let paths = staged.map(\.path)
        let documentNames = names
        let submitter = self.submitter
        if numbers.count > 1 { request.batchID = submitter.newBatchID() }
        let batch = request
        let numbersToDial = numbers
        do {
            // One job per number: copies of the staged document for all but the last,
            // which takes the staged file itself by a rename.
            let ids = try await NIOThreadPool.singleton.runIfActive {
                for file in staged { try file.finish() }
                var ids: [JobID] = []
                for number in numbersToDial.dropLast() {
                    ids.append(try submitter.submit(files: paths, names: documentNames, to: number, request: batch))
                }
                ids.append(
                    try submitter.submit(
                        stagedFiles: paths, names: documentNames, to: numbersToDial.last!, request: batch))
                return ids
            }
            for (id, number) in zip(ids, numbers) {
                logger.info(
                    "queued over HTTP",
                    metadata: [
                        "job": "\(id)", "destination": "\(number)", "bytes": "\(upload.fileBytes)",
                        "format": "\(format.rawValue)",
                        "documents": "\(names.count)",
                    ])
            }
            guard let batchID = batch.batchID else { return .json(202, Queued(id: ids[0].value, status: "queued")) }
            return .json(
                202,
                QueuedBatch(
                    batchID: batchID, status: "queued",
                    jobs: zip(ids, numbers).map { QueuedBatch.Job(id: $0.value, to: $1.value) }))
        } catch {
            logger.error("cannot queue an upload", metadata: ["error": "\(error)"])
            return spoolUnavailable()
        }
    }

    /// `GET /fax/{id}`: the sidecar once final, the journal's view while active, `queued`
    /// while still in the drop zone, 404 otherwise.
    public func job(_ text: String) async -> APIResponse {
        guard let id = JobID(text) else { return .error(404, .notFound, "no job '\(text)'") }
        let spool = self.spool
        let found = try? await NIOThreadPool.singleton.runIfActive { Self.lookUp(id, spool: spool) }
        return found ?? .error(404, .notFound, "no job \(id)")
    }

    static func lookUp(_ id: JobID, spool: Spool) -> APIResponse? {
        // Twice: a job may move on (drop zone → active → done) between two looks.
        for _ in 0..<2 {
            if let path = spool.finalSidecar(id), let bytes = try? AtomicFile.read(path) {
                return APIResponse(status: 200, contentType: "application/json", body: bytes)
            }
            if let record = try? JournalStore(spool: spool).read(id) {
                return .json(200, ActiveJob(record))
            }
            if let waiting = inDropZone(id, spool: spool) {
                return .json(200, waiting)
            }
        }
        return nil
    }

    /// A submitted file not yet claimed: `outgoing/<number>/<job-id>--<name>`.
    static func inDropZone(_ id: JobID, spool: Spool) -> ActiveJob? {
        let prefix = id.value + "--"
        for folder in (try? Syscall.listDirectory(spool.outgoing)) ?? [] {
            for name in (try? Syscall.listDirectory(spool.outgoing + "/" + folder)) ?? [] where name.hasPrefix(prefix) {
                return ActiveJob(
                    id: id.value, status: "queued", destination: folder,
                    originalName: String(name.dropFirst(prefix.count)),
                    attempts: 0, pagesTotal: nil, pagesSent: 0, notBefore: nil, lastError: nil)
            }
        }
        return nil
    }

    static func lastPathComponent(_ name: String) -> String {
        let cut = name.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? name
        return cut.isEmpty ? "document" : cut
    }

    struct Queued: Encodable {
        var id: String
        var status: String
    }

    struct QueuedBatch: Encodable {
        struct Job: Encodable {
            var id: String
            var to: String
        }
        var batchID: String
        var status: String
        var jobs: [Job]
        enum CodingKeys: String, CodingKey {
            case batchID = "batch_id"
            case status, jobs
        }
    }

    /// The job options of a `POST /fax`, or the 400 that refuses them, naming the field.
    enum ParsedRequest {
        case request(JobRequest)
        case refused(APIResponse)
    }

    static func jobRequest(_ upload: FaxUpload) -> ParsedRequest {
        func refuse(_ message: String) -> ParsedRequest {
            .refused(.error(400, ErrorCode.invalidOptions, message))
        }
        for name in ["cover", "recipient_name", "subject", "send_at", "priority"] where upload.values(name).count > 1 {
            return refuse("the field '\(name)' is given more than once")
        }
        var request = JobRequest()
        if let cover = upload.values("cover").first {
            switch cover.trimmingSpaces().lowercased() {
            case "true", "on", "yes", "1": request.options.cover = true
            case "false", "off", "no", "0": request.options.cover = false
            default: return refuse("cover: true or false")
            }
        }
        request.recipientName = upload.values("recipient_name").first
        request.options.subject = upload.values("subject").first
        let note = upload.values("note")
        request.options.note = note.isEmpty ? nil : note
        if let priority = upload.values("priority").first {
            guard let value = JobPriority(rawValue: priority.trimmingSpaces().lowercased()) else {
                return refuse("priority: high, normal or low")
            }
            request.options.priority = value
        }
        if let sendAt = upload.values("send_at").first {
            guard let time = JobRequest.parseTime(sendAt.trimmingSpaces()) else {
                return refuse("send_at: an RFC 3339 time, such as 2026-11-29T14:30:00Z")
            }
            request.sendAt = time
        }
        if let problem = request.problem() { return refuse(problem) }
        return .request(request)
    }

    /// An active job as `GET /fax/{id}` shows it; `status` is the journal's state.
    struct ActiveJob: Encodable {
        var id: String
        var status: String
        var destination: String
        var originalName: String
        var attempts: Int
        var pagesTotal: Int?
        var pagesSent: Int
        var notBefore: Date?
        var lastError: FaxErrorRecord?
        var sendAt: Date?
        var batchID: String?

        enum CodingKeys: String, CodingKey {
            case id, status, destination
            case originalName = "original_name"
            case attempts
            case pagesTotal = "pages_total"
            case pagesSent = "pages_sent"
            case notBefore = "not_before"
            case lastError = "last_error"
            case sendAt = "send_at"
            case batchID = "batch_id"
        }
    }
}

extension FaxAPI.ActiveJob {
    init(_ r: JobRecord) {
        self.init(
            id: r.jobID.value, status: r.state == .claiming ? "queued" : r.state.rawValue,
            destination: r.destination,
            originalName: r.originalName, attempts: r.attempts.count, pagesTotal: r.pagesTotal,
            pagesSent: r.pagesSent,
            notBefore: r.notBefore, lastError: r.lastError, sendAt: r.sendAt, batchID: r.batchID)
    }
}
