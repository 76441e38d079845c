import AsteriskSimulator
import FaxDropAMI
import FaxDropCore
import Foundation
import XCTest

/// Static checks of `asterisk/`: the dialplan keeps SPEC §7's promise on every path, and
/// the templates render from `.env.example` with `envsubst` (Debian: gettext-base).
final class AsteriskConfigurationTests: XCTestCase {
    let root = Captures.repositoryRoot
    var asteriskDir: URL { root.appendingPathComponent("asterisk") }

    /// `[context]` → its lines, each `exten => ...` / `same => ...` as (extension, application call).
    struct Dialplan {
        var contexts: [String: [(exten: String, app: String)]] = [:]
        var globals: [String: String] = [:]

        init(_ text: String) {
            var context = ""
            var exten = ""
            for raw in text.split(separator: "\n") {
                let line =
                    raw.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init)
                    ?? ""
                let t = line.trimmingCharacters(in: .whitespaces)
                if t.isEmpty { continue }
                if t.hasPrefix("[") {
                    context = String(t.dropFirst().prefix { $0 != "]" })
                    contexts[context, default: []] = contexts[context] ?? []
                    continue
                }
                guard let arrow = t.range(of: "=>") else {
                    if context == "globals", let eq = t.firstIndex(of: "=") {
                        globals[t[..<eq].trimmingCharacters(in: .whitespaces)] = t[t.index(after: eq)...]
                            .trimmingCharacters(in: .whitespaces)
                    }
                    continue
                }
                let kind = t[..<arrow.lowerBound].trimmingCharacters(in: .whitespaces)
                let rest = t[arrow.upperBound...].trimmingCharacters(in: .whitespaces)
                // exten => NAME,PRIORITY,App(...)   same => PRIORITY,App(...)
                var parts = rest.split(
                    separator: ",", maxSplits: kind == "exten" ? 2 : 1, omittingEmptySubsequences: false
                ).map(String.init)
                if kind == "exten" { exten = parts.removeFirst() }
                contexts[context, default: []].append((exten, parts.last ?? ""))
            }
        }

        func extensions(_ context: String) -> [String] {
            var seen: [String] = []
            for (e, _) in contexts[context] ?? [] where !seen.contains(e) { seen.append(e) }
            return seen
        }

        func apps(_ context: String, _ exten: String) -> [String] {
            (contexts[context] ?? []).filter { $0.exten == exten }.map(\.app)
        }

        /// Whether running `context` (any extension) reaches `faxdrop-report` through Gosub.
        func reachesReport(_ context: String) -> Bool {
            (contexts[context] ?? []).contains { $0.app.contains("Gosub(faxdrop-report,") }
        }
    }

    func dialplan() throws -> Dialplan {
        Dialplan(
            try String(contentsOf: asteriskDir.appendingPathComponent("etc/asterisk/extensions.conf"), encoding: .utf8))
    }

    func testEveryPathRaisesExactlyOneFaxResult() throws {
        let d = try dialplan()
        for context in ["faxout", "faxsend", "faxdrop-report", "faxdrop-dial-ended", "faxdrop-fax-ended"] {
            XCTAssertNotNil(d.contexts[context], "missing [\(context)]")
        }
        // Every extension of the two contexts Originate runs arms a report before anything
        // that can end the call, or reports itself.
        let ending = ["Dial(", "SendFAX(", "Wait(", "Answer(", "Busy(", "Congestion(", "Hangup("]
        for context in ["faxout", "faxsend"] {
            XCTAssertFalse(d.extensions(context).isEmpty, context)
            for exten in d.extensions(context) {
                let apps = d.apps(context, exten)
                let firstEnding =
                    apps.firstIndex { app in ending.contains { app.hasPrefix($0) || app.contains("?\($0)") } }
                    ?? apps.count
                let armed = apps[..<firstEnding].contains { app in
                    if app.hasPrefix("Gosub(faxdrop-report,") { return true }
                    guard app.hasPrefix("Set(CHANNEL(hangup_handler_push)="),
                        let handler = app.split(separator: "=").last?.split(separator: ",").first.map(String.init)
                    else { return false }
                    return d.reachesReport(handler)
                }
                XCTAssertTrue(
                    armed,
                    "[\(context)] \(exten): no FaxResult guaranteed before \(apps.dropFirst(firstEnding).first ?? "the end")"
                )
            }
        }
        XCTAssertFalse(d.contexts["faxout"]!.contains { $0.app.hasPrefix("Answer(") }, ";2 must not answer by itself")

        // The report: lock, once per call (AstDB guard), copy, then one UserEvent with every field quoted.
        let report = d.apps("faxdrop-report", "s")
        let userEvents = report.filter { $0.hasPrefix("UserEvent(FaxResult,") }
        XCTAssertEqual(userEvents.count, 1)
        let db = try XCTUnwrap(report.firstIndex { $0.contains("Set(DB(FaxDrop/${FAXDROP_CALL})=") })
        let event = try XCTUnwrap(report.firstIndex { $0.hasPrefix("UserEvent(FaxResult,") })
        XCTAssertLessThan(db, event)
        XCTAssertTrue(report[0].contains("LOCK(faxdrop-${FAXDROP_CALL})"))
        XCTAssertTrue(report.contains { $0.contains("DB_EXISTS(FaxDrop/${FAXDROP_CALL})") })
        let arguments = userEvents[0].dropFirst("UserEvent(FaxResult,".count).dropLast()
        let quoted = arguments.split(separator: "\",\"").map {
            $0.trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        }
        XCTAssertTrue(arguments.hasPrefix("\"") && arguments.hasSuffix("\""))
        let keys = quoted.map { String($0.prefix { $0 != ":" }) }
        XCTAssertEqual(keys, AsteriskSimulator.faxResultFields, "the simulator must raise what the dialplan raises")
        for required in [
            "JobID", "Status", "Error", "StatusString", "Pages", "HangupCause", "DialStatus", "Mode", "BitRate",
            "RemoteStationID", "Stage",
        ] {
            XCTAssertTrue(keys.contains(required), required)
        }
    }

    /// Issue 9 item 9: every free-text value of the FaxResult event is percent-encoded in
    /// the dialplan (URIENCODE), the fields FaxDrop decodes.
    func testFreeTextInTheFaxResultIsEncoded() throws {
        let report = try dialplan().apps("faxdrop-report", "s")
        let event = try XCTUnwrap(report.first { $0.hasPrefix("UserEvent(FaxResult,") })
        var values: [String: String] = [:]
        for item in event.dropFirst("UserEvent(FaxResult,\"".count).dropLast(2).components(separatedBy: "\",\"") {
            let parts = item.components(separatedBy: ": ")
            values[parts[0]] = parts.dropFirst().joined(separator: ": ")
        }
        XCTAssertEqual(values["Error"], "${URIENCODE(${R_ERROR})}")
        XCTAssertEqual(values["StatusString"], "${URIENCODE(${R_TEXT})}")
        XCTAssertEqual(values["RemoteStationID"], "${URIENCODE(${REMOTESTATIONID})}")
        XCTAssertEqual(values["LocalStationID"], "${FAXDROP_STATION}", "arrives encoded from FaxDrop")
        for field in FaxResultEvent.encodedFields where values[field] != nil {
            let value = values[field]!
            XCTAssertTrue(value.hasPrefix("${URIENCODE(") || value == "${FAXDROP_STATION}", "\(field): \(value)")
        }
    }

    func testSendFaxWaitsOneSecondAndTheTrunkIsNamedOnce() throws {
        let d = try dialplan()
        let send = d.apps("faxsend", "s")
        let wait = try XCTUnwrap(send.firstIndex(of: "Wait(1)"))
        let sendFax = try XCTUnwrap(send.firstIndex { $0.hasPrefix("SendFAX(${FAXFILE}") })
        XCTAssertLessThan(wait, sendFax)
        XCTAssertEqual(d.globals["FAXDROP_DIAL_TECH"], "PJSIP")
        XCTAssertEqual(d.globals["FAXDROP_DIAL_TRUNK"], "trunk")
        let dials = d.contexts.values.flatMap { $0 }.filter { $0.app.hasPrefix("Dial(") }
        XCTAssertEqual(dials.count, 1)
        XCTAssertTrue(dials[0].app.hasPrefix("Dial(${FAXDROP_DIAL_TECH}/${EXTEN}@${FAXDROP_DIAL_TRUNK},"))
    }

    func envExample() throws -> [String: String] {
        try Configuration.parseEnvFile(
            try String(contentsOf: root.appendingPathComponent(".env.example"), encoding: .utf8))
    }

    func testEnvExampleHasEverySettingAndNoRealSecrets() throws {
        let env = try envExample()
        let spec = [
            "FAX_BACKEND", "ASTERISK_AMI_HOST", "ASTERISK_AMI_PORT", "ASTERISK_AMI_USERNAME", "ASTERISK_AMI_PASSWORD",
            "FAX_LOCAL_STATION_ID", "FAX_HEADER", "API_KEY", "SIP_USERNAME", "SIP_PASSWORD", "SIP_SERVER",
            "SIP_FROM_USER", "SIP_FROM_DOMAIN",
        ]
        for name in spec { XCTAssertNotNil(env[name], name) }
        for name in ["ASTERISK_AMI_PASSWORD", "SIP_PASSWORD", "API_KEY"] {
            XCTAssertTrue(env[name]?.contains("replace") == true, "\(name) must be a placeholder")
        }
        // And FaxDrop itself accepts the file.
        XCTAssertNoThrow(try Configuration(values: env))
    }

    func envsubst() throws -> String {
        for dir in ["/usr/bin", "/bin", "/usr/local/bin"]
        where FileManager.default.isExecutableFile(atPath: dir + "/envsubst") {
            return dir + "/envsubst"
        }
        throw XCTSkip("envsubst not found: install gettext-base")
    }

    func run(_ executable: String, _ arguments: [String], environment: [String: String], input: Data? = nil) throws -> (
        Int32, String
    ) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = environment
        let output = Pipe()
        let stdin = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = stdin
        try process.run()
        if let input { stdin.fileHandleForWriting.write(input) }
        try stdin.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// Every `${NAME}` a template uses is set in `.env.example`: rendering with only those
    /// names leaves nothing unrendered.
    func testTemplatesRenderFromEnvExample() throws {
        let envsubst = try envsubst()
        let env = try envExample()
        let templates = try FileManager.default.contentsOfDirectory(
            at: asteriskDir.appendingPathComponent("etc/asterisk/templates"), includingPropertiesForKeys: nil
        ).filter { $0.pathExtension == "template" }
        XCTAssertEqual(Set(templates.map(\.lastPathComponent)), ["pjsip.conf.template", "manager.conf.template"])
        let format = env.keys.sorted().map { "${\($0)}" }.joined(separator: " ")
        for template in templates {
            let (status, rendered) = try run(
                envsubst, [format], environment: env, input: try Data(contentsOf: template))
            XCTAssertEqual(status, 0)
            XCTAssertFalse(
                rendered.contains("${"),
                "\(template.lastPathComponent): \(rendered.components(separatedBy: "\n").filter { $0.contains("${") })")
            XCTAssertFalse(rendered.contains("$"), template.lastPathComponent)
        }
    }

    /// A group for the rendered files: a temporary one made with `groupadd` when running as
    /// root (CI), removed by the returned closure; otherwise this user's own group.
    func temporaryGroup() throws -> (name: String, gid: gid_t, remove: () -> Void) {
        if getuid() == 0, FileManager.default.isExecutableFile(atPath: "/usr/sbin/groupadd") {
            let name = "fdtest\(UInt32.random(in: 100_000...999_999))"
            let (status, output) = try run(
                "/usr/sbin/groupadd", [name], environment: ["PATH": "/usr/sbin:/usr/bin:/bin"])
            XCTAssertEqual(status, 0, output)
            guard let entry = getgrnam(name) else { throw XCTSkip("groupadd made no group \(name)") }
            let gid = entry.pointee.gr_gid
            return (name, gid, { _ = try? self.run("/usr/sbin/groupdel", [name], environment: [:]) })
        }
        let gid = getgid()
        guard let entry = getgrgid(gid) else { throw XCTSkip("this user's group has no name") }
        return (String(cString: entry.pointee.gr_name), gid, {})
    }

    /// A temporary configuration folder with the templates, and the environment of `.env.example`.
    /// Runs `body` with a render folder and its environment, `ASTERISK_GROUP` naming a
    /// temporary group; the folder and the group are removed afterwards.
    func withRenderFolder(
        _ body: (_ dir: String, _ env: [String: String], _ group: (name: String, gid: gid_t)) throws -> Void
    ) throws {
        _ = try envsubst()
        let group = try temporaryGroup()
        defer { group.remove() }
        var (dir, env) = try renderFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        env["ASTERISK_GROUP"] = group.name
        try body(dir, env, (group.name, group.gid))
    }

    func renderFolder() throws -> (dir: String, env: [String: String]) {
        let dir = NSTemporaryDirectory() + "faxdrop-asterisk-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            atPath: asteriskDir.appendingPathComponent("etc/asterisk/templates").path, toPath: dir + "/templates")
        var env = try envExample()
        env["PATH"] = "/usr/bin:/bin"
        env["ASTERISK_CONF_DIR"] = dir
        return (dir, env)
    }

    /// Issue 15: Asterisk reads its configuration after dropping to the `asterisk` user, so
    /// what start.sh renders must be readable by the `asterisk` group (ASTERISK_GROUP), and,
    /// holding the AMI and SIP secrets, by nobody else.
    func testRenderedFilesAreReadableByTheAsteriskGroupOnly() throws {
        try withRenderFolder { dir, env, group in
            let script = asteriskDir.appendingPathComponent("start.sh").path
            let (status, output) = try run("/bin/sh", [script, "--render-only"], environment: env)
            XCTAssertEqual(status, 0, output)
            for name in ["manager.conf", "pjsip.conf"] {
                var info = stat()
                XCTAssertEqual(stat(dir + "/" + name, &info), 0, name)
                XCTAssertEqual(info.st_gid, group.gid, "\(name) belongs to group \(group.name)")
                XCTAssertEqual(info.st_uid, getuid(), name)
                XCTAssertEqual(info.st_mode & 0o777, 0o640, "\(name): owner rw, group r, others nothing")
            }
            XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/manager.conf.tmp"))

            // A group that does not exist stops the container with a clear message.
            var env = env
            env["ASTERISK_GROUP"] = "fdnosuchgroup"
            let (failed, message) = try run("/bin/sh", [script, "--render-only"], environment: env)
            XCTAssertNotEqual(failed, 0)
            XCTAssertTrue(message.contains("group fdnosuchgroup does not exist"), message)
        }
    }

    /// `start.sh --render-only` with `.env.example` writes complete configuration files.
    func testStartScriptRendersTheConfiguration() throws {
        try withRenderFolder { dir, env, _ in
            var env = env
            let (status, output) = try run(
                "/bin/sh", [asteriskDir.appendingPathComponent("start.sh").path, "--render-only"], environment: env)
            XCTAssertEqual(status, 0, output)
            let manager = try String(contentsOfFile: dir + "/manager.conf", encoding: .utf8)
            let pjsip = try String(contentsOfFile: dir + "/pjsip.conf", encoding: .utf8)
            for text in [manager, pjsip] { XCTAssertFalse(text.contains("${")) }
            XCTAssertTrue(manager.contains("[\(env["ASTERISK_AMI_USERNAME"]!)]"))
            XCTAssertTrue(manager.contains("write = originate,call,system"))
            XCTAssertTrue(manager.contains("read = call,user,system"))
            XCTAssertTrue(manager.contains("port = 5038\n"), "the AMI port of .env.example")
            XCTAssertTrue(pjsip.contains("t38_udptl = yes"))
            XCTAssertTrue(pjsip.contains("t38_udptl_ec = redundancy"))
            XCTAssertTrue(pjsip.contains("t38_udptl_maxdatagram = 400"))
            XCTAssertTrue(pjsip.contains("server_uri = sip:\(env["SIP_SERVER"]!)\n"))
            // Unset optional values are left out, not set empty.
            XCTAssertTrue(pjsip.contains("; external_media_address = (not set)"))

            // The AMI port comes from the environment like the rest.
            env["ASTERISK_AMI_PORT"] = "15038"
            let (moved, movedOutput) = try run(
                "/bin/sh", [asteriskDir.appendingPathComponent("start.sh").path, "--render-only"], environment: env)
            XCTAssertEqual(moved, 0, movedOutput)
            XCTAssertTrue(try String(contentsOfFile: dir + "/manager.conf", encoding: .utf8).contains("port = 15038\n"))

            // A missing secret stops the container with a clear message.
            env["ASTERISK_AMI_PASSWORD"] = ""
            let (failed, message) = try run(
                "/bin/sh", [asteriskDir.appendingPathComponent("start.sh").path, "--render-only"], environment: env)
            XCTAssertNotEqual(failed, 0)
            XCTAssertTrue(message.contains("ASTERISK_AMI_PASSWORD must be set"), message)
        }
    }

    func testUdptlRange() throws {
        let udptl = try String(
            contentsOf: asteriskDir.appendingPathComponent("etc/asterisk/udptl.conf"), encoding: .utf8)
        XCTAssertTrue(udptl.contains("udptlstart = 4000"))
        XCTAssertTrue(udptl.contains("udptlend = 4999"))
    }
}
