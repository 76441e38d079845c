import FaxDropCore
import FaxDropDaemon
import FaxDropSystem
import Foundation
import Hummingbird
import Logging
import Mustache
import NIOCore
import Synchronization

/// The web console (issue 11): server-rendered pages for office staff, mounted on the daemon's
/// HTTP server beside the API. It reads the spool (and the job index through `listing`) and acts
/// only through the paths the CLI uses: `ControlRequest.cancel`/`.retry`, `Submitter`, and the
/// preview service's `submit`.
public final class Console: Sendable {
    public let spool: Spool
    public let settings: ConsoleSettings
    let keys: KeyRing
    let sessions: SessionStore
    let audit: AuditLog
    let listing: any JobListing
    let previews: (any ConsolePreviewing)?
    let pageImages: (any FaxPageImages)?
    let library: MustacheLibrary
    let logger: Logger
    let clock: @Sendable () -> Date
    /// Which session made each preview, and for which number: a preview is its maker's alone.
    let previewOwners = Mutex<[String: PreviewOwner]>([:])

    public static let sessionCookie = "faxdrop_session"
    public static let loginCookie = "faxdrop_login"

    public init(
        spool: Spool, settings: ConsoleSettings, keys: KeyRing, listing: (any JobListing)? = nil,
        previews: (any ConsolePreviewing)? = nil, pageImages: (any FaxPageImages)? = nil, logger: Logger,
        clock: @escaping @Sendable () -> Date = { Date() }
    ) throws {
        self.spool = spool
        self.settings = settings
        self.keys = keys
        // The audit log's default home is the spool, which `faxdrop run` mounts the console
        // before the daemon has laid out.
        try spool.createLayout()
        self.sessions = SessionStore(idle: settings.sessionIdle)
        self.audit = try AuditLog(path: settings.auditLog, logger: logger)
        self.listing = listing ?? SpoolJobListing(spool: spool)
        self.previews = previews
        self.pageImages = pageImages
        self.logger = logger
        self.clock = clock
        var library = MustacheLibrary()
        for (name, text) in Templates.all { try library.register(text, named: name) }
        self.library = library
    }

    /// Adds every console route, each behind the security headers, to `router`.
    public func addRoutes<Context: RequestContext>(to router: Router<Context>) {
        let group = router.group().add(middleware: SecurityHeaders<Context>())
        group.get("/") { _, _ in Response.redirect(to: "/outbox") }
        group.get("/static/:file") { _, context in self.staticFile(context.parameters.get("file") ?? "") }
        addAuthRoutes(to: group)
        addJobRoutes(to: group)
        addSendRoutes(to: group)
        addInboxRoutes(to: group)
    }
}

// MARK: - Pieces every route uses.

extension Console {
    func staticFile(_ name: String) -> Response {
        guard let file = StaticAssets.files[name] else { return Response(status: .notFound) }
        return Response(
            status: .ok, headers: [.contentType: file.type, .cacheControl: "max-age=300"],
            body: .init(byteBuffer: ByteBuffer(string: file.body)))
    }

    /// The signed-in session of `request`, if any.
    func session(_ request: Request) -> ConsoleSession? {
        guard let id = request.cookies[Self.sessionCookie]?.value, !id.isEmpty else { return nil }
        return sessions.lookup(id, now: clock())
    }

    /// A page: `template` rendered with `data` plus the session's fields. Pages that show records
    /// are not stored by the browser.
    func page(
        _ template: String, title: String, session: ConsoleSession?, data: [String: Any] = [:],
        status: HTTPResponse.Status = .ok
    ) -> Response {
        var all = data
        all["title"] = title
        if let session {
            all["session"] =
                [
                    "keyName": session.keyName, "role": session.role.rawValue, "maySend": session.role.maySend,
                    "csrf": session.csrfToken,
                ] as [String: Any]
            all["csrf"] = session.csrfToken
            all["maySend"] = session.role.maySend
        }
        let html = library.render(all, withTemplate: template) ?? "<!doctype html><p>page missing</p>"
        return Response(
            status: status, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    func message(
        _ text: String, title: String, session: ConsoleSession?, status: HTTPResponse.Status, back: String? = nil
    ) -> Response {
        var data: [String: Any] = ["text": text]
        if let back { data["back"] = back }
        return page("message", title: title, session: session, data: data, status: status)
    }

    func json(_ object: some Encodable) -> Response {
        let data = (try? JSONEncoder().encode(object)) ?? Data("{}".utf8)
        return Response(
            status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    func bytes(_ bytes: [UInt8], type: String, download name: String? = nil) -> Response {
        var headers: HTTPFields = [.contentType: type, .cacheControl: "no-store"]
        if let name { headers[.contentDisposition] = "attachment; filename=\"\(Self.headerSafe(name))\"" }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// A file name fit for a quoted header value: ASCII letters, digits and `._-` only.
    static func headerSafe(_ name: String) -> String {
        let kept = name.unicodeScalars.map { s -> Character in
            s.isASCII && (CharacterSet.alphanumerics.contains(s) || "._- ".unicodeScalars.contains(s))
                ? Character(s) : "_"
        }
        return String(kept.prefix(120))
    }

    /// The client's address, when the server's request context carries it.
    func remote<Context: RequestContext>(_ context: Context) -> String? {
        guard let address = (context as? any RemoteAddressRequestContext)?.remoteAddress else { return nil }
        return address.ipAddress ?? address.description
    }

    /// Writes the audit line before the action is shown or done; `false` if it could not be written.
    func record<Context: RequestContext>(
        _ action: AuditEntry.Action, key: String, job: String? = nil, context: Context
    ) -> Bool {
        do {
            try audit.record(AuditEntry(when: clock(), key: key, action: action, jobID: job, remote: remote(context)))
            return true
        } catch {
            return false
        }
    }

    func auditFailed(_ session: ConsoleSession?) -> Response {
        message(
            "The audit log cannot be written, so nothing is shown or done. Tell the administrator.",
            title: "Not available", session: session, status: .serviceUnavailable)
    }

    /// The session of a page request, or a redirect to the sign-in page.
    func signedIn(_ request: Request) -> Checked<ConsoleSession> {
        if let session = session(request) { return .success(session) }
        return .failure(Response.redirect(to: "/login"))
    }

    /// A form POST from a signed-in page: the session, and the CSRF token of the form matching
    /// the session's. Anything else (a cross-site POST carries neither) is refused with 403.
    func checkedForm(_ request: Request, needsSend: Bool) async -> Checked<(ConsoleSession, [String: String])> {
        guard let session = session(request) else {
            return .failure(
                message("Sign in first.", title: "Forbidden", session: nil, status: .forbidden, back: "/login"))
        }
        var request = request
        guard let body = try? await request.collectBody(upTo: 64 << 10) else {
            return .failure(
                message("The form is too large.", title: "Forbidden", session: session, status: .contentTooLarge))
        }
        let form = FormFields.parse(String(buffer: body))
        guard let token = form["csrf"], SessionStore.sameToken(token, session.csrfToken) else {
            return .failure(
                message(
                    "This form did not come from this console.", title: "Forbidden", session: session,
                    status: .forbidden))
        }
        if needsSend && !session.role.maySend {
            return .failure(
                message(
                    "Your key may view faxes but not send, retry or cancel them.", title: "Forbidden", session: session,
                    status: .forbidden))
        }
        return .success((session, form))
    }
}

/// `application/x-www-form-urlencoded` fields; a repeated name keeps its first value.
enum FormFields {
    static func parse(_ text: String) -> [String: String] {
        var out: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map {
                String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
            }
            guard let name = kv.first, !name.isEmpty, out[name] == nil else { continue }
            out[name] = kv.count > 1 ? kv[1] : ""
        }
        return out
    }
}

/// A preview and who made it, for which number.
struct PreviewOwner: Sendable {
    var session: String
    var to: String
    var preview: ConsolePreview
}

/// A request's value once checked, or the answer that refuses it.
enum Checked<Value> {
    case success(Value)
    case failure(Response)
}
