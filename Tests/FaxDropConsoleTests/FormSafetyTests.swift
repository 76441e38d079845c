import FaxDropConsole
import FaxDropCore
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import XCTest

/// Security headers, CSRF on every POST, roles.
final class FormSafetyTests: XCTestCase {
    func testEveryConsoleResponseCarriesTheSecurityHeaders() async throws {
        let harness = try ConsoleHarness()
        try await harness.runSignedIn { client, browser in
            for path in [
                "/login", "/static/console.js", "/static/console.css", "/outbox", "/history", "/inbox", "/errors",
                "/send",
                "/jobs/01JABCDEFGHJKMNPQRSTVWXYZ0", "/static/missing.js", "/outbox.json",
            ] {
                let response = try await client.execute(uri: path, method: .get, headers: browser.cookieHeader)
                let csp = try XCTUnwrap(response.headers[.contentSecurityPolicy], path)
                XCTAssertTrue(csp.contains("default-src 'self'"), path)
                XCTAssertTrue(csp.contains("frame-ancestors 'none'"), path)
                XCTAssertFalse(csp.contains("unsafe-inline"), path)
                XCTAssertEqual(response.headers[.init("X-Frame-Options")!], "DENY", path)
                XCTAssertEqual(response.headers[.init("X-Content-Type-Options")!], "nosniff", path)
                XCTAssertEqual(response.headers[.init("Referrer-Policy")!], "no-referrer", path)
                if ["/outbox", "/history", "/inbox", "/outbox.json"].contains(path) {
                    XCTAssertEqual(response.headers[.cacheControl], "no-store", path)
                }
            }
        }
    }

    func testPagesHaveNoInlineScriptOrStyle() async throws {
        let harness = try ConsoleHarness()
        let failed = ConsoleHarness.newID()
        try harness.writeEnded(failed, status: .failed, destination: "+15550186", name: "labs.pdf", code: .busy)
        try await harness.runSignedIn { client, browser in
            for path in ["/login", "/outbox", "/history", "/inbox", "/errors", "/send", "/jobs/\(failed.value)"] {
                // The sign-in page as a signed-out browser sees it; the others signed in.
                let headers = path == "/login" ? HTTPFields() : browser.cookieHeader
                let html = String(buffer: try await client.execute(uri: path, method: .get, headers: headers).body)
                XCTAssertTrue(html.contains("<main"), path)
                XCTAssertNil(html.range(of: #"<script(?![^>]*\bsrc=)"#, options: .regularExpression), path)
                XCTAssertNil(html.range(of: #"\sstyle="#, options: .regularExpression), path)
                XCTAssertNil(html.range(of: #"\son[a-z]+="#, options: .regularExpression), path)
                XCTAssertNil(html.range(of: #"(src|href)="(https?:)?//"#, options: .regularExpression), path)
            }
        }
    }

    func testACrossSitePostIsForbiddenAndDoesNothing() async throws {
        let harness = try ConsoleHarness()
        let queued = ConsoleHarness.newID()
        try harness.writeActive(queued, state: .queued)
        try await harness.runSignedIn { client, browser in
            let uri = "/jobs/\(queued.value)/cancel"
            // A page elsewhere: SameSite=Strict keeps the cookie back, and it cannot know the token.
            let noCookie = try await client.execute(
                uri: uri, method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "x=1"))
            XCTAssertEqual(noCookie.status, .forbidden)
            // Even with the cookie: no token, or a wrong one.
            for fields in [[:], ["csrf": String(repeating: "0", count: 64)], ["csrf": ""]] as [[String: String]] {
                let (headers, body) = browser.form(fields)
                let response = try await client.execute(uri: uri, method: .post, headers: headers, body: body)
                XCTAssertEqual(response.status, .forbidden, "\(fields)")
            }
            XCTAssertEqual(harness.requests(), [])
            let (headers, body) = browser.form(["csrf": browser.csrf])
            let response = try await client.execute(uri: uri, method: .post, headers: headers, body: body)
            XCTAssertEqual(response.status, .seeOther)
            XCTAssertEqual(harness.requests(), ["cancel-\(queued.value).request"])
        }
        XCTAssertEqual(try harness.auditLines().map(\.action), [.signIn, .cancel])
        XCTAssertEqual(try harness.auditLines().last?.jobID, queued.value)
    }

    func testAViewKeyCannotSendRetryOrCancel() async throws {
        let harness = try ConsoleHarness()
        let queued = ConsoleHarness.newID()
        let failed = ConsoleHarness.newID(1)
        try harness.writeActive(queued, state: .queued)
        try harness.writeEnded(failed, status: .failed, destination: "+15550186", name: "a.pdf", code: .busy)
        try await harness.runSignedIn(key: ConsoleHarness.viewKey) { client, browser in
            let outbox = String(
                buffer: try await client.execute(uri: "/outbox", method: .get, headers: browser.cookieHeader).body)
            XCTAssertTrue(outbox.contains("frontdesk (view)"))
            XCTAssertFalse(outbox.contains(">Cancel<"))
            XCTAssertFalse(outbox.contains("href=\"/send\""))
            for uri in ["/jobs/\(queued.value)/cancel", "/jobs/\(failed.value)/retry"] {
                let (headers, body) = browser.form(["csrf": browser.csrf])
                let response = try await client.execute(uri: uri, method: .post, headers: headers, body: body)
                XCTAssertEqual(response.status, .forbidden, uri)
            }
            do {
                let answer = try await client.execute(uri: "/send", method: .get, headers: browser.cookieHeader)
                XCTAssertEqual(answer.status, .forbidden)
            }
            var headers = browser.cookieHeader
            headers[.contentType] = "multipart/form-data; boundary=XyZ"
            let body = Multipart.body(
                boundary: "XyZ", fields: [("csrf", browser.csrf), ("to", "+15550100")],
                files: [("a.txt", Array("hello".utf8))])
            do {
                let answer = try await client.execute(uri: "/send", method: .post, headers: headers, body: body)
                XCTAssertEqual(answer.status, .forbidden)
            }
            // Viewing is allowed.
            do {
                let answer = try await client.execute(
                    uri: "/jobs/\(failed.value)", method: .get, headers: browser.cookieHeader)
                XCTAssertEqual(answer.status, .ok)
            }
        }
        XCTAssertEqual(harness.requests(), [])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: harness.spool.active), [queued.value])
        XCTAssertEqual(try harness.auditLines().map(\.action), [.signIn, .viewJob])
    }
}

enum Multipart {
    static func body(boundary: String, fields: [(String, String)], files: [(String, [UInt8])]) -> ByteBuffer {
        var out = ""
        for (name, value) in fields {
            out += "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n"
        }
        var buffer = ByteBuffer(string: out)
        for (name, bytes) in files {
            buffer.writeString(
                "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(name)\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            buffer.writeBytes(bytes)
            buffer.writeString("\r\n")
        }
        buffer.writeString("--\(boundary)--\r\n")
        return buffer
    }
}
