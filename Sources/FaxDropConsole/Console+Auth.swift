import FaxDropCore
import Foundation
import Hummingbird
import NIOCore

/// Sign-in, sign-out. The sign-in form carries a token that must equal the short-lived
/// `faxdrop_login` cookie set with the form (a site elsewhere can read neither), so no page
/// elsewhere can sign a browser in with its own key.
extension Console {
    func addAuthRoutes<Context: RequestContext>(to group: RouterGroup<Context>) {
        group.get("/login") { request, _ in
            if self.session(request) != nil { return Response.redirect(to: "/outbox") }
            return self.loginPage(refused: false)
        }
        group.post("/login") { request, context in
            var request = request
            let body = (try? await request.collectBody(upTo: 16 << 10)).map { String(buffer: $0) } ?? ""
            let form = FormFields.parse(body)
            guard let cookie = request.cookies[Self.loginCookie]?.value, let token = form["csrf"],
                SessionStore.sameToken(token, cookie)
            else {
                return self.message(
                    "This sign-in form did not come from this console.", title: "Forbidden", session: nil,
                    status: .forbidden, back: "/login")
            }
            guard let presented = form["key"], !presented.isEmpty, let entry = self.keys.match(presented) else {
                guard self.record(.signInRefused, key: "-", context: context) else { return self.auditFailed(nil) }
                return self.loginPage(refused: true)
            }
            guard self.record(.signIn, key: entry.name, context: context) else { return self.auditFailed(nil) }
            let session = self.sessions.create(keyName: entry.name, role: entry.role, now: self.clock())
            var response = Response.redirect(to: "/outbox")
            response.setCookie(self.cookie(Self.sessionCookie, session.id, maxAge: Int(self.settings.sessionIdle)))
            response.setCookie(self.cookie(Self.loginCookie, "", maxAge: 0))
            return response
        }
        group.post("/logout") { request, context in
            switch await self.checkedForm(request, needsSend: false) {
            case .failure(let response): return response
            case .success(let (session, _)):
                _ = self.record(.signOut, key: session.keyName, context: context)
                self.sessions.remove(session.id)
                var response = Response.redirect(to: "/login")
                response.setCookie(self.cookie(Self.sessionCookie, "", maxAge: 0))
                return response
            }
        }
        group.get("/errors") { request, _ in
            guard case .success(let session) = self.signedIn(request) else { return Response.redirect(to: "/login") }
            let codes = ErrorExplanation.all.map {
                [
                    "code": $0.code.rawValue, "words": $0.words, "whatToDo": $0.whatToDo,
                    "retryable": $0.code.isRetryable ? "yes" : "no",
                ]
            }
            return self.page("errors", title: "Error codes", session: session, data: ["codes": codes])
        }
    }

    func loginPage(refused: Bool) -> Response {
        let token = SessionStore.randomToken()
        var response = page(
            "login", title: "Sign in", session: nil, data: ["loginToken": token, "refused": refused],
            status: refused ? .unauthorized : .ok)
        response.setCookie(cookie(Self.loginCookie, token, maxAge: 600))
        return response
    }

    /// `HttpOnly`, `SameSite=Strict`, path `/`, `Secure` when `FAXDROP_HTTP_SECURE_COOKIES=true`.
    func cookie(_ name: String, _ value: String, maxAge: Int) -> Cookie {
        Cookie(
            name: name, value: value, maxAge: maxAge, path: "/", secure: settings.secureCookies, httpOnly: true,
            sameSite: .strict)
    }
}
