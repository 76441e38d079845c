import FaxDropConsole
import FaxDropCore
import FaxDropDaemon
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import XCTest

/// Outbox, history, job page, downloads, send and retry against a real spool.
final class JobPagesTests: XCTestCase {
    func testTheOutboxFeedShowsLiveStatesInWords() async throws {
        let harness = try ConsoleHarness()
        let sending = ConsoleHarness.newID()
        let waiting = ConsoleHarness.newID(1)
        try harness.writeActive(sending, state: .sending) {
            $0.pagesTotal = 5
            $0.pagesSent = 2
        }
        try harness.writeActive(waiting, state: .waiting, destination: "+15550186") {
            $0.notBefore = Date().addingTimeInterval(600)
            $0.lastError = FaxErrorRecord(FaxError(.busy, "busy"))
        }
        try await harness.runSignedIn { client, browser in
            let response = try await client.execute(uri: "/outbox.json", method: .get, headers: browser.cookieHeader)
            XCTAssertEqual(response.status, .ok)
            struct Feed: Decodable { var jobs: [[String: String]] }
            let feed = try JSONDecoder().decode(Feed.self, from: Data(buffer: response.body))
            let byID = Dictionary(uniqueKeysWithValues: feed.jobs.map { ($0["id"]!, $0) })
            XCTAssertEqual(byID[sending.value]?["word"], "In call")
            XCTAssertEqual(byID[sending.value]?["detail"], "page 3 of 5")
            XCTAssertEqual(byID[waiting.value]?["word"], "Waiting to retry")
            XCTAssertTrue(byID[waiting.value]?["detail"]?.hasPrefix("next try at ") == true)
            XCTAssertTrue(byID[waiting.value]?["detail"]?.contains("busy") == true)
            XCTAssertFalse(byID[waiting.value]?["icon"]?.isEmpty ?? true)
            // Newest first.
            XCTAssertEqual(feed.jobs.map { $0["id"]! }, [waiting.value, sending.value].sorted(by: >))
        }
    }

    func testHistorySearchesAndExplainsErrors() async throws {
        let harness = try ConsoleHarness()
        let base = Date(timeIntervalSince1970: 1_790_000_000)
        let sent = ConsoleHarness.newID()
        let busy = ConsoleHarness.newID(1)
        let other = ConsoleHarness.newID(2)
        try harness.writeEnded(sent, status: .sent, destination: "+15550100", name: "referral.pdf", queuedAt: base)
        try harness.writeEnded(
            busy, status: .failed, destination: "+15550486", name: "labs.pdf", code: .busy,
            queuedAt: base.addingTimeInterval(86_400))
        try harness.writeEnded(
            other, status: .failed, destination: "+442071234567", name: "x.tif", code: .unallocatedNumber,
            queuedAt: base.addingTimeInterval(2 * 86_400))
        try await harness.runSignedIn { client, browser in
            func page(_ query: String) async throws -> String {
                let response = try await client.execute(
                    uri: "/history" + query, method: .get, headers: browser.cookieHeader)
                XCTAssertEqual(response.status, .ok, query)
                return String(buffer: response.body)
            }
            let all = try await page("")
            XCTAssertTrue(all.contains("3 jobs"))
            // Newest first.
            let order = [other, busy, sent].map { all.range(of: $0.value)!.lowerBound }
            XCTAssertEqual(order, order.sorted())
            let byNumber = try await page("?number=0486")
            XCTAssertTrue(
                byNumber.contains(busy.value) && !byNumber.contains(sent.value) && !byNumber.contains(other.value))
            let byName = try await page("?q=REFERRAL")
            XCTAssertTrue(byName.contains(sent.value) && !byName.contains(busy.value))
            let failedOnly = try await page("?status=failed")
            XCTAssertTrue(
                failedOnly.contains(busy.value) && failedOnly.contains(other.value) && !failedOnly.contains(sent.value))
            XCTAssertTrue(failedOnly.contains(ErrorExplanation(.busy).words))
            XCTAssertTrue(failedOnly.contains(ErrorExplanation(.busy).whatToDo))
            let byCode = try await page("?code=unallocated_number")
            XCTAssertTrue(byCode.contains(other.value) && !byCode.contains(busy.value))
            let byDate = try await page("?from=2026-09-22&to=2026-09-22")
            XCTAssertTrue(
                byDate.contains(busy.value) && !byDate.contains(sent.value) && !byDate.contains(other.value), byDate)
            // Escaped, never raw.
            let hostile = try await page("?q=%3Cscript%3Ealert(1)%3C/script%3E")
            XCTAssertFalse(hostile.contains("<script>alert"))
        }
    }

    func testHistoryPaginates() async throws {
        let harness = try ConsoleHarness()
        for i in 0..<55 {
            try harness.writeEnded(
                ConsoleHarness.newID(UInt64(i)), status: .sent, destination: "+15550100", name: "p\(i).pdf",
                queuedAt: Date(timeIntervalSince1970: 1_790_000_000 + Double(i)))
        }
        try await harness.runSignedIn { client, browser in
            let first = String(
                buffer: try await client.execute(uri: "/history", method: .get, headers: browser.cookieHeader).body)
            XCTAssertTrue(first.contains("55 jobs, page 1 of 2"))
            XCTAssertTrue(first.contains(">p54.pdf<") && !first.contains(">p4.pdf<"))
            XCTAssertTrue(first.contains("rel=\"next\""))
            let second = String(
                buffer: try await client.execute(uri: "/history?page=2", method: .get, headers: browser.cookieHeader)
                    .body)
            XCTAssertTrue(second.contains(">p4.pdf<") && second.contains(">p0.pdf<") && !second.contains(">p5.pdf<"))
        }
    }

    func testAJobPageShowsFactsAndAttemptsAndIsAudited() async throws {
        let harness = try ConsoleHarness()
        let failed = ConsoleHarness.newID()
        try harness.writeEnded(failed, status: .failed, destination: "+15550486", name: "labs.pdf", code: .busy)
        try await harness.runSignedIn { client, browser in
            let response = try await client.execute(
                uri: "/jobs/\(failed.value)", method: .get, headers: browser.cookieHeader)
            XCTAssertEqual(response.status, .ok)
            let html = String(buffer: response.body)
            for text in [
                "+15550486", "labs.pdf", "Attempt 1", "busy", ErrorExplanation(.busy).whatToDo, ">Retry<", "Failed",
                "✖",
            ] {
                XCTAssertTrue(html.contains(text), text)
            }
            let download = try await client.execute(
                uri: "/jobs/\(failed.value)/documents/1", method: .get, headers: browser.cookieHeader)
            XCTAssertEqual(download.status, .ok)
            XCTAssertEqual(String(buffer: download.body), "%PDF-1.4 kept labs.pdf")
            XCTAssertTrue(download.headers[.contentDisposition]?.contains("attachment; filename=\"labs.pdf\"") == true)
            for missing in [
                "/jobs/\(failed.value)/documents/2", "/jobs/..%2F..%2Fetc/documents/1",
                "/jobs/01JABCDEFGHJKMNPQRSTVWXYZ0",
            ] {
                do {
                    let answer = try await client.execute(uri: missing, method: .get, headers: browser.cookieHeader)
                    XCTAssertEqual(answer.status, .notFound, missing)
                }
            }
        }
        let lines = try harness.auditLines()
        XCTAssertEqual(lines.map(\.action), [.signIn, .viewJob, .downloadDocument])
        XCTAssertEqual(lines.dropFirst().map(\.jobID), [failed.value, failed.value])
        XCTAssertTrue(lines.allSatisfy { $0.key == "api-key" && $0.remote == "127.0.0.1" })
    }

    func testRetryFilesTheSameRequestAsTheCLI() async throws {
        let harness = try ConsoleHarness()
        let failed = ConsoleHarness.newID()
        let sent = ConsoleHarness.newID(1)
        try harness.writeEnded(failed, status: .failed, destination: "+15550486", name: "labs.pdf", code: .busy)
        try harness.writeEnded(sent, status: .sent, destination: "+15550100", name: "ok.pdf")
        try await harness.runSignedIn { client, browser in
            let (headers, body) = browser.form(["csrf": browser.csrf])
            let refused = try await client.execute(
                uri: "/jobs/\(sent.value)/retry", method: .post, headers: headers, body: body)
            XCTAssertEqual(refused.status, .conflict)
            let response = try await client.execute(
                uri: "/jobs/\(failed.value)/retry", method: .post, headers: headers, body: body)
            XCTAssertEqual(response.status, .seeOther)
            let requests = harness.requests()
            XCTAssertEqual(requests.count, 1)
            let name = try XCTUnwrap(requests.first)
            XCTAssertTrue(name.hasPrefix("retry-\(failed.value)-"))
            let new = String(name.dropFirst("retry-\(failed.value)-".count).dropLast(".request".count))
            XCTAssertNotNil(JobID(new))
            XCTAssertEqual(response.headers[.location], "/outbox?retried=\(new)")
        }
        XCTAssertEqual(try harness.auditLines().map(\.action), [.signIn, .retry])
    }

    func testSendQueuesThroughTheSubmitPath() async throws {
        let harness = try ConsoleHarness()
        let document = Array("%PDF-1.4\n% a letter\n".utf8)
        try await harness.runSignedIn { client, browser in
            var headers = browser.cookieHeader
            headers[.contentType] = "multipart/form-data; boundary=b0und"
            let body = Multipart.body(
                boundary: "b0und", fields: [("csrf", browser.csrf), ("to", "+15550100")],
                files: [("letter.pdf", document), ("second.txt", Array("page two".utf8))])
            let response = try await client.execute(uri: "/send", method: .post, headers: headers, body: body)
            XCTAssertEqual(response.status, .seeOther, String(buffer: response.body))
            let location = try XCTUnwrap(response.headers[.location])
            let id = try XCTUnwrap(JobID(String(location.dropFirst("/jobs/".count))))
            let record = try JournalStore(spool: harness.spool).read(id)
            XCTAssertEqual(record.state, .claiming)
            XCTAssertEqual(record.destination, "+15550100")
            XCTAssertEqual(record.originalName, "letter.pdf")
            XCTAssertEqual(record.moreDocuments?.map(\.originalName), ["second.txt"])
            XCTAssertEqual(try Array(Data(contentsOf: URL(fileURLWithPath: harness.spool.document(id)))), document)
            XCTAssertEqual(harness.requests(), ["admit-\(id.value).request"])
            XCTAssertEqual(try harness.auditLines().last?.jobID, id.value)
            XCTAssertEqual(try harness.auditLines().last?.action, .send)
            // The job's page answers at once.
            do {
                let answer = try await client.execute(uri: location, method: .get, headers: browser.cookieHeader)
                XCTAssertEqual(answer.status, .ok)
            }
        }
        // No staged upload is left behind.
        XCTAssertEqual(
            try FileManager.default.contentsOfDirectory(atPath: harness.spool.tmp).filter { $0.hasPrefix(".upload-") },
            [])
    }

    func testAnUploadWithoutTheTokenFirstIsRefusedBeforeStoring() async throws {
        let harness = try ConsoleHarness()
        try await harness.runSignedIn { client, browser in
            var headers = browser.cookieHeader
            headers[.contentType] = "multipart/form-data; boundary=b0und"
            for fields in [
                [("to", "+15550100"), ("csrf", browser.csrf)], [("csrf", String(repeating: "1", count: 64))],
            ] {
                let body = Multipart.body(
                    boundary: "b0und", fields: fields, files: [("a.pdf", Array(repeating: 0x25, count: 100_000))])
                let response = try await client.execute(uri: "/send", method: .post, headers: headers, body: body)
                XCTAssertEqual(response.status, .forbidden)
            }
            let body = Multipart.body(
                boundary: "b0und", fields: [("csrf", browser.csrf), ("to", "12")], files: [("a.pdf", [0x25])])
            do {
                let answer = try await client.execute(uri: "/send", method: .post, headers: headers, body: body)
                XCTAssertEqual(answer.status, .badRequest)
            }
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: harness.spool.active), [])
        XCTAssertEqual(
            try FileManager.default.contentsOfDirectory(atPath: harness.spool.tmp).filter { $0.hasPrefix(".upload-") },
            [])
        XCTAssertEqual(try harness.auditLines().map(\.action), [.signIn])
    }

    func testEveryErrorCodeIsExplained() async throws {
        XCTAssertEqual(ErrorExplanation.all.count, ErrorCode.allCases.count)
        XCTAssertTrue(
            ErrorExplanation.all.allSatisfy { !$0.words.isEmpty && !$0.whatToDo.isEmpty && $0.words != $0.whatToDo })
        let harness = try ConsoleHarness()
        try await harness.runSignedIn { client, browser in
            let html = String(
                buffer: try await client.execute(uri: "/errors", method: .get, headers: browser.cookieHeader).body)
            for code in ErrorCode.allCases {
                XCTAssertTrue(html.contains("<code>\(code.rawValue)</code>"), code.rawValue)
            }
        }
    }

    func testTheInboxSaysWhenReceivingIsNotSetUp() async throws {
        let harness = try ConsoleHarness()
        try await harness.runSignedIn { client, browser in
            let html = String(
                buffer: try await client.execute(uri: "/inbox", method: .get, headers: browser.cookieHeader).body)
            XCTAssertTrue(html.contains("Receiving is not set up"))
        }
    }
}
