import FaxDropCore
import FaxDropDaemon
import FaxDropSystem
import Foundation

/// `GET /inbound` (received faxes, newest first, paginated), `GET /inbound/{id}` (the
/// sidecar) and `GET /inbound/{id}/pdf` (SPEC §8, §10). The id must be a FaxDrop id before
/// it is looked up, so no request names a path; the answer is built from the sidecars,
/// whose caller and station ids were sanitised when they were written.
public struct InboundAPI: Sendable {
    public let spool: Spool
    public static let defaultPageSize = 50

    public init(spool: Spool) { self.spool = spool }

    /// Answers `path` (`/inbound…`) with `query` (the part after `?`).
    public func answer(path: String, query: String) -> APIResponse {
        let rest = path.dropFirst("/inbound".count)
        if rest.isEmpty || rest == "/" { return list(query: query) }
        let parts = rest.dropFirst().split(separator: "/", omittingEmptySubsequences: false)
        guard let id = JobID(String(parts[0])), parts.count <= 2, parts.count == 1 || parts[1] == "pdf" else {
            return .error(404, .notFound, "no received fax \(InboundText.sanitise(String(rest), limit: 40))")
        }
        guard let (folder, sidecar) = find(id) else { return .error(404, .notFound, "no received fax \(id)") }
        if parts.count == 1 { return .json(200, sidecar) }
        guard let name = sidecar.document.storedAs, let bytes = try? AtomicFile.read(folder + "/" + name) else {
            return .error(404, .notFound, "received fax \(id) has no PDF (no page came)")
        }
        return APIResponse(status: 200, contentType: "application/pdf", body: bytes)
    }

    func list(query: String) -> APIResponse {
        var page = 1
        var perPage = Self.defaultPageSize
        for pair in query.split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1).map(String.init)
            guard kv.count == 2, let n = Int(kv[1]) else { continue }
            if kv[0] == "page" { page = max(1, n) }
            if kv[0] == "per_page" { perPage = min(500, max(1, n)) }
        }
        return .json(200, ListPage("items", page: page, perPage: perPage, of: sidecars().sorted { $0.id > $1.id }))
    }

    func sidecars() -> [ReceivedSidecar] { ReceivedFaxes.all(spool).map(\.sidecar) }

    func find(_ id: JobID) -> (String, ReceivedSidecar)? {
        ReceivedFaxes.find(id, spool: spool).map { ($0.folder, $0.sidecar) }
    }
}
