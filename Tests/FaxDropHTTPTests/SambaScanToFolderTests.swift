import FaxDropCore
import FaxDropDaemon
import FaxDropHTTP
import FaxDropSystem
import Foundation
import XCTest

/// Scan-to-folder through a real Samba server on loopback, with the share section of
/// `etc/smb.conf.example`, written to by `smbclient` the way scanners write: the file is
/// created empty, then written again in later opens, with pauses shorter than the settle time.
/// The fax must be sent once, with the whole document.
final class SambaScanToFolderTests: XCTestCase {
    private var smbd: pid_t?

    override func tearDown() {
        if let smbd { stopChild(smbd, grace: 5) }
    }

    /// The `[fax]` section of the example, pointed at the test spool, for root.
    static func shareSection(outgoing: String) throws -> String {
        let example = try String(contentsOfFile: Fixtures.packageRoot + "/etc/smb.conf.example", encoding: .utf8)
        var inShare = false
        var lines: [String] = []
        for raw in example.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("[") {
                inShare = line == "[fax]"
                continue
            }
            guard inShare, !line.hasPrefix("#"), !line.isEmpty else { continue }
            let key =
                line.split(separator: "=", maxSplits: 1).first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
            switch key {
            case "path": lines.append("   path = \(outgoing)")
            case "force user": lines.append("   force user = root")
            case "force group": lines.append("   force group = root")
            case "valid users": lines.append("   valid users = root")
            default: lines.append("   " + line)
            }
        }
        XCTAssertTrue(lines.contains("   veto files = /._*/.DS_Store/Thumbs.db/desktop.ini/"))
        return lines.joined(separator: "\n") + "\n"
    }

    func testScannerWritesInSeveralOpensAndTheFaxIsSentOnceWhole() async throws {
        let spool = try HTTPTestSpool()
        let port = try await startSamba(spool)
        let destination = spool.spool.outgoing + "/+15551234567"
        try Syscall.mkdir(destination, mode: 0o775)
        let gateway = try await RunningGateway.start(spool, settings: ["FAXDROP_SETTLE_MS": "2000"])

        let full = try AtomicFile.read(Fixtures.onePageLetter)
        let local = spool.base + "/local"
        try Syscall.mkdir(local)
        try Data().write(to: URL(fileURLWithPath: local + "/empty"))
        try Data(full.prefix(full.count / 3)).write(to: URL(fileURLWithPath: local + "/part1"))
        try Data(full.prefix(2 * full.count / 3)).write(to: URL(fileURLWithPath: local + "/part2"))
        try Data(full).write(to: URL(fileURLWithPath: local + "/full"))
        try Data("x".utf8).write(to: URL(fileURLWithPath: local + "/litter"))

        // One SMB session; each `put` is an open, write and close of the same file on the server.
        let client = try smbclient(port: port)
        func send(_ line: String) throws {
            try client.input.write(contentsOf: Data((line + "\n").utf8))
        }
        try send("lcd \(local)")
        try send("cd +15551234567")
        try send("put empty scan0001.pdf")
        try await Task.sleep(for: .milliseconds(400))
        try send("put part1 scan0001.pdf")
        try await Task.sleep(for: .milliseconds(400))
        try send("put part2 scan0001.pdf")
        try await Task.sleep(for: .milliseconds(400))
        try send("put full scan0001.pdf")
        try send("put litter ._scan0001.pdf")
        try send("put litter Thumbs.db")
        try send("quit")
        try client.input.close()
        client.process.waitUntilExit()
        let transcript = client.transcript.text()
        XCTAssertEqual(client.process.terminationStatus, 0, transcript)
        XCTAssertTrue(
            transcript.contains("NT_STATUS_OBJECT_NAME_NOT_FOUND opening remote file \\+15551234567\\._scan0001.pdf"),
            transcript)

        let sidecars = try await waitForSidecars(spool, 1, timeout: 60)
        // Time for a second, wrong claim to show up if there were one.
        try await Task.sleep(for: .seconds(3))
        let all = try await waitForSidecars(spool, 1, timeout: 1)
        XCTAssertEqual(all.count, 1, "the scan was claimed once: \(all.map(\.document.originalName))")
        let sidecar = try XCTUnwrap(sidecars.first)
        XCTAssertEqual(sidecar.status, .sent, "\(String(describing: sidecar.error))")
        XCTAssertEqual(sidecar.document.originalName, "scan0001.pdf")
        XCTAssertEqual(sidecar.document.bytes, Int64(full.count))
        XCTAssertEqual(sidecar.document.sha256, SHA256.hex(full), "the whole document, not a part")
        XCTAssertEqual(sidecar.pages.sent, 1)
        XCTAssertEqual(try Syscall.listDirectory(destination), [], "vetoed names were never written")
        await gateway.stop()
    }

    /// An SMB client whose data arrives slowly (`smbclient` putting from a pipe that is fed,
    /// paused longer than the settle time while rescans run every second, then fed the
    /// rest): `smbd` holds the file open for writing meanwhile, and it is taken only once
    /// closed, whole (issue 16).
    func testFileHeldOpenBySmbdIsTakenOnlyOnceClosedWhole() async throws {
        let spool = try HTTPTestSpool()
        let port = try await startSamba(spool)
        let destination = spool.spool.outgoing + "/+15551234567"
        try Syscall.mkdir(destination, mode: 0o775)
        let gateway = try await RunningGateway.start(
            spool, settings: ["FAXDROP_SETTLE_MS": "1000", "FAXDROP_RESCAN_SECONDS": "1"])
        let full = try AtomicFile.read(Fixtures.onePageLetter)

        let client = try smbclient(port: port, ["-c", "cd +15551234567; put - slow.pdf"])
        try client.input.write(contentsOf: Data(full.prefix(full.count / 2)))

        // smbd creates the file and holds it open while smbclient waits for the rest.
        let path = destination + "/slow.pdf"
        let appeared = Date().addingTimeInterval(10)
        while (try Syscall.lstatIfExists(path)) == nil && Date() < appeared {
            try await Task.sleep(for: .milliseconds(20))
        }
        XCTAssertNotNil(try Syscall.lstatIfExists(path), "smbd never created the file")
        let pauseEnds = Date().addingTimeInterval(3.5)  // three settle times, three rescans
        while Date() < pauseEnds {
            XCTAssertNotNil(try Syscall.lstatIfExists(path), "claimed while smbd still had it open for writing")
            try await Task.sleep(for: .milliseconds(50))
        }
        try client.input.write(contentsOf: Data(full.dropFirst(full.count / 2)))
        try client.input.close()
        client.process.waitUntilExit()
        XCTAssertEqual(client.process.terminationStatus, 0, client.transcript.text())

        let sidecars = try await waitForSidecars(spool, 1, timeout: 60)
        XCTAssertEqual(sidecars.count, 1)
        let sidecar = try XCTUnwrap(sidecars.first)
        XCTAssertEqual(sidecar.status, .sent, "\(String(describing: sidecar.error))")
        XCTAssertEqual(sidecar.document.bytes, Int64(full.count))
        XCTAssertEqual(sidecar.document.sha256, SHA256.hex(full), "the whole document, not the first half")
        let kept = try AtomicFile.read(spool.spool.done + "/" + (try XCTUnwrap(sidecar.document.storedAs)))
        XCTAssertEqual(SHA256.hex(kept), sidecar.document.sha256)
        await gateway.stop()
    }

    /// Starts `smbclient` on the `[fax]` share at `port` as the scanner's user, with `arguments`
    /// after the login: its standard input a pipe the test writes, its output and errors collected.
    private func smbclient(port: Int, _ arguments: [String] = []) throws -> (
        process: Process, input: FileHandle, transcript: ErrorCollector
    ) {
        let client = Process()
        client.executableURL = URL(fileURLWithPath: "/usr/bin/smbclient")
        client.arguments = ["//127.0.0.1/fax", "-p", "\(port)", "-U", "root%scan-pw", "-m", "SMB3"] + arguments
        let input = Pipe()
        let output = Pipe()
        client.standardInput = input
        client.standardOutput = output
        client.standardError = output
        let transcript = ErrorCollector(output.fileHandleForReading)
        try client.run()
        return (client, input.fileHandleForWriting, transcript)
    }

    /// Starts `smbd` on a free loopback port serving the example's `[fax]` share on `spool`;
    /// skips when Samba is not installed or not root.
    private func startSamba(_ spool: HTTPTestSpool) async throws -> Int {
        for tool in ["/usr/sbin/smbd", "/usr/bin/smbclient", "/usr/bin/smbpasswd"]
        where !FileManager.default.isExecutableFile(atPath: tool) {
            throw XCTSkip(
                "\(tool) is missing (Debian packages samba, smbclient; scripts/install-deps.sh installs them)")
        }
        guard getuid() == 0 else { throw XCTSkip("smbd needs root here") }
        let samba = spool.base + "/samba"
        for folder in ["", "/run", "/lock", "/state", "/cache", "/private", "/ncalrpc"] {
            try Syscall.mkdir(samba + folder, mode: 0o755)
        }
        let port = try freePort()
        let config = samba + "/smb.conf"
        let global = """
            [global]
               netbios name = FAXDROPTEST
               workgroup = WORKGROUP
               server role = standalone server
               smb ports = \(port)
               interfaces = 127.0.0.1
               bind interfaces only = yes
               disable netbios = yes
               pid directory = \(samba)/run
               lock directory = \(samba)/lock
               state directory = \(samba)/state
               cache directory = \(samba)/cache
               private dir = \(samba)/private
               ncalrpc dir = \(samba)/ncalrpc
               binddns dir = \(samba)/private
               passdb backend = tdbsam:\(samba)/private/passdb.tdb
               log file = \(samba)/log.%m
               map to guest = never
               server min protocol = SMB2_10
               load printers = no
               printcap name = /dev/null
               disable spoolss = yes

            """
        let share = try Self.shareSection(outgoing: spool.spool.outgoing)
        try Data((global + "[fax]\n" + share).utf8)
            .write(to: URL(fileURLWithPath: config))
        let testparm = try runProgram("/usr/bin/testparm", ["-s", config])
        XCTAssertEqual(testparm.status, 0, testparm.error)
        let passwd = try runProgram(
            "/usr/bin/smbpasswd", ["-c", config, "-a", "-s", "root"], input: Data("scan-pw\nscan-pw\n".utf8))
        XCTAssertEqual(passwd.status, 0, passwd.error)
        smbd = try ChildProcess.spawn(
            ["/usr/sbin/smbd", "--foreground", "--no-process-group", "-s", config],
            environment: ["PATH": "/usr/sbin:/usr/bin:/bin"])
        try await waitForSamba(port: port, config: config)

        return port
    }

    private func freePort() throws -> Int {
        let script = "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])"
        let result = try runProgram(python, pythonPrefix + ["-c", script])
        return try XCTUnwrap(Int(result.output.trimmingCharacters(in: .whitespacesAndNewlines)))
    }

    private func waitForSamba(port: Int, config: String) async throws {
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            let probe = try runProgram(
                "/usr/bin/smbclient", ["//127.0.0.1/fax", "-p", "\(port)", "-U", "root%scan-pw", "-c", "ls"])
            if probe.status == 0 { return }
            try await Task.sleep(for: .milliseconds(200))
        }
        let log =
            (try? String(
                contentsOfFile: URL(fileURLWithPath: config).deletingLastPathComponent().path + "/log.smbd",
                encoding: .utf8)) ?? ""
        XCTFail("smbd did not answer on port \(port): \(log.suffix(2000))")
        throw CancellationError()
    }

    private func waitForSidecars(_ spool: HTTPTestSpool, _ count: Int, timeout: Double) async throws -> [Sidecar] {
        let deadline = Date().addingTimeInterval(timeout)
        var found: [Sidecar] = []
        repeat {
            found = []
            for folder in [spool.spool.done, spool.spool.failed] {
                for name in ((try? Syscall.listDirectory(folder)) ?? []) where name.hasSuffix(".json") {
                    found.append(
                        try JSONDecoder.faxdrop().decode(Sidecar.self, from: Data(AtomicFile.read(folder + "/" + name)))
                    )
                }
            }
            if found.count >= count { return found }
            try await Task.sleep(for: .milliseconds(100))
        } while Date() < deadline
        XCTFail("\(found.count) of \(count) sidecars")
        return found
    }
}
