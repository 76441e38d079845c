import FaxDropConsole
import FaxDropCore
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import XCTest

final class SignInTests: XCTestCase {
    func testPagesSendToSignInWithoutASession() async throws {
        let harness = try ConsoleHarness()
        try await harness.run { client in
            for path in ["/", "/outbox", "/history", "/send", "/inbox", "/errors", "/jobs/01JABCDEFGHJKMNPQRSTVWXYZ0"] {
                let response = try await client.execute(uri: path, method: .get)
                XCTAssertEqual(response.status, .seeOther, path)
                XCTAssertTrue(["/login", "/outbox"].contains(response.headers[.location] ?? ""), path)
            }
            let json = try await client.execute(uri: "/outbox.json", method: .get)
            XCTAssertEqual(json.status, .unauthorized)
            // A made-up session id is no session.
            let forged = try await client.execute(
                uri: "/outbox", method: .get, headers: [.cookie: "faxdrop_session=" + String(repeating: "a", count: 64)]
            )
            XCTAssertEqual(forged.status, .seeOther)
        }
    }

    func testTheAPIKeySignsInWithAStrictHttpOnlyCookieAndIsAudited() async throws {
        let harness = try ConsoleHarness()
        try await harness.run { client in
            var browser = Browser()
            browser.take(try await client.execute(uri: "/login", method: .get))
            let (headers, body) = browser.form(["csrf": browser.csrf, "key": ConsoleHarness.apiKey])
            let response = try await client.execute(uri: "/login", method: .post, headers: headers, body: body)
            XCTAssertEqual(response.status, .seeOther)
            XCTAssertEqual(response.headers[.location], "/outbox")
            let cookie = try XCTUnwrap(response.headers[values: .setCookie].first { $0.hasPrefix("faxdrop_session=") })
            XCTAssertTrue(cookie.contains("HttpOnly"), cookie)
            XCTAssertTrue(cookie.contains("SameSite=Strict"), cookie)
            XCTAssertFalse(cookie.contains("Secure"), cookie)
            let id = cookie.dropFirst("faxdrop_session=".count).prefix { $0 != ";" }
            XCTAssertEqual(id.count, 64)
            browser.take(response)
            let outbox = try await client.execute(uri: "/outbox", method: .get, headers: browser.cookieHeader)
            XCTAssertEqual(outbox.status, .ok)
            XCTAssertTrue(String(buffer: outbox.body).contains("api-key (send)"))
        }
        let lines = try harness.auditLines()
        XCTAssertEqual(lines.map(\.action), [.signIn])
        XCTAssertEqual(lines.first?.key, "api-key")
        XCTAssertEqual(lines.first?.remote, "127.0.0.1")
        let raw = try String(contentsOfFile: harness.auditPath, encoding: .utf8)
        XCTAssertFalse(raw.contains(ConsoleHarness.apiKey))
    }

    func testAWrongKeyIsRefusedAndAuditedWithoutTheKey() async throws {
        let harness = try ConsoleHarness()
        let wrong = "not-the-key-but-a-guess-123456"
        try await harness.run { client in
            var browser = Browser()
            browser.take(try await client.execute(uri: "/login", method: .get))
            for key in [wrong, "", ConsoleHarness.apiKey + " "] {
                let (headers, body) = browser.form(["csrf": browser.csrf, "key": key])
                let response = try await client.execute(uri: "/login", method: .post, headers: headers, body: body)
                XCTAssertEqual(response.status, .unauthorized, key)
                XCTAssertTrue(String(buffer: response.body).contains("That key was not accepted"))
                XCTAssertNil(
                    response.headers[values: .setCookie].first {
                        $0.hasPrefix("faxdrop_session=") && !$0.hasPrefix("faxdrop_session=;")
                    })
            }
        }
        let lines = try harness.auditLines()
        XCTAssertEqual(lines.map(\.action), [.signInRefused, .signInRefused, .signInRefused])
        XCTAssertEqual(Set(lines.map(\.key)), ["-"])
        XCTAssertFalse(try String(contentsOfFile: harness.auditPath, encoding: .utf8).contains(wrong))
    }

    func testASignInFormFromElsewhereIsRefused() async throws {
        let harness = try ConsoleHarness()
        try await harness.run { client in
            // No login cookie (a page elsewhere cannot read or set it): refused even with the right key.
            let response = try await client.execute(
                uri: "/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "csrf=\(String(repeating: "b", count: 64))&key=\(ConsoleHarness.apiKey)"))
            XCTAssertEqual(response.status, .forbidden)
            XCTAssertTrue(response.headers[values: .setCookie].allSatisfy { !$0.hasPrefix("faxdrop_session=") })
        }
        XCTAssertTrue(try harness.auditLines().isEmpty)
    }

    func testSecureCookiesWhenConfigured() async throws {
        let harness = try ConsoleHarness(secureCookies: true)
        try await harness.run { client in
            var browser = Browser()
            browser.take(try await client.execute(uri: "/login", method: .get))
            let (headers, body) = browser.form(["csrf": browser.csrf, "key": ConsoleHarness.apiKey])
            let response = try await client.execute(uri: "/login", method: .post, headers: headers, body: body)
            let cookie = try XCTUnwrap(response.headers[values: .setCookie].first { $0.hasPrefix("faxdrop_session=") })
            XCTAssertTrue(cookie.contains("Secure"), cookie)
        }
    }

    func testSignOutEndsTheSession() async throws {
        let harness = try ConsoleHarness()
        try await harness.run { client in
            let browser = try await Browser.signIn(client, key: ConsoleHarness.apiKey)
            let (headers, body) = browser.form(["csrf": browser.csrf])
            let out = try await client.execute(uri: "/logout", method: .post, headers: headers, body: body)
            XCTAssertEqual(out.status, .seeOther)
            XCTAssertEqual(out.headers[.location], "/login")
            // The old cookie opens nothing any more.
            let again = try await client.execute(uri: "/outbox", method: .get, headers: browser.cookieHeader)
            XCTAssertEqual(again.status, .seeOther)
        }
        XCTAssertEqual(try harness.auditLines().map(\.action), [.signIn, .signOut])
    }

    func testSessionsExpireAfterIdleTime() {
        let store = SessionStore(idle: 60)
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        let session = store.create(keyName: "a", role: .view, now: t0)
        XCTAssertNotEqual(session.id, session.csrfToken)
        XCTAssertEqual(store.lookup(session.id, now: t0.addingTimeInterval(59))?.keyName, "a")
        // Use moved the expiry on.
        XCTAssertNotNil(store.lookup(session.id, now: t0.addingTimeInterval(118)))
        XCTAssertNil(store.lookup(session.id, now: t0.addingTimeInterval(118 + 61)))
        XCTAssertNil(store.lookup(session.id, now: t0))
        let ids = Set((0..<100).map { _ in SessionStore.randomToken() })
        XCTAssertEqual(ids.count, 100)
        XCTAssertTrue(ids.allSatisfy { $0.count == 64 && $0.allSatisfy(\.isHexDigit) })
    }

    func testKeysFile() throws {
        let parsed = try KeyRing.parseKeysFile(
            "# comment\n\nalice send 0123456789abcdef0\r\nbob\tview\tfedcba9876543210x\n")
        XCTAssertEqual(parsed.map(\.name), ["alice", "bob"])
        XCTAssertEqual(parsed.map(\.role), [.send, .view])
        let ring = KeyRing(apiKey: Secret("the-api-key-itself"), named: parsed)
        XCTAssertEqual(ring.match("the-api-key-itself")?.name, "api-key")
        XCTAssertEqual(ring.match("fedcba9876543210x")?.role, .view)
        XCTAssertNil(ring.match("fedcba9876543210"))
        XCTAssertNil(KeyRing(apiKey: nil).match(""))
        for bad in [
            "alice send", "alice admin 0123456789abcdef0", "alice send short", "a/b send 0123456789abcdef0",
            "api-key send 0123456789abcdef0", "x send 0123456789abcdef0\nx view 0123456789abcdef1",
        ] {
            XCTAssertThrowsError(try KeyRing.parseKeysFile(bad), bad) { error in
                XCTAssertFalse("\(error)".contains("0123456789abcdef"), "a key in an error: \(error)")
            }
        }
    }
}
