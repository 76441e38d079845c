import FaxDropCore
import FaxDropDaemon
import FaxDropIndex
import Foundation
import Hummingbird

/// The history search and one job's page.
extension Console {
    func historyPage(_ request: Request, session: ConsoleSession) -> Response {
        let q = request.uri.queryParameters
        var query = JobIndexQuery()
        let status = q.get("status") ?? ""
        if status == "sent" || status == "failed" {
            query.states = [status]
        } else {
            query.states = ["sent", "failed"]
        }
        query.number = q.get("number").flatMap { $0.isEmpty ? nil : $0 }
        query.text = q.get("q").flatMap { $0.isEmpty ? nil : String($0.prefix(200)) }
        query.errorCode = q.get("code").flatMap { ErrorCode(rawValue: String($0)) }?.rawValue
        query.from = q.get("from").flatMap { Self.day(String($0)) }
        query.to = q.get("to").flatMap { Self.day(String($0)) }.map { $0.addingTimeInterval(86_400) }
        query.page = max(1, min(100_000, q.get("page").flatMap { Int($0) } ?? 1))
        query.perPage = 50
        let found = (try? listing.history(query)) ?? JobIndexPage(rows: [], total: 0, page: 1, perPage: 50)
        let pages = max(1, (found.total + found.perPage - 1) / found.perPage)
        func link(_ page: Int) -> String {
            var items = URLComponents()
            items.queryItems = [
                URLQueryItem(name: "number", value: query.number ?? ""),
                URLQueryItem(name: "q", value: query.text ?? ""),
                URLQueryItem(name: "status", value: status), URLQueryItem(name: "code", value: query.errorCode ?? ""),
                URLQueryItem(name: "from", value: q.get("from") ?? ""),
                URLQueryItem(name: "to", value: q.get("to") ?? ""), URLQueryItem(name: "page", value: "\(page)"),
            ]
            return "/history" + (items.string ?? "")
        }
        var data: [String: Any] = [
            "rows": found.rows.map { rowData($0) }, "total": found.total, "page": found.page, "pages": pages,
            "codes": ErrorCode.allCases.map { ["value": $0.rawValue, "selected": $0.rawValue == query.errorCode] },
            "query": [
                "number": query.number ?? "", "text": query.text ?? "", "any": status.isEmpty, "sent": status == "sent",
                "failed": status == "failed", "from": q.get("from") ?? "", "to": q.get("to") ?? "",
            ] as [String: Any],
        ]
        if found.page > 1 { data["previous"] = link(found.page - 1) }
        if found.page < pages { data["next"] = link(found.page + 1) }
        return page("history", title: "History", session: session, data: data)
    }

    /// `yyyy-MM-dd` at midnight UTC.
    static func day(_ text: String) -> Date? {
        guard text.count == 10 else { return nil }
        var f = Date.ISO8601FormatStyle(timeZone: TimeZone(identifier: "UTC")!)
        f = f.year().month().day()
        return try? f.parse(text)
    }

    func jobPage<Context: RequestContext>(_ id: JobID, session: ConsoleSession, context: Context) -> Response {
        var data: [String: Any] = ["id": id.value]
        let row: JobIndexRow
        if let sidecar = StatusReport.sidecar(id, spool: spool) {
            row = JobIndexRow(sidecar)
            let documents = sidecar.documents ?? [sidecar.document]
            data["documents"] = documents.enumerated().map { i, d -> [String: Any] in
                var item: [String: Any] = ["name": d.originalName]
                if d.storedAs != nil { item["href"] = "/jobs/\(id.value)/documents/\(i + 1)" }
                return item
            }
            data["attempts"] = sidecar.attempts.map(attemptData)
            data["completed"] = StatusLabel.clock(sidecar.completedAt)
            data["resolution"] = sidecar.fax.resolution.rawValue
            data["paper"] = sidecar.fax.paper.rawValue
            data["recipient"] = sidecar.recipient?.name
            data["retryOf"] = sidecar.retryOf?.value
            data["canRetry"] = sidecar.status == .failed
            if let error = sidecar.error {
                let e = ErrorExplanation(error.code)
                data["explanation"] = [
                    "code": e.code.rawValue, "words": e.words, "whatToDo": e.whatToDo, "message": error.message,
                ]
            }
        } else if let record = try? JournalStore(spool: spool).read(id) {
            row = JobIndexRow(record, now: clock())
            data["documents"] = ([record.originalName] + (record.moreDocuments ?? []).map(\.originalName)).map {
                ["name": $0]
            }
            data["attempts"] = record.attempts.map(attemptData)
            data["recipient"] = record.recipientName
            data["retryOf"] = record.retryOf?.value
            data["canCancel"] = !record.state.isFinal
        } else {
            return notFound(session)
        }
        guard record(.viewJob, key: session.keyName, job: id.value, context: context) else {
            return auditFailed(session)
        }
        let label = StatusLabel(row, now: clock())
        data.merge(["word": label.word, "icon": label.icon, "tone": label.tone, "detail": label.detail]) { a, _ in a }
        data["destination"] = row.destination
        data["queued"] = StatusLabel.clock(row.queuedAt)
        data["pagesLine"] = row.pagesTotal.map { "\(row.pagesSent ?? 0) of \($0) confirmed" } ?? "not rendered yet"
        if let images = pageImages, let count = try? images.pageCount(job: id), count > 0 {
            data["thumbnails"] = (1...count).map { n in
                [
                    "number": n, "src": "/jobs/\(id.value)/pages/\(n).png?size=thumb",
                    "full": "/jobs/\(id.value)/pages/\(n).png",
                ] as [String: Any]
            }
        } else {
            data["noImage"] =
                pageImages == nil
                ? "Page images are not available on this gateway." : "The sent image is not kept for this job."
        }
        return page("job", title: "Fax to \(row.destination)", session: session, data: data)
    }

    func attemptData(_ a: AttemptRecord) -> [String: Any] {
        var outcome = a.outcome ?? "in progress"
        if let code = a.outcome.flatMap(ErrorCode.init(rawValue:)) {
            outcome = "\(code.rawValue) — \(ErrorExplanation(code).words)"
        }
        var item: [String: Any] = ["number": a.number, "started": StatusLabel.clock(a.startedAt), "outcome": outcome]
        if a.pagesSent > 0 { item["pagesSent"] = a.pagesSent }
        if let m = a.message { item["message"] = m }
        return item
    }
}
