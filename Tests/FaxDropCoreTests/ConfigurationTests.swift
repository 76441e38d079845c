import FaxDropCore
import XCTest

final class ConfigurationTests: XCTestCase {
    func testDefaultsFollowTheSpec() throws {
        let c = try Configuration(values: [:])
        XCTAssertEqual(c.backend, .loopback)
        XCTAssertEqual(c.maxCalls, 2)
        XCTAssertEqual(c.maxAttempts, 5)
        XCTAssertEqual(c.killAfter, .seconds(3 * 3600))
        XCTAssertEqual(c.retryBusy, .seconds(180))
        XCTAssertEqual(c.retryNoAnswer, .seconds(300))
        XCTAssertEqual(c.retryCongestion, .seconds(120))
        XCTAssertEqual(c.retryFax, .seconds(60))
        XCTAssertEqual(c.settle, .milliseconds(10_000))
        XCTAssertEqual(c.maxBytes, 50 << 20)
        XCTAssertEqual(c.maxPages, 100)
        XCTAssertEqual(c.renderTimeout, .seconds(120))
        XCTAssertEqual(c.resolution, .fine)
        XCTAssertEqual(c.httpPort, 8080)
        XCTAssertNil(c.apiKey)
    }

    func testDurationsTakeUnits() throws {
        let c = try Configuration(values: [
            "FAXDROP_SETTLE_MS": "750", "FAXDROP_KILL_AFTER": "2h", "FAXDROP_RETRY_BUSY": "90s",
            "FAXDROP_RETRY_FAX": "1.5m",
            "FAXDROP_RENDER_TIMEOUT": "500ms",
        ])
        XCTAssertEqual(c.settle, .milliseconds(750))
        XCTAssertEqual(c.killAfter, .seconds(7200))
        XCTAssertEqual(c.retryBusy, .seconds(90))
        XCTAssertEqual(c.retryFax, .seconds(90))
        XCTAssertEqual(c.renderTimeout, .milliseconds(500))
    }

    func testTheEnvironmentWinsOverTheFile() throws {
        let file = NSTemporaryDirectory() + "faxdrop-config-\(getpid()).env"
        try """
        # comment
        export FAX_BACKEND=sip
        FAX_HEADER="Smith & Partners, Attorneys"
        FAXDROP_MAX_CALLS=4
        ASTERISK_AMI_PASSWORD='from-file'
        """.write(toFile: file, atomically: true, encoding: .utf8)
        let c = try Configuration(environment: ["FAXDROP_MAX_CALLS": "6"], file: file)
        XCTAssertEqual(c.backend, .sip)
        XCTAssertEqual(c.header, "Smith & Partners, Attorneys")
        XCTAssertEqual(c.maxCalls, 6)
        XCTAssertEqual(c.amiPassword.value, "from-file")
    }

    func testErrorsNameTheKeyAndSecretsNeverPrint() throws {
        XCTAssertThrowsError(try Configuration(values: ["FAXDROP_MAX_CALLS": "many"])) { error in
            XCTAssertTrue("\(error)".contains("FAXDROP_MAX_CALLS"))
        }
        XCTAssertThrowsError(try Configuration(values: ["FAXDROP_DENY_PREFIXES": "1900"]))
        let c = try Configuration(values: ["ASTERISK_AMI_PASSWORD": "hunter2-very-secret", "API_KEY": "k-123456789"])
        XCTAssertEqual("\(c.amiPassword)", "<redacted>")
        XCTAssertEqual("\(String(describing: c.apiKey))".contains("k-123456789"), false)
        XCTAssertFalse("\(c)".contains("hunter2"))
    }

    /// A configuration file saved on Windows (CRLF line ends, which Swift reads as one
    /// `Character`) reads line by line like a Unix one.
    func testEnvFileWithWindowsLineEndsReadsEveryLine() throws {
        let unix = "# site\nASTERISK_AMI_PASSWORD=s3cret\nFAX_HEADER=\"Smith Clinic\"\n\nFAXDROP_MAX_CALLS=4\n"
        let windows = unix.replacingOccurrences(of: "\n", with: "\r\n")
        let expected = ["ASTERISK_AMI_PASSWORD": "s3cret", "FAX_HEADER": "Smith Clinic", "FAXDROP_MAX_CALLS": "4"]
        XCTAssertEqual(try Configuration.parseEnvFile(unix), expected)
        XCTAssertEqual(try Configuration.parseEnvFile(windows), expected)
        XCTAssertThrowsError(try Configuration.parseEnvFile("A=1\r\nnot a setting\r\n")) { error in
            XCTAssertTrue("\(error)".contains("line 2"), "\(error)")
        }
    }
}
