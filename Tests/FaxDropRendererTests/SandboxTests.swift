import FaxDropCore
import FaxDropRenderClient
import FaxDropSystem
import Foundation
import XCTest

/// Issue 9: a document rendered by the pool can touch nothing outside its own job, even with
/// the spool under `/tmp` (Ghostscript's SAFER mode lets a program list, read, write, rename
/// and delete anything under its temp directory, `/tmp` by default).
///
/// Each hostile program reports its own success: when the forbidden operation works it shows
/// a page (the job would be "sent"); when it is refused Ghostscript raises
/// `/invalidfileaccess`, or the program raises it itself when a listing comes back empty.
final class SandboxTests: XCTestCase {
    /// A spool under /tmp with one other, finished job holding a canary, and the hostile job.
    struct SpoolUnderTmp {
        let root: String
        let spool: String
        let jobDirectory: String
        let otherSidecar: String
        let escape: String
        let canary = "CANARY-\(UUID().uuidString)"

        init(_ test: XCTestCase) throws {
            root = "/tmp/faxdrop-sandbox-\(UUID().uuidString)"
            spool = root + "/spool"
            jobDirectory = spool + "/active/01KB2Y9M4Q3V8J6T0ZP1C5R7WX"
            otherSidecar = spool + "/done/01KB2Y0000000000000000OTHR.json"
            escape = "/tmp/faxdrop-escape-\(UUID().uuidString)"
            let fm = FileManager.default
            for folder in ["outgoing/+15551234567", "active/01KB2Y9M4Q3V8J6T0ZP1C5R7WX", "done", "failed", "tmp"] {
                try fm.createDirectory(atPath: spool + "/" + folder, withIntermediateDirectories: true)
            }
            try writeFile(
                otherSidecar, Data("{\"job_id\": \"01KB2Y0000000000000000OTHR\", \"note\": \"\(canary)\"}\n".utf8))
            try fm.copyItem(
                atPath: RenderTestSupport.corpusFile("pdf/23-onepage-letter.pdf"),
                toPath: spool + "/done/01KB2Y0000000000000000OTHR.pdf")
            try writeFile(spool + "/outgoing/+15551234567/waiting.pdf", Data("%PDF-1.4 waiting\n".utf8))
            let root = root
            let escape = escape
            test.addTeardownBlock {
                try? fm.removeItem(atPath: root)
                try? fm.removeItem(atPath: escape)
            }
        }

        /// Every file and folder of the spool: path → kind, size, content digest, mtime.
        func snapshot() throws -> [String: String] {
            var result: [String: String] = [:]
            let enumerator = FileManager.default.enumerator(atPath: spool)
            while let relative = enumerator?.nextObject() as? String {
                let path = spool + "/" + relative
                let status = try Syscall.lstat(path)
                let digest = status.kind == .regular ? SHA256.hex(try AtomicFile.read(path)) : "-"
                result[relative] = "\(status.kind) \(status.size) \(digest) \(status.modifiedNanoseconds)"
            }
            return result
        }
    }

    /// The hostile programs, by what they try. `root` is the spool, `other` the other job's sidecar.
    static func hostilePrograms(_ s: SpoolUnderTmp) -> [(name: String, program: String)] {
        let root = s.spool
        let other = s.otherSidecar
        let refused = "/escape errordict /invalidfileaccess get exec"
        let text = "/Courier findfont 12 scalefont setfont 72 72 moveto"
        return [
            (
                "list the other jobs' sidecars",
                "/n 0 def (\(root)/done/*) { pop /n n 1 add def } 1024 string filenameforall n 0 eq { \(refused) } if showpage"
            ),
            (
                "read another job's sidecar",
                "(\(other)) (r) file 4096 string readstring pop (\(s.canary)) search { pop pop pop showpage } { pop \(refused) } ifelse"
            ),
            (
                "write a new document into a destination folder",
                "(\(root)/outgoing/+15551234567/leak.ps) (w) file dup (%!PS\\n) writestring closefile showpage"
            ),
            (
                "rewrite another job's sidecar",
                "(\(other)) (w) file dup ({}) writestring closefile showpage"
            ),
            ("rename another job's sidecar", "(\(other)) (\(other).moved) renamefile showpage"),
            ("delete another job's sidecar", "(\(other)) deletefile showpage"),
            ("write into the shared temp directory", "(\(s.escape)) (w) file dup (x) writestring closefile showpage"),
            ("run a shell through %pipe%", "(%pipe%touch \(root)/outgoing/piped) (w) file closefile showpage"),
            (
                "txtwrite into a destination folder",
                "<< /OutputDevice /txtwrite /OutputFile (\(root)/outgoing/+15551234567/leak.txt) >> setpagedevice \(text) (LEAK) show showpage"
            ),
            (
                "pdfwrite into a destination folder",
                "<< /OutputDevice /pdfwrite /OutputFile (\(root)/outgoing/+15551234567/leak.pdf) >> setpagedevice \(text) (LEAK) show showpage"
            ),
            (
                "copy another job's sidecar into its own temp directory",
                "(\(other)) (r) file 4096 string readstring pop null (w) .tempfile exch pop dup 3 -1 roll writestring closefile showpage"
            ),
        ]
    }

    func testHostilePostScriptWithTheSpoolUnderTmpTouchesNothingOutsideItsJob() async throws {
        try RenderTestSupport.checkExecutable()
        let pool = RenderTestSupport.makePool(workers: 1, timeout: .seconds(60))
        for index in Self.hostilePrograms(try SpoolUnderTmp(self)).indices {
            let s = try SpoolUnderTmp(self)
            let (name, program) = Self.hostilePrograms(s)[index]
            let input = s.jobDirectory + "/document.ps"
            try writeFile(input, Data("%!PS-Adobe-3.0\n\(program)\n".utf8))
            let before = try s.snapshot()
            let output = s.jobDirectory + "/fax.tif"
            let reply = await pool.render(
                RenderRequest(id: "hostile", input: input, output: output), logger: RenderTestSupport.logger)
            XCTAssertEqual(reply.error?.code, .conversionFailed, "\(name): \(String(describing: reply.error))")
            XCTAssertFalse(FileManager.default.fileExists(atPath: output), "\(name): a fax image was made")
            XCTAssertFalse(FileManager.default.fileExists(atPath: s.escape), "\(name): wrote \(s.escape)")
            XCTAssertEqual(try s.snapshot(), before, "\(name): the spool changed")
        }
        await pool.shutdown()
    }

    private func environment(of pid: Int32) -> [String: String] {
        let bytes = FileManager.default.contents(atPath: "/proc/\(pid)/environ") ?? Data()
        var result: [String: String] = [:]
        for entry in bytes.split(separator: 0) {
            let text = String(decoding: entry, as: UTF8.self)
            guard let equals = text.firstIndex(of: "=") else { continue }
            result[String(text[..<equals])] = String(text[text.index(after: equals)...])
        }
        return result
    }

    func testWorkersGetNoSecretsFromTheDaemonsEnvironment() async throws {
        try RenderTestSupport.checkExecutable()
        let secrets = [
            "ASTERISK_AMI_PASSWORD", "API_KEY", "FAXDROP_WEBHOOK_SECRET", "SIP_PASSWORD", "SOME_OTHER_TOKEN",
        ].map { ($0, "secret-\(UUID().uuidString)") }
        for (name, value) in secrets { setenv(name, value, 1) }
        setenv("FAXDROP_RENDER_MEMORY_MB", "1536", 1)
        defer {
            for (name, _) in secrets { unsetenv(name) }
            unsetenv("FAXDROP_RENDER_MEMORY_MB")
        }
        let dir = try RenderTestSupport.scratch(self)
        let pool = RenderTestSupport.makePool(workers: 1)
        let reply = await pool.render(
            RenderRequest(
                id: "env", input: RenderTestSupport.corpusFile("pdf/23-onepage-letter.pdf"), output: "\(dir)/e.tif"),
            logger: RenderTestSupport.logger)
        XCTAssertNil(reply.error)
        let workers = ProcessTable.workerChildren()
        XCTAssertEqual(workers.count, 1)
        for pid in workers {
            let raw = String(
                decoding: FileManager.default.contents(atPath: "/proc/\(pid)/environ") ?? Data(), as: UTF8.self)
            XCTAssertFalse(raw.isEmpty, "cannot read /proc/\(pid)/environ")
            for (name, value) in secrets {
                XCTAssertFalse(raw.contains(value), "\(name) reached the worker")
            }
            let environment = environment(of: pid)
            // What the worker needs still arrives.
            XCTAssertEqual(environment["FAXDROP_RENDER_MEMORY_MB"], "1536")
            XCTAssertEqual(environment["PATH"], ProcessInfo.processInfo.environment["PATH"])
        }
        await pool.shutdown()
    }

    func testEachJobHasAFreshPrivateTempDirectoryRemovedAfterIt() async throws {
        try RenderTestSupport.checkExecutable()
        let dir = try RenderTestSupport.scratch(self)
        // Leaves a Ghostscript temp file in its TMPDIR, then never ends.
        let program = "%!PS\nnull (w) .tempfile exch pop dup (scratch) writestring flushfile {} loop\n"
        try writeFile("\(dir)/hang.ps", Data(program.utf8))
        let pool = RenderTestSupport.makePool(workers: 1, timeout: .seconds(30))
        let first = await pool.render(
            RenderRequest(
                id: "1", input: RenderTestSupport.corpusFile("pdf/23-onepage-letter.pdf"), output: "\(dir)/1.tif"),
            logger: RenderTestSupport.logger)
        XCTAssertNil(first.error)
        let worker = try XCTUnwrap(ProcessTable.workerChildren().first)
        let scratch = try XCTUnwrap(
            environment(of: worker)["FAXDROP_RENDER_SCRATCH"], "the worker has no private scratch")
        XCTAssertEqual(environment(of: worker)["TMPDIR"], scratch)
        let status = try Syscall.lstat(scratch)
        XCTAssertEqual(status.kind, .directory)
        XCTAssertEqual(status.mode & 0o777, 0o700)
        XCTAssertEqual(try Syscall.listDirectory(scratch), [], "the finished job left its temp directory")

        async let hung = pool.render(
            RenderRequest(id: "hang", input: "\(dir)/hang.ps", output: "\(dir)/hang.tif"),
            logger: RenderTestSupport.logger)
        // While it runs: one job directory, mode 0700, holding Ghostscript's temp file (gs_*).
        let deadline = ContinuousClock.now + .seconds(20)
        var ghostscriptFiles: [String] = []
        var jobDirectory = ""
        while ghostscriptFiles.isEmpty, ContinuousClock.now < deadline {
            let jobs = (try? Syscall.listDirectory(scratch)) ?? []
            if jobs.count == 1 {
                jobDirectory = scratch + "/" + jobs[0]
                ghostscriptFiles = ((try? Syscall.listDirectory(jobDirectory)) ?? []).filter { $0.hasPrefix("gs_") }
            }
            if ghostscriptFiles.isEmpty { try await Task.sleep(for: .milliseconds(20)) }
        }
        XCTAssertEqual(ghostscriptFiles.count, 1, "Ghostscript's temp file is not in the job's directory")
        XCTAssertEqual(try Syscall.lstat(jobDirectory).mode & 0o777, 0o700)
        // Stop the job: the worker is killed, and its whole scratch goes with it.
        await pool.shutdown()
        _ = await hung
        XCTAssertNil(try Syscall.lstatIfExists(scratch), "the killed worker's scratch was left behind")
    }

    /// The confined child is given the input's path as the daemon gave it, so a symlink is
    /// still refused (its target is what the Landlock rule names).
    func testASymlinkedInputIsStillRefused() async throws {
        try RenderTestSupport.checkExecutable()
        let dir = try RenderTestSupport.scratch(self)
        try FileManager.default.createSymbolicLink(
            atPath: "\(dir)/link.pdf", withDestinationPath: RenderTestSupport.corpusFile("pdf/23-onepage-letter.pdf"))
        let pool = RenderTestSupport.makePool(workers: 1)
        let reply = await pool.render(
            RenderRequest(id: "link", input: "\(dir)/link.pdf", output: "\(dir)/link.tif"),
            logger: RenderTestSupport.logger)
        XCTAssertEqual(reply.error?.code, .notARegularFile)
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(dir)/link.tif"))
        await pool.shutdown()
    }

    func testRendererReportsItsSandbox() throws {
        try RenderTestSupport.checkExecutable()
        func status(_ environment: [String: String]) throws -> String {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: RenderTestSupport.executable)
            process.arguments = ["--sandbox-status"]
            process.environment = environment
            let pipe = Pipe()
            process.standardOutput = pipe
            try process.run()
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        switch Landlock.availability() {
        case .available(let abi): XCTAssertEqual(try status([:]), "landlock ABI \(abi), active")
        case .unavailable(let reason): XCTAssertEqual(try status([:]), "inactive: \(reason)")
        }
        XCTAssertEqual(try status(["FAXDROP_RENDER_SANDBOX": "off"]), "inactive: FAXDROP_RENDER_SANDBOX=off")
    }
}
