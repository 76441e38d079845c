import Foundation
import XCTest

@testable import FaxDropScheduler

/// The rolling per-destination window behind `FAXDROP_MAX_PER_DESTINATION_HOUR`.
final class DestinationCallLogTests: XCTestCase {
    private func at(_ seconds: TimeInterval) -> Date { t0.addingTimeInterval(seconds) }

    func testCountsOnlyTheWindowOfTheDestination() {
        var log = DestinationCallLog(window: 3600)
        for s in [0.0, 1000, 2000] { log.record("+1", at: at(s)) }
        log.record("+2", at: at(2500))
        XCTAssertEqual(log.count("+1", now: at(2000)), 3)
        XCTAssertEqual(log.count("+1", now: at(3600)), 2, "a call exactly an hour old has left the window")
        XCTAssertEqual(log.count("+1", now: at(5599)), 1)
        XCTAssertEqual(log.count("+2", now: at(5599)), 1)
        XCTAssertEqual(log.count("+3", now: at(0)), 0)
    }

    /// Old calls not pruned yet must not shift the answer (nor trap on a slice index).
    func testNextOpeningIgnoresCallsThatLeftTheWindow() {
        var log = DestinationCallLog(window: 3600)
        for s in [0.0, 1000, 3700] { log.record("+1", at: at(s)) }
        XCTAssertEqual(log.nextOpening("+1", limit: 2, now: at(3710)), at(4600))
        XCTAssertEqual(log.nextOpening("+1", limit: 1, now: at(3710)), at(7300))
        XCTAssertNil(log.nextOpening("+1", limit: 3, now: at(3710)))
        XCTAssertNil(log.nextOpening("+1", limit: 0, now: at(3710)))
    }

    func testRecordKeepsOrderAndForgetRemovesOneCall() {
        var log = DestinationCallLog(window: 3600)
        log.record("+1", at: at(500))
        log.record("+1", at: at(100))
        log.record("+1", at: at(100))
        XCTAssertEqual(log.nextOpening("+1", limit: 3, now: at(600)), at(3700))
        log.forget("+1", at: at(100))
        XCTAssertEqual(log.count("+1", now: at(600)), 2)
        XCTAssertEqual(log.nextOpening("+1", limit: 2, now: at(600)), at(3700))
        log.forget("+1", at: at(999))
        XCTAssertEqual(log.count("+1", now: at(600)), 2)
    }

    func testPruneKeepsTheWindow() {
        var log = DestinationCallLog(window: 3600)
        log.record("+1", at: at(0))
        log.record("+1", at: at(3000))
        log.prune(now: at(3600))
        XCTAssertEqual(log.count("+1", now: at(0)), 1, "only the call of 3000 is left")
    }
}
