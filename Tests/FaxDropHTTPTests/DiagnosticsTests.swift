import FaxDropCore
import FaxDropDaemon
import FaxDropDiagnostics
import FaxDropHTTP
import FaxDropRenderClient
import FaxDropSystem
import Foundation
import XCTest

final class DiagnosticsTests: XCTestCase {
    private func findings(
        _ spool: HTTPTestSpool, _ settings: [String: String], executables: String? = nil,
        inotify: String? = nil
    ) async throws -> [Diagnostics.Finding] {
        var diagnostics = Diagnostics(
            configuration: try spool.configuration(settings), executableDirectory: executables ?? spool.base)
        diagnostics.amiTimeout = .seconds(3)
        if let inotify { diagnostics.inotifyDirectory = inotify }
        return await diagnostics.run()
    }

    private func level(_ findings: [Diagnostics.Finding], _ check: String) -> Diagnostics.Finding.Level? {
        findings.filter { $0.check == check }.map(\.level).max()
    }

    func testHealthyLoopbackSetup() async throws {
        let spool = try HTTPTestSpool()
        let renderer = spool.base + "/faxdrop-render"
        // A stand-in renderer that reports an active sandbox (`--sandbox-status`).
        _ = FileManager.default.createFile(
            atPath: renderer, contents: Data("#!/bin/sh\necho 'landlock ABI 7, active'\n".utf8),
            attributes: [.posixPermissions: 0o755])
        let found = try await findings(spool, ["API_KEY": "k"])
        XCTAssertEqual(found.map(\.level).max(), .ok, Diagnostics.report(found))
        XCTAssertTrue(Diagnostics.report(found).hasSuffix("everything checked is in order"))
    }

    /// `faxdrop check` reports the real renderer's sandbox (issue 9).
    func testRendererSandboxIsReported() async throws {
        let spool = try HTTPTestSpool()
        let renderer = RenderPool.defaultExecutable()
        guard FileManager.default.isExecutableFile(atPath: renderer) else { throw XCTSkip("\(renderer) is missing") }
        let settings = ["API_KEY": "k", "FAXDROP_RENDERER": renderer]
        var found = try await findings(spool, settings).filter { $0.check == "sandbox" }
        switch Landlock.availability() {
        case .available(let abi):
            XCTAssertEqual(
                found, [Diagnostics.Finding("sandbox", .ok, "renderer sandbox: landlock ABI \(abi), active")])
        case .unavailable(let reason):
            XCTAssertEqual(found, [Diagnostics.Finding("sandbox", .warning, "renderer sandbox: inactive: \(reason)")])
        }
        found = try await findings(spool, settings.merging(["FAXDROP_RENDER_SANDBOX": "false"]) { $1 })
            .filter { $0.check == "sandbox" }
        XCTAssertEqual(
            found, [Diagnostics.Finding("sandbox", .warning, "renderer sandbox: inactive: FAXDROP_RENDER_SANDBOX=off")])
    }

    func testMissingRendererAndSpool() async throws {
        let spool = try HTTPTestSpool()
        var found = try await findings(spool, ["FAXDROP_RENDERER": spool.base + "/nope"])
        XCTAssertEqual(level(found, "renderer"), .problem)
        XCTAssertEqual(level(found, "http"), .warning, "no API_KEY")
        found = try await findings(spool, ["FAXDROP_SPOOL": "/nonexistent-root/x/spool"])
        XCTAssertEqual(level(found, "spool"), .problem)
        found = try await findings(spool, ["FAXDROP_SPOOL": spool.base + "/new-spool"])
        XCTAssertEqual(level(found, "spool"), .warning, "faxdrop run creates it")
    }

    func testInotifyLimitAgainstDestinationFolders() async throws {
        let spool = try HTTPTestSpool()
        for n in 0..<5 { try Syscall.mkdir(spool.spool.outgoing + "/+1555123400\(n)") }
        let fake = spool.base + "/inotify"
        try Syscall.mkdir(fake)
        for (limit, expected) in [("3\n", Diagnostics.Finding.Level.problem), ("10\n", .warning), ("8192\n", .ok)] {
            try Data(limit.utf8).write(to: URL(fileURLWithPath: fake + "/max_user_watches"))
            let found = try await findings(spool, [:], inotify: fake)
            XCTAssertEqual(level(found, "inotify"), expected, limit)
            XCTAssertTrue(found.first { $0.check == "inotify" }!.detail.contains("5 destination folder(s)"))
        }
    }

    func testHTTPPortInUse() async throws {
        let spool = try HTTPTestSpool()
        let routes = HTTPRoutes(
            api: FaxAPI(spool: spool.spool, apiKey: nil, maxBytes: 1, logger: quietLogger()), metrics: { "" },
            health: { .json(200, ["status": "ok"]) })
        let server = HTTPServer(host: "127.0.0.1", port: 0, routes: routes, logger: quietLogger())
        try await server.start()
        let found = try await findings(spool, ["API_KEY": "k", "FAXDROP_HTTP_PORT": "\(server.boundPort!)"])
        XCTAssertEqual(level(found, "http"), .problem)
        await server.stop()
    }

    /// Against a fake Asterisk speaking the captured login exchange; the secret is never printed.
    func testAMILogin() async throws {
        let spool = try HTTPTestSpool()
        let fake = try FakeAMI(folder: spool.base)
        let base = [
            "FAX_BACKEND": "sip", "ASTERISK_AMI_HOST": "127.0.0.1", "ASTERISK_AMI_PORT": "\(fake.port)",
            "ASTERISK_AMI_USERNAME": "faxdrop",
        ]
        var found = try await findings(spool, base.merging(["ASTERISK_AMI_PASSWORD": "right-secret"]) { $1 })
        XCTAssertEqual(level(found, "ami"), .ok, Diagnostics.report(found))
        XCTAssertTrue(Diagnostics.report(found).contains("Asterisk Call Manager/9.0.0, login accepted"))
        found = try await findings(spool, base.merging(["ASTERISK_AMI_PASSWORD": "wrong-secret"]) { $1 })
        XCTAssertEqual(level(found, "ami"), .problem)
        let report = Diagnostics.report(found)
        XCTAssertTrue(report.contains("Authentication failed"), report)
        XCTAssertFalse(report.contains("wrong-secret"))
        XCTAssertFalse(report.contains("right-secret"))
        found = try await findings(spool, base.merging(["ASTERISK_AMI_PORT": "9"]) { $1 })
        XCTAssertEqual(level(found, "ami"), .problem, "nobody listens")
        XCTAssertTrue(Diagnostics.report(found).contains("cannot reach the Asterisk Manager Interface"))
    }

    /// A server that is not Asterisk is named by what it said.
    func testAMIPortAnsweredBySomethingElse() async throws {
        let spool = try HTTPTestSpool()
        let fake = try FakeAMI(folder: spool.base, banner: "SSH-2.0-OpenSSH_9.2p1")
        let found = try await findings(
            spool,
            [
                "FAX_BACKEND": "sip", "ASTERISK_AMI_HOST": "127.0.0.1", "ASTERISK_AMI_PORT": "\(fake.port)",
                "ASTERISK_AMI_USERNAME": "faxdrop", "ASTERISK_AMI_PASSWORD": "right-secret",
            ])
        XCTAssertEqual(level(found, "ami"), .problem)
        XCTAssertTrue(
            Diagnostics.report(found).contains("does not speak AMI (it said \"SSH-2.0-OpenSSH_9.2p1\")"),
            Diagnostics.report(found))
    }
}

/// An AMI server reduced to the login exchange of the captures
/// (`shared/asterisk/transcripts/wrong_password.txt`, `success_1page.txt`).
final class FakeAMI {
    let pid: pid_t
    let port: Int

    init(folder: String, banner: String = "Asterisk Call Manager/9.0.0") throws {
        let portFile = folder + "/ami.port"
        let script = """
            import os, socket, sys, threading
            server = socket.socket()
            server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            server.bind(("127.0.0.1", 0))
            server.listen(8)
            with open(sys.argv[1] + ".tmp", "w") as f:
                f.write(str(server.getsockname()[1]))
            os.rename(sys.argv[1] + ".tmp", sys.argv[1])
            def serve(conn):
                conn.sendall(sys.argv[2].encode() + b"\\r\\n")
                data = b""
                while b"\\r\\n\\r\\n" not in data:
                    chunk = conn.recv(4096)
                    if not chunk:
                        return
                    data += chunk
                fields = dict(l.split(": ", 1) for l in data.decode().split("\\r\\n") if ": " in l)
                action = fields.get("ActionID", "")
                if fields.get("Secret") == "right-secret":
                    conn.sendall(f"Response: Success\\r\\nActionID: {action}\\r\\nMessage: Authentication accepted\\r\\n\\r\\n".encode())
                    conn.recv(4096)
                else:
                    conn.sendall(f"Response: Error\\r\\nActionID: {action}\\r\\nMessage: Authentication failed\\r\\n\\r\\n".encode())
                conn.close()
            while True:
                conn, _ = server.accept()
                threading.Thread(target=serve, args=(conn,), daemon=True).start()
            """
        (pid, port) = try startPythonServer(script, [portFile, banner], portFile: portFile)
    }

    deinit { stopChild(pid) }
}
