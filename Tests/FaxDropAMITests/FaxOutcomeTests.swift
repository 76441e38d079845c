import FaxDropAMI
import FaxDropCore
import XCTest

final class FaxOutcomeTests: XCTestCase {
    func event(_ fields: [String: String]) -> FaxResultEvent { FaxResultEvent(fields: { fields[$0] }) }

    func testDialStatusesAndCauses() {
        XCTAssertEqual(FaxOutcome.dialCode(dialStatus: "BUSY", cause: 17), .busy)
        XCTAssertEqual(FaxOutcome.dialCode(dialStatus: "NOANSWER", cause: 19), .noAnswer)
        XCTAssertEqual(FaxOutcome.dialCode(dialStatus: "CANCEL", cause: 19), .noAnswer)
        XCTAssertEqual(FaxOutcome.dialCode(dialStatus: "CONGESTION", cause: 34), .congestion)
        XCTAssertEqual(FaxOutcome.dialCode(dialStatus: "CHANUNAVAIL", cause: 27), .channelUnavailable)
        XCTAssertEqual(FaxOutcome.dialCode(dialStatus: "CHANUNAVAIL", cause: 1), .unallocatedNumber)
        XCTAssertEqual(FaxOutcome.dialCode(dialStatus: "CHANUNAVAIL", cause: 21), .rejected)
    }

    func testSuccessDespiteHangupError() {
        let r = FaxOutcome.result(
            of: event(["Status": "SUCCESS", "Error": "HANGUP", "StatusString": "OK", "Pages": "4", "Stage": "fax"]))
        XCTAssertEqual(r.status, .sent)
        XCTAssertEqual(r.pagesSent, 4)
        XCTAssertEqual(r.details.faxError, "HANGUP")
    }

    func testNegotiationTexts() {
        for text in [
            "Far end cannot receive at the resolution of the image", "Received bad response to DCS or training",
            "Received other than DIS while waiting for DIS", "Failed to train with any of the compatible modems",
            "T38_NEG_ERROR",
        ] {
            let r = FaxOutcome.result(
                of: event(["Status": "FAILED", "Error": text, "StatusString": text, "Pages": "0", "Stage": "fax"]))
            XCTAssertEqual(r.status, .failed(.faxNegotiationFailed), text)
        }
    }

    func testDropsDuringTransferKeepPages() {
        for text in ["The call dropped prematurely", "Timer T2 expired while waiting for NSS, DCS or MCF", "TIMEOUT"] {
            let r = FaxOutcome.result(
                of: event(["Status": "FAILED", "Error": text, "StatusString": text, "Pages": "2", "Stage": "fax"]))
            XCTAssertEqual(r.status, .failed(.faxTransferFailed), text)
            XCTAssertEqual(r.pagesSent, 2)
        }
    }

    func testBudgetGrowsWithPageSize() {
        let budget = TransmissionBudget()
        let text = budget.transmission(pages: 1, pageBytes: [25_000])
        let dense = budget.transmission(pages: 1, pageBytes: [150_000])
        // A dense page that took 180 s on a real line must fit, with room to spare.
        XCTAssertGreaterThan(dense, .seconds(600))
        XCTAssertGreaterThan(text, .seconds(100))
        XCTAssertGreaterThan(budget.transmission(pages: 10, pageBytes: []), .seconds(3600))
    }

    func testPercentEncodingRoundTripsFreeText() {
        let text = "ACME, Inc. 100% \"fax\" — Zürich; a=b"
        let encoded = PercentEncoding.encode(text)
        XCTAssertFalse(encoded.contains(","))
        XCTAssertFalse(encoded.contains(" "))
        XCTAssertEqual(PercentEncoding.decode(encoded), text)
    }

    func testAsteriskSpoolMapping() {
        XCTAssertEqual(
            OriginateAction.asteriskPath(
                "/srv/spool/active/J/fax.tif", spool: "/srv/spool", asteriskSpool: "/var/spool/faxdrop"),
            "/var/spool/faxdrop/active/J/fax.tif")
        XCTAssertEqual(
            OriginateAction.asteriskPath("/srv/spool/active/J/fax.tif", spool: "/srv/spool/", asteriskSpool: nil),
            "/srv/spool/active/J/fax.tif")
        XCTAssertEqual(
            OriginateAction.asteriskPath("/elsewhere/fax.tif", spool: "/srv/spool", asteriskSpool: "/x"),
            "/elsewhere/fax.tif")
    }
}

/// Issue 15: cause 66 ("No channel type registered for 'PJSIP'") is not a busy trunk to
/// retry until the kill time: it fails at once and names the driver that did not load.
final class ChannelDriverMissingTests: XCTestCase {
    func testCause66FailsPermanentlyNamingTheDriver() {
        // What [faxdrop-report] raises when Dial() cannot create the PJSIP channel.
        let event = FaxResultEvent(fields: {
            [
                "Stage": "dial", "Status": "FAILED", "Error": "CHANUNAVAIL", "DialStatus": "CHANUNAVAIL",
                "HangupCause": "66", "Pages": "0", "Mode": "none",
            ][$0]
        })
        let result = FaxOutcome.result(of: event, dialTechnology: "PJSIP")
        XCTAssertEqual(result.status, .failed(.channelDriverMissing))
        XCTAssertFalse(ErrorCode.channelDriverMissing.isRetryable)
        XCTAssertEqual(ErrorCode.channelDriverMissing.stage, .dial)
        XCTAssertTrue(result.message.contains("chan_pjsip"), result.message)
        XCTAssertTrue(result.message.contains("PJSIP"), result.message)
        // Another technology names its own driver.
        XCTAssertTrue(FaxOutcome.result(of: event, dialTechnology: "IAX2").message.contains("chan_iax2"))
        // Without a FaxResult (a foreign dialplan): the Hangup cause alone decides.
        let fallback = FaxOutcome.resultOfOriginateFailure(reason: 0, hangupCause: 66, dialTechnology: "PJSIP")
        XCTAssertEqual(fallback.status, .failed(.channelDriverMissing))
        XCTAssertTrue(fallback.message.contains("chan_pjsip"), fallback.message)
        // Cause 27 with the same DIALSTATUS stays a retryable unavailable channel.
        XCTAssertEqual(FaxOutcome.dialCode(dialStatus: "CHANUNAVAIL", cause: 27), .channelUnavailable)
    }

    func testDriverNames() {
        XCTAssertEqual(AsteriskModules.channelDriver(forTechnology: "PJSIP"), "chan_pjsip")
        XCTAssertEqual(AsteriskModules.channelDriver(forTechnology: "SIP"), "chan_sip")
        XCTAssertEqual(AsteriskModules.channelDriver(forTechnology: "IAX2"), "chan_iax2")
        XCTAssertEqual(AsteriskModules.channelDriver(forTechnology: "DAHDI"), "chan_dahdi")
        XCTAssertEqual(
            AsteriskModules.required(dialTechnology: "PJSIP"),
            [
                "chan_pjsip", "res_fax", "res_fax_spandsp", "func_lock", "func_db", "func_uri", "app_stack",
                "app_userevent",
            ])
    }
}
