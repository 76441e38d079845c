import FaxDropCore
import FaxDropScheduler
import Foundation
import XCTest

/// `FAXDROP_ALLOW_PREFIXES` / `FAXDROP_DENY_PREFIXES`: a blocked number fails
/// `destination_blocked` and is never rendered or dialled.
final class PrefixGuardTests: XCTestCase {
    private func outcome(_ number: String, allow: [String] = [], deny: [String] = []) -> [SchedulerAction] {
        var h = Harness(SchedulerPolicy(allowPrefixes: allow, denyPrefixes: deny))
        return h.queue(1, to: number)
    }

    private func assertBlocked(
        _ number: String, allow: [String] = [], deny: [String] = [], file: StaticString = #filePath, line: UInt = #line
    ) {
        var h = Harness(SchedulerPolicy(allowPrefixes: allow, denyPrefixes: deny))
        let actions = h.queue(1, to: number)
        XCTAssertEqual(actions, [.persist(jid(1)), .finish(jid(1))], file: file, line: line)
        XCTAssertEqual(h.job(1)?.lastError?.code, .destinationBlocked, file: file, line: line)
        XCTAssertEqual(h.job(1)?.state, .failed, file: file, line: line)
    }

    private func assertAllowed(
        _ number: String, allow: [String] = [], deny: [String] = [], file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertEqual(outcome(number, allow: allow, deny: deny).calls, [call(1)], file: file, line: line)
    }

    func testDeniedPrefixIsNeverDialled() {
        assertBlocked("+19005550100", deny: ["+1900"])
        assertAllowed("+12125550100", deny: ["+1900"])
        assertBlocked("+449012345678", deny: Configuration.defaultDenyPrefixes)
    }

    func testAllowListIsTheOnlyWayIn() {
        assertAllowed("+442071234567", allow: ["+44"])
        assertBlocked("+33142345678", allow: ["+44"])
    }

    func testLongestMatchingPrefixWins() {
        assertAllowed("+448712345678", allow: ["+4487"], deny: ["+44"])
        assertBlocked("+448712345678", allow: ["+44"], deny: ["+4487"])
        assertBlocked("+448712345678", allow: ["+4487"], deny: ["+4487"])
        assertAllowed("+442071234567", allow: ["+44"], deny: ["+4487"])
    }

    func testInvalidDestinationFailsWithoutDialling() {
        for bad in ["5550100", "+0123456789", "+1234", "+1234567890123456", "+1555abc0100"] {
            var h = Harness()
            XCTAssertEqual(h.queue(1, to: bad), [.persist(jid(1)), .finish(jid(1))], bad)
            XCTAssertEqual(h.job(1)?.lastError?.code, .invalidDestination, bad)
        }
    }

    /// A job journaled before the deny list grew is not dialled after a restart.
    func testRecoveredJobToANowDeniedNumberFails() {
        var h = Harness(SchedulerPolicy(denyPrefixes: ["+1900"]))
        var record = makeRecord(1, to: "+19005550100")
        record.state = .waiting
        record.pagesTotal = 1
        let actions = h.scheduler.admit(record, now: t0)
        XCTAssertEqual(actions, [.persist(jid(1)), .finish(jid(1))])
        XCTAssertEqual(h.job(1)?.lastError?.code, .destinationBlocked)
    }
}
