import FaxDropCore
import FaxDropDaemon
import FaxDropSystem
import Foundation
import Hummingbird

/// Received faxes (`incoming/<folder>/`): the list, one fax's facts and its PDF.
extension Console {
    func addInboxRoutes<Context: RequestContext>(to group: RouterGroup<Context>) {
        group.get("/inbox") { request, _ in
            guard case .success(let session) = self.signedIn(request) else { return Response.redirect(to: "/login") }
            let received = ReceivedFaxes.all(self.spool).map(\.sidecar).sorted { $0.id > $1.id }
            let folders = ((try? Syscall.listDirectory(self.spool.incoming)) ?? []).filter { !$0.hasPrefix(".") }
            let rows = received.prefix(200).map { fax -> [String: Any] in
                let (icon, tone) = Self.receivedMark(fax.status.rawValue)
                return [
                    "id": fax.id.value, "status": fax.status.rawValue, "icon": icon, "tone": tone,
                    "caller": fax.caller.isEmpty ? "unknown caller" : fax.caller, "folder": fax.folder,
                    "pages": fax.pages.received, "received": StatusLabel.clock(fax.receivedAt),
                ]
            }
            return self.page(
                "inbox", title: "Inbox", session: session,
                data: ["configured": !received.isEmpty || !folders.isEmpty, "rows": rows])
        }
        group.get("/inbox/:id") { request, context in
            guard case .success(let session) = self.signedIn(request) else { return Response.redirect(to: "/login") }
            guard let id = context.parameters.get("id").flatMap(JobID.init),
                let (_, fax) = ReceivedFaxes.find(id, spool: self.spool)
            else { return self.notFound(session) }
            guard self.record(.viewReceived, key: session.keyName, job: id.value, context: context) else {
                return self.auditFailed(session)
            }
            var data: [String: Any] = [
                "status": fax.status.rawValue, "caller": fax.caller.isEmpty ? "unknown caller" : fax.caller,
                "folder": fax.folder,
                "pages": fax.pages.received, "received": StatusLabel.clock(fax.receivedAt),
            ]
            if fax.document.storedAs != nil { data["pdf"] = "/inbox/\(id.value)/pdf" }
            return self.page(
                "received", title: "Fax from \(fax.caller.isEmpty ? "unknown caller" : fax.caller)", session: session,
                data: data)
        }
        group.get("/inbox/:id/pdf") { request, context in
            guard let session = self.session(request) else { return Response.redirect(to: "/login") }
            guard let id = context.parameters.get("id").flatMap(JobID.init),
                let (folder, fax) = ReceivedFaxes.find(id, spool: self.spool),
                let name = fax.document.storedAs, !name.contains("/"),
                let pdf = try? AtomicFile.read(folder + "/" + name, limit: Int.max)
            else { return self.notFound(session) }
            guard self.record(.downloadReceived, key: session.keyName, job: id.value, context: context) else {
                return self.auditFailed(session)
            }
            return self.bytes(pdf, type: "application/pdf", download: "fax-\(id.value).pdf")
        }
    }

    static func receivedMark(_ status: String) -> (String, String) {
        switch status {
        case "received": return ("✔", "sent")
        case "partial": return ("◐", "waiting")
        default: return ("✖", "failed")
        }
    }
}
