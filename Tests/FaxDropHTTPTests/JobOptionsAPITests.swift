import FaxDropCore
import FaxDropDaemon
import FaxDropHTTP
import FaxDropSystem
import Foundation
import XCTest

/// `POST /fax` with the per-job options, over a real socket with real curl, through the
/// daemon with the real renderer and the loopback line.
final class JobOptionsAPITests: XCTestCase {
    /// Waits, reading the spool (no process per look), until the job's journal or sidecar
    /// says `state`; then asks `GET /fax/{id}` once, with curl, and returns its answer.
    private func poll(_ gateway: RunningGateway, _ id: String, until state: String) async throws -> [String: Any] {
        let spool = gateway.spool.spool
        let jobID = try XCTUnwrap(JobID(id))
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            let reached: Bool
            if state == "sent" {
                reached = spool.finalSidecar(jobID) != nil
            } else {
                reached = (try? JournalStore(spool: spool).read(jobID))?.state.rawValue == state
            }
            if reached {
                let answer = try curl([gateway.base + "/fax/\(id)", "-H", "X-API-Key: k"])
                XCTAssertEqual(answer.status, 200, answer.body)
                return try XCTUnwrap(answer.json)
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        XCTFail("job \(id) never reached \(state)")
        throw CancellationError()
    }

    /// Two numbers, a cover with its recipient, subject and note, high priority: one job per
    /// number tied by a batch id, answered together; both sent with the cover as page 1.
    func testBatchWithCoverAndPriority() async throws {
        let spool = try HTTPTestSpool()
        let gateway = try await RunningGateway.start(spool, settings: ["API_KEY": "k"])
        addTeardownBlock { await gateway.stop() }
        let posted = try curl([
            "-X", "POST", gateway.base + "/fax", "-H", "X-API-Key: k",
            "-F", "to=+15551234567", "-F", "to=+15557654321", "-F", "cover=true",
            "-F", "recipient_name=Dr. O'Brien (Clinic)", "-F", "subject=Results ) show (x", "-F", "note=First.",
            "-F", "note=Second \\ paragraph.", "-F", "priority=high", "-F", "file=@\(Fixtures.onePageLetter)",
        ])
        XCTAssertEqual(posted.status, 202, posted.body)
        let batch = try XCTUnwrap(posted.json?["batch_id"] as? String)
        let jobs = try XCTUnwrap(posted.json?["jobs"] as? [[String: String]])
        XCTAssertEqual(jobs.map { $0["to"] }, ["+15551234567", "+15557654321"])
        var sidecars: [[String: Any]] = []
        for job in jobs {
            let sidecar = try await poll(gateway, job["id"]!, until: "sent")
            XCTAssertEqual(sidecar["status"] as? String, "sent")
            sidecars.append(sidecar)
        }
        for sidecar in sidecars {
            XCTAssertEqual(sidecar["batch_id"] as? String, batch)
            XCTAssertEqual((sidecar["pages"] as? [String: Int])?["total"], 2, "the cover and the page")
            XCTAssertEqual((sidecar["recipient"] as? [String: String])?["name"], "Dr. O'Brien (Clinic)")
            let options = try XCTUnwrap(sidecar["options"] as? [String: Any])
            XCTAssertEqual(options["cover"] as? Bool, true)
            XCTAssertEqual(options["priority"] as? String, "high")
            XCTAssertEqual(options["subject"] as? String, "Results ) show (x")
            XCTAssertEqual(options["note"] as? [String], ["First.", "Second \\ paragraph."])
        }
        let paths = (try Syscall.listDirectory(spool.spool.done)).filter { $0.hasSuffix(".json") }.map {
            spool.spool.done + "/" + $0
        }
        let check = try runProgram("/usr/bin/python3", [Fixtures.packageRoot + "/scripts/validate-sidecar.py"] + paths)
        XCTAssertEqual(check.status, 0, check.error)
    }

    /// Repeated `file` parts are one job's documents, in order: one id, one sidecar whose
    /// `documents` lists both (the first is also `document`), pages of both in one fax.
    func testSeveralFilesAreOneFax() async throws {
        let spool = try HTTPTestSpool()
        let gateway = try await RunningGateway.start(spool, settings: ["API_KEY": "k"])
        addTeardownBlock { await gateway.stop() }
        let note = (spool.root as NSString).deletingLastPathComponent + "/note.txt"
        try Data("A second document of text.\n".utf8).write(to: URL(fileURLWithPath: note))
        let posted = try curl([
            "-X", "POST", gateway.base + "/fax", "-H", "X-API-Key: k", "-F", "to=+15551234567",
            "-F", "file=@\(Fixtures.onePageLetter);filename=a/../letter.pdf", "-F",
            "file=@\(note);filename=second.json",
        ])
        XCTAssertEqual(posted.status, 202, posted.body)
        let id = try XCTUnwrap(posted.json?["id"] as? String)
        let sidecar = try await poll(gateway, id, until: "sent")
        XCTAssertEqual(sidecar["status"] as? String, "sent")
        XCTAssertEqual((sidecar["pages"] as? [String: Int])?["total"], 2, "the letter's page and the note's")
        let documents = try XCTUnwrap(sidecar["documents"] as? [[String: Any]])
        XCTAssertEqual(documents.map { $0["original_name"] as? String }, ["letter.pdf", "second.json"])
        XCTAssertEqual(documents.map { $0["stored_as"] as? String }, ["\(id).pdf", "\(id)-2.txt"])
        XCTAssertEqual((sidecar["document"] as? [String: Any])?["stored_as"] as? String, "\(id).pdf")
        let kept = try AtomicFile.read(spool.spool.done + "/\(id)-2.txt")
        XCTAssertEqual(kept, Array("A second document of text.\n".utf8))
        XCTAssertEqual(documents[1]["sha256"] as? String, SHA256.hex(kept))
        let check = try runProgram(
            "/usr/bin/python3",
            [Fixtures.packageRoot + "/scripts/validate-sidecar.py", spool.spool.done + "/\(id).json"])
        XCTAssertEqual(check.status, 0, check.error)
    }

    /// A bad second file refuses the whole request, naming the file part; nothing is queued
    /// and no staged upload is left in `tmp/`.
    func testABadSecondFileRefusesTheRequest() async throws {
        let spool = try HTTPTestSpool()
        let gateway = try await RunningGateway.start(spool, settings: ["API_KEY": "k"])
        addTeardownBlock { await gateway.stop() }
        let folder = (spool.root as NSString).deletingLastPathComponent
        try Data().write(to: URL(fileURLWithPath: folder + "/empty.pdf"))
        try Data([0x00, 0xFF, 0xFE, 0x01]).write(to: URL(fileURLWithPath: folder + "/junk.bin"))
        for (second, status, code) in [("empty.pdf", 400, "empty_file"), ("junk.bin", 415, "unsupported_format")] {
            let answer = try curl([
                "-X", "POST", gateway.base + "/fax", "-H", "X-API-Key: k", "-F", "to=+15551234567",
                "-F", "file=@\(Fixtures.onePageLetter)", "-F", "file=@\(folder)/\(second)",
            ])
            XCTAssertEqual(answer.status, status, answer.body)
            XCTAssertEqual(answer.errorCode, code)
            let message = ((answer.json?["error"] as? [String: Any])?["message"] as? String) ?? ""
            XCTAssertTrue(message.hasPrefix("file 2: "), message)
        }
        XCTAssertEqual(try Syscall.listDirectory(spool.spool.active), [])
        let deadline = Date().addingTimeInterval(10)
        var leftovers = ["?"]
        while !leftovers.isEmpty && Date() < deadline {
            leftovers = try Syscall.listDirectory(spool.spool.tmp).filter { $0.hasPrefix(StagedUpload.prefix) }
            if !leftovers.isEmpty { try await Task.sleep(for: .milliseconds(50)) }
        }
        XCTAssertEqual(leftovers, [], "refused uploads are removed")
    }

    /// `send_at` in the future: the job is rendered and waits; GET shows it waiting with its
    /// send_at, and no call is made before it.
    func testSendAtWaits() async throws {
        let spool = try HTTPTestSpool()
        let gateway = try await RunningGateway.start(spool, settings: ["API_KEY": "k"])
        addTeardownBlock { await gateway.stop() }
        let posted = try curl([
            "-X", "POST", gateway.base + "/fax", "-H", "X-API-Key: k", "-F", "to=+15551234567",
            "-F", "send_at=2099-01-01T08:00:00+01:00", "-F", "file=@\(Fixtures.onePageLetter)",
        ])
        XCTAssertEqual(posted.status, 202, posted.body)
        let id = try XCTUnwrap(posted.json?["id"] as? String)
        let waiting = try await poll(gateway, id, until: "waiting")
        XCTAssertEqual(waiting["status"] as? String, "waiting")
        XCTAssertEqual(waiting["send_at"] as? String, "2099-01-01T07:00:00.000Z")
        XCTAssertEqual(waiting["attempts"] as? Int, 0)
    }

    /// Hostile or bad option fields are refused with `invalid_options` naming the field,
    /// and nothing is queued.
    func testBadOptionFieldsAreRefused() async throws {
        let spool = try HTTPTestSpool()
        let gateway = try await RunningGateway.start(spool, settings: ["API_KEY": "k"])
        addTeardownBlock { await gateway.stop() }
        let cases: [(String, String)] = [
            ("recipient_name=Smith\u{1B}[2J", "recipient_name: the label holds a control"),
            ("recipient_name=" + String(repeating: "x", count: 81), "recipient_name: the label is longer than 80"),
            ("subject=line\u{2028}break", "subject holds a control"),
            ("note=bidi\u{202E}txt", "note holds a control"),
            ("priority=urgent", "priority: high, normal or low"),
            ("send_at=tomorrow", "send_at: an RFC 3339 time"),
            ("cover=maybe", "cover: true or false"),
        ]
        for (field, message) in cases {
            let answer = try curl([
                "-X", "POST", gateway.base + "/fax", "-H", "X-API-Key: k", "-F", "to=+15551234567",
                "-F", field, "-F", "file=@\(Fixtures.onePageLetter)",
            ])
            XCTAssertEqual(answer.status, 400, field.debugDescription)
            XCTAssertEqual(answer.errorCode, "invalid_options", field.debugDescription)
            let got = ((answer.json?["error"] as? [String: Any])?["message"] as? String) ?? ""
            XCTAssertTrue(got.hasPrefix(message), "\(got) for \(field.debugDescription)")
            XCTAssertFalse(got.contains("\u{1B}"))
        }
        XCTAssertEqual(try Syscall.listDirectory(spool.spool.active), [])
        XCTAssertEqual(try Syscall.listDirectory(spool.spool.outgoing), [])
    }
}
