import FaxDropConsole
import FaxDropCore
import FaxDropDaemon
import FaxDropSystem
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import XCTest

/// A request context that carries the client's address, as the audit log wants.
struct AddressedContext: RequestContext, RemoteAddressRequestContext {
    var coreContext: CoreRequestContextStorage
    let remoteAddress: SocketAddress?

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}

/// A console on a fresh spool, served on a real loopback socket.
struct ConsoleHarness {
    static let apiKey = "console-test-api-key-0123456789"
    static let viewKey = "view-only-key-abcdefghijklmnop"
    let root: String
    let spool: Spool
    let console: Console
    var auditPath: String { root + "/audit.log" }

    init(secureCookies: Bool = false, clock: @escaping @Sendable () -> Date = { Date() }) throws {
        let template = NSTemporaryDirectory() + "faxdrop-console-XXXXXX"
        var bytes = Array(template.utf8CString)
        guard let made = mkdtemp(&bytes) else { throw SystemError("mkdtemp", errno: errno) }
        root = String(cString: made)
        spool = Spool(root: root + "/spool")
        try spool.createLayout()
        let keysFile = root + "/keys"
        try "# name role key\nfrontdesk view \(Self.viewKey)\n".write(
            toFile: keysFile, atomically: true, encoding: .utf8)
        let keys = try KeyRing.load(apiKey: Secret(Self.apiKey), keysFile: keysFile)
        let settings = ConsoleSettings(spool: spool.root, secureCookies: secureCookies, auditLog: root + "/audit.log")
        console = try Console(
            spool: spool, settings: settings, keys: keys, logger: Logger(label: "console-test"), clock: clock)
    }

    func run(_ test: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let router = Router(context: AddressedContext.self)
        console.addRoutes(to: router)
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in try await test(client) }
    }

    func auditLines() throws -> [AuditEntry] {
        let text = (try? String(contentsOfFile: auditPath, encoding: .utf8)) ?? ""
        return try text.split(separator: "\n").map {
            try JSONDecoder.faxdrop().decode(AuditEntry.self, from: Data($0.utf8))
        }
    }

    func requests() -> [String] {
        ((try? Syscall.listDirectory(spool.tmp)) ?? []).filter { $0.hasSuffix(".request") }.sorted()
    }

    /// A failed job's sidecar and its kept document in `failed/`.
    func writeEnded(
        _ id: JobID, status: Sidecar.Status, destination: String, name: String, code: ErrorCode? = nil,
        queuedAt: Date = Date(timeIntervalSince1970: 1_790_000_000)
    ) throws {
        let folder = status == .sent ? spool.done : spool.failed
        let stored = id.value + ".pdf"
        try AtomicFile.write(
            Array("%PDF-1.4 kept \(name)".utf8), to: folder + "/" + stored, stagingDirectory: spool.tmp)
        var attempt = AttemptRecord(
            number: 1, startedAt: queuedAt.addingTimeInterval(5), endedAt: queuedAt.addingTimeInterval(50))
        attempt.outcome = code?.rawValue ?? "sent"
        attempt.pagesSent = code == nil ? 2 : 0
        let sidecar = Sidecar(
            jobID: id, status: status, destination: destination,
            document: .init(
                originalName: name, storedAs: stored, bytes: 20, sha256: String(repeating: "0", count: 64), format: .pdf
            ),
            pages: .init(total: 2, sent: code == nil ? 2 : 0),
            fax: .init(resolution: .fine, paper: .letter, header: "FaxDrop", localStationID: ""), attempts: [attempt],
            error: code.map { Sidecar.Failure(FaxError($0, "the test's \($0.rawValue)")) }, queuedAt: queuedAt,
            completedAt: queuedAt.addingTimeInterval(60), gateway: .init(host: "test", version: "0"))
        try AtomicFile.write(
            try JSONEncoder.faxdrop().encode(sidecar), to: spool.sidecar(id, status: status),
            stagingDirectory: spool.tmp)
    }

    /// A live job's journal in `active/<id>/`.
    func writeActive(
        _ id: JobID, state: JobState, destination: String = "+15550100", configure: (inout JobRecord) -> Void = { _ in }
    ) throws {
        var record = JobRecord(
            jobID: id, state: state, destination: destination, originalName: "letter.pdf", documentFile: "document",
            fax: .init(resolution: .fine, paper: .letter, header: "FaxDrop", localStationID: ""), queuedAt: Date())
        configure(&record)
        try Syscall.mkdirIfNeeded(spool.jobFolder(id))
        try JournalStore(spool: spool).write(record)
    }

    static func newID(_ offset: UInt64 = 0) -> JobID {
        var generator = JobIDGenerator()
        return generator.next(milliseconds: UInt64(Date().timeIntervalSince1970 * 1000) + offset)
    }
}

/// A browser's cookie jar and the page's CSRF token, for one signed-in key.
struct Browser {
    var cookies: [String: String] = [:]
    var csrf = ""

    var cookieHeader: HTTPFields {
        var fields = HTTPFields()
        if !cookies.isEmpty {
            fields[.cookie] = cookies.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: "; ")
        }
        return fields
    }

    mutating func take(_ response: TestResponse) {
        for line in response.headers[values: .setCookie] {
            let pair = line.split(separator: ";")[0].split(separator: "=", maxSplits: 1).map(String.init)
            guard pair.count == 2 else { continue }
            if pair[1].isEmpty { cookies[pair[0]] = nil } else { cookies[pair[0]] = pair[1] }
        }
        if let token = Self.csrf(in: String(buffer: response.body)) { csrf = token }
    }

    static func csrf(in html: String) -> String? {
        guard let range = html.range(of: #"name="csrf" value="[0-9a-f]{64}""#, options: .regularExpression) else {
            return nil
        }
        return String(html[range].dropFirst(#"name="csrf" value=""#.count).dropLast())
    }

    func form(_ fields: [String: String]) -> (HTTPFields, ByteBuffer) {
        var headers = cookieHeader
        headers[.contentType] = "application/x-www-form-urlencoded"
        let body = fields.map {
            "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")"
        }.joined(separator: "&")
        return (headers, ByteBuffer(string: body))
    }

    /// Signs in with `key` through the form, as a person would; then loads the outbox for its token.
    static func signIn(_ client: any TestClientProtocol, key: String) async throws -> Browser {
        var browser = Browser()
        let form = try await client.execute(uri: "/login", method: .get)
        browser.take(form)
        let (headers, body) = browser.form(["csrf": browser.csrf, "key": key])
        let signed = try await client.execute(uri: "/login", method: .post, headers: headers, body: body)
        XCTAssertEqual(signed.status, .seeOther)
        browser.take(signed)
        let outbox = try await client.execute(uri: "/outbox", method: .get, headers: browser.cookieHeader)
        XCTAssertEqual(outbox.status, .ok)
        browser.take(outbox)
        return browser
    }
}
