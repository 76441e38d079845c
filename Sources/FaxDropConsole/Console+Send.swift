import FaxDropCore
import FaxDropDaemon
import FaxDropHTTP
import Foundation
import Hummingbird
import NIOCore

/// The send form: number and documents → a preview of the pages as the recipient gets them
/// (when the daemon has the preview service) → Send, through the same submit path as
/// `faxdrop submit`.
extension Console {
    func addSendRoutes<Context: RequestContext>(to group: RouterGroup<Context>) {
        group.get("/send") { request, _ in
            guard case .success(let session) = self.signedIn(request) else { return Response.redirect(to: "/login") }
            guard session.role.maySend else { return self.mayNotSend(session) }
            return self.page("send", title: "Send a fax", session: session, data: ["previews": self.previews != nil])
        }
        group.post("/send") { request, context in
            guard let session = self.session(request) else {
                return self.message(
                    "Sign in first.", title: "Forbidden", session: nil, status: .forbidden, back: "/login")
            }
            guard session.role.maySend else { return self.mayNotSend(session) }
            let upload: ConsoleUpload
            switch await self.readUpload(request, session: session) {
            case .failure(let response): return response
            case .success(let read): upload = read
            }
            guard let to = upload.to, let number = E164Number(to) else {
                return self.message(
                    "“\(upload.to ?? "")” is not a fax number in international form (+ country code and number).",
                    title: "Check the number", session: session, status: .badRequest, back: "/send")
            }
            guard !upload.files.isEmpty else {
                return self.message(
                    "Choose at least one document.", title: "No document", session: session, status: .badRequest,
                    back: "/send")
            }
            if let previews = self.previews {
                do {
                    let preview = try await previews.create(
                        documents: upload.files.map { (name: $0.name, path: $0.upload.path) }, options: JobOptions())
                    self.previewOwners.withLock {
                        $0[preview.token] = PreviewOwner(session: session.id, to: number.value, preview: preview)
                    }
                    return Response.redirect(to: "/send/preview/\(preview.token)")
                } catch {
                    return self.message(
                        "The documents could not be prepared: \(error)", title: "Cannot preview", session: session,
                        status: .unprocessableContent, back: "/send")
                }
            }
            return self.submit(session: session, context: context) {
                try Submitter(spool: self.spool).submit(
                    stagedFiles: upload.files.map(\.upload.path), names: upload.files.map(\.name), to: number)
            }
        }
        group.get("/send/preview/:token") { request, context in
            guard case .success(let session) = self.signedIn(request) else { return Response.redirect(to: "/login") }
            guard let token = context.parameters.get("token"), let owner = self.previewOwner(token, session: session)
            else {
                return self.notFound(session)
            }
            return self.previewPage(owner, session: session)
        }
        group.get("/send/preview/:token/pages/:page") { request, context in
            guard let session = self.session(request) else { return Response(status: .unauthorized) }
            guard let token = context.parameters.get("token"), self.previewOwner(token, session: session) != nil,
                let previews = self.previews,
                let n = context.parameters.get("page").flatMap({
                    Int($0.hasSuffix(".png") ? String($0.dropLast(4)) : $0)
                }), n >= 1,
                let png = try? await previews.page(
                    token: token, page: n - 1, thumbnail: request.uri.queryParameters.get("size") == "thumb")
            else { return self.notFound(session) }
            return self.bytes(png, type: "image/png")
        }
        group.post("/send/preview/:token") { request, context in
            switch await self.checkedForm(request, needsSend: true) {
            case .failure(let response): return response
            case .success(let (session, _)):
                guard let token = context.parameters.get("token"),
                    let owner = self.previewOwner(token, session: session),
                    let previews = self.previews, let number = E164Number(owner.to)
                else { return self.notFound(session) }
                do {
                    let id = try await previews.submit(token: token, destination: number, options: JobOptions())
                    self.previewOwners.withLock { $0[token] = nil }
                    guard self.record(.send, key: session.keyName, job: id.value, context: context) else {
                        return self.auditFailed(session)
                    }
                    return Response.redirect(to: "/jobs/\(id.value)")
                } catch {
                    return self.message(
                        "The fax could not be queued: \(error)", title: "Not sent", session: session,
                        status: .internalServerError, back: "/send")
                }
            }
        }
        group.post("/send/preview/:token/discard") { request, context in
            switch await self.checkedForm(request, needsSend: true) {
            case .failure(let response): return response
            case .success(let (session, _)):
                if let token = context.parameters.get("token"), self.previewOwner(token, session: session) != nil {
                    await self.previews?.discard(token: token)
                    self.previewOwners.withLock { $0[token] = nil }
                }
                return Response.redirect(to: "/send")
            }
        }
    }

    func mayNotSend(_ session: ConsoleSession) -> Response {
        message("Your key may view faxes but not send them.", title: "Forbidden", session: session, status: .forbidden)
    }

    func previewOwner(_ token: String, session: ConsoleSession) -> PreviewOwner? {
        guard token.count <= 128, token.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) else {
            return nil
        }
        return previewOwners.withLock { owners in
            guard let owner = owners[token], owner.session == session.id else { return nil }
            return owner
        }
    }

    func previewPage(_ owner: PreviewOwner, session: ConsoleSession) -> Response {
        let token = owner.preview.token
        let thumbnails = (0..<max(0, owner.preview.pageCount)).map { i -> [String: Any] in
            let base = "/send/preview/\(token)/pages/\(i + 1).png"
            return ["number": i + 1, "src": base + "?size=thumb", "full": base]
        }
        return page(
            "preview", title: "Check the pages, then send", session: session,
            data: [
                "token": token, "to": owner.to, "pageCount": owner.preview.pageCount,
                "documentNames": owner.preview.documentNames, "thumbnails": thumbnails,
            ])
    }

    /// Queues through `submit` and writes the audit line naming the new job.
    func submit<Context: RequestContext>(session: ConsoleSession, context: Context, _ submit: () throws -> JobID)
        -> Response
    {
        do {
            let id = try submit()
            guard record(.send, key: session.keyName, job: id.value, context: context) else {
                return auditFailed(session)
            }
            return Response.redirect(to: "/jobs/\(id.value)")
        } catch {
            return message(
                "The fax could not be queued: \(error)", title: "Not sent", session: session,
                status: .internalServerError, back: "/send")
        }
    }

    /// Streams the send form's body into a `ConsoleUpload`.
    func readUpload(_ request: Request, session: ConsoleSession) async -> Checked<ConsoleUpload> {
        guard let type = request.headers[.contentType], let boundary = MultipartParser.boundary(fromContentType: type)
        else {
            return .failure(
                message(
                    "The form was not sent as a file upload.", title: "Bad request", session: session,
                    status: .badRequest, back: "/send"))
        }
        var upload = ConsoleUpload(
            boundary: boundary, csrfToken: session.csrfToken, maxBytes: settings.maxUploadBytes, spool: spool)
        do {
            for try await chunk in request.body {
                try upload.feed(chunk.readableBytesView)
            }
        } catch let problem as ConsoleUpload.Problem {
            switch problem {
            case .forged:
                return .failure(
                    message(
                        "This form did not come from this console.", title: "Forbidden", session: session,
                        status: .forbidden))
            case .tooLarge:
                return .failure(
                    message(
                        "The documents are larger than \(settings.maxUploadBytes >> 20) MiB together.",
                        title: "Too large", session: session, status: .contentTooLarge, back: "/send"))
            case .malformed(let why):
                return .failure(
                    message(
                        "The upload could not be read: \(why).", title: "Bad request", session: session,
                        status: .badRequest, back: "/send"))
            case .storage(let why):
                logger.error("cannot stage an upload", metadata: ["error": "\(why)"])
                return .failure(
                    message(
                        "The gateway cannot store the upload now.", title: "Not available", session: session,
                        status: .serviceUnavailable, back: "/send"))
            }
        } catch {
            return .failure(
                message(
                    "The upload broke off.", title: "Bad request", session: session, status: .badRequest, back: "/send")
            )
        }
        guard upload.isFinished else {
            return .failure(
                message(
                    "The upload ended early.", title: "Bad request", session: session, status: .badRequest,
                    back: "/send"))
        }
        return .success(upload)
    }
}
