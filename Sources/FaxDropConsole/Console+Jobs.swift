import FaxDropCore
import FaxDropDaemon
import FaxDropIndex
import FaxDropSystem
import Foundation
import Hummingbird

/// Outbox, history, a job's page, its page images and documents; cancel and retry.
extension Console {
    func addJobRoutes<Context: RequestContext>(to group: RouterGroup<Context>) {
        group.get("/outbox") { request, _ in
            guard case .success(let session) = self.signedIn(request) else { return Response.redirect(to: "/login") }
            let rows = ((try? self.listing.outbox()) ?? []).map { self.rowData($0) }
            var data: [String: Any] = ["rows": rows, "hasRows": !rows.isEmpty]
            if let retried = request.uri.queryParameters.get("retried").flatMap(JobID.init) {
                data["notice"] = "Queued again as job \(retried.value)."
            }
            return self.page("outbox", title: "Outbox", session: session, data: data)
        }
        group.get("/outbox.json") { request, _ in
            guard self.session(request) != nil else { return Response(status: .unauthorized) }
            let now = self.clock()
            let jobs = ((try? self.listing.outbox()) ?? []).map { OutboxJob($0, now: now) }
            return self.json(["jobs": jobs])
        }
        group.get("/history") { request, _ in
            guard case .success(let session) = self.signedIn(request) else { return Response.redirect(to: "/login") }
            return self.historyPage(request, session: session)
        }
        group.get("/jobs/:id") { request, context in
            guard case .success(let session) = self.signedIn(request) else { return Response.redirect(to: "/login") }
            guard let id = context.parameters.get("id").flatMap(JobID.init) else { return self.notFound(session) }
            return self.jobPage(id, session: session, context: context)
        }
        group.get("/jobs/:id/pages/:page") { request, context in
            guard let session = self.session(request) else { return Response(status: .unauthorized) }
            guard let id = context.parameters.get("id").flatMap(JobID.init),
                let number = context.parameters.get("page").flatMap({
                    Int($0.hasSuffix(".png") ? String($0.dropLast(4)) : $0)
                }),
                number >= 1, let images = self.pageImages, let count = try? images.pageCount(job: id), number <= count
            else { return self.notFound(session) }
            let thumbnail = request.uri.queryParameters.get("size") == "thumb"
            // Full-size views are recorded; a thumbnail is part of the job page view already recorded.
            if !thumbnail, !self.record(.viewPage, key: session.keyName, job: id.value, context: context) {
                return self.auditFailed(session)
            }
            guard let png = try? images.png(job: id, page: number - 1, thumbnail: thumbnail) else {
                return self.notFound(session)
            }
            return self.bytes(png, type: "image/png")
        }
        group.get("/jobs/:id/documents/:n") { request, context in
            guard let session = self.session(request) else { return Response.redirect(to: "/login") }
            guard let id = context.parameters.get("id").flatMap(JobID.init),
                let n = context.parameters.get("n").flatMap({ Int($0) }),
                let sidecar = StatusReport.sidecar(id, spool: self.spool)
            else { return self.notFound(session) }
            let documents = sidecar.documents ?? [sidecar.document]
            guard n >= 1, n <= documents.count, let stored = documents[n - 1].storedAs, !stored.contains("/"),
                !stored.hasPrefix(".")
            else { return self.notFound(session) }
            let folder = sidecar.status == .sent ? self.spool.done : self.spool.failed
            guard let content = try? AtomicFile.read(folder + "/" + stored, limit: Int.max) else {
                return self.notFound(session)
            }
            guard self.record(.downloadDocument, key: session.keyName, job: id.value, context: context) else {
                return self.auditFailed(session)
            }
            return self.bytes(content, type: "application/octet-stream", download: documents[n - 1].originalName)
        }
        group.post("/jobs/:id/cancel") { request, context in
            switch await self.checkedForm(request, needsSend: true) {
            case .failure(let response): return response
            case .success(let (session, _)):
                guard let id = context.parameters.get("id").flatMap(JobID.init),
                    StatusReport.sidecar(id, spool: self.spool) == nil,
                    (try? JournalStore(spool: self.spool).read(id)) != nil
                else {
                    return self.message(
                        "That job is not queued or active any more.", title: "Cannot cancel", session: session,
                        status: .conflict, back: "/outbox")
                }
                guard self.record(.cancel, key: session.keyName, job: id.value, context: context) else {
                    return self.auditFailed(session)
                }
                do {
                    try ControlRequest.cancel(id).post(to: self.spool)
                } catch {
                    return self.message(
                        "The cancel request could not be filed.", title: "Cannot cancel", session: session,
                        status: .internalServerError)
                }
                return Response.redirect(to: "/outbox")
            }
        }
        group.post("/jobs/:id/retry") { request, context in
            switch await self.checkedForm(request, needsSend: true) {
            case .failure(let response): return response
            case .success(let (session, _)):
                guard let old = context.parameters.get("id").flatMap(JobID.init),
                    let sidecar = StatusReport.sidecar(old, spool: self.spool), sidecar.status == .failed
                else {
                    return self.message(
                        "Only a failed job can be retried.", title: "Cannot retry", session: session, status: .conflict,
                        back: "/history")
                }
                var generator = JobIDGenerator()
                let new = generator.next(milliseconds: UInt64(self.clock().timeIntervalSince1970 * 1000))
                guard self.record(.retry, key: session.keyName, job: old.value, context: context) else {
                    return self.auditFailed(session)
                }
                do {
                    try ControlRequest.retry(old: old, new: new).post(to: self.spool)
                } catch {
                    return self.message(
                        "The retry request could not be filed.", title: "Cannot retry", session: session,
                        status: .internalServerError)
                }
                return Response.redirect(to: "/outbox?retried=\(new.value)")
            }
        }
    }

    func notFound(_ session: ConsoleSession?) -> Response {
        message("There is no such fax.", title: "Not found", session: session, status: .notFound, back: "/outbox")
    }

    func rowData(_ row: JobIndexRow) -> [String: Any] {
        let label = StatusLabel(row, now: clock())
        var data: [String: Any] = [
            "id": row.id, "destination": row.destination, "originalName": row.originalName, "word": label.word,
            "icon": label.icon, "tone": label.tone, "detail": label.detail, "queued": StatusLabel.clock(row.queuedAt),
        ]
        if let code = row.errorCode, let known = ErrorCode(rawValue: code) {
            data["errorCode"] = code
            data["whatToDo"] = ErrorExplanation(known).whatToDo
        }
        return data
    }
}

/// One outbox line as `/outbox.json` gives it to the page's script.
struct OutboxJob: Encodable {
    var id, destination, originalName, state, word, icon, tone, detail: String

    init(_ row: JobIndexRow, now: Date) {
        let label = StatusLabel(row, now: now)
        (id, destination, originalName, state) = (row.id, row.destination, row.originalName, row.state)
        (word, icon, tone, detail) = (label.word, label.icon, label.tone, label.detail)
    }
}
