import FaxDropCore
import FaxDropHTTP
import Foundation
import XCTest

/// The files in etc/ that operators copy: they must work as shipped.
final class ShippedConfigurationTests: XCTestCase {
    /// `systemd-analyze verify` is clean, with the binaries the unit names present (the
    /// built ones stand in for /usr/local/bin).
    func testSystemdUnitVerifies() throws {
        let analyze = "/usr/bin/systemd-analyze"
        guard FileManager.default.isExecutableFile(atPath: analyze) else {
            throw XCTSkip("systemd-analyze is missing (Debian package systemd)")
        }
        let unit = try String(contentsOfFile: Fixtures.packageRoot + "/etc/faxdrop.service", encoding: .utf8)
        for line in [
            "Type=notify", "NoNewPrivileges=yes", "ProtectSystem=strict", "ReadWritePaths=/var/spool/faxdrop",
            "PrivateTmp=yes", "User=faxdrop", "WatchdogSec=30",
        ] {
            XCTAssertTrue(unit.contains("\n" + line + "\n"), line)
        }
        let built = try XCTUnwrap(builtExecutable("faxdrop"), "swift build first")
        let spool = try HTTPTestSpool()
        let copy = spool.base + "/faxdrop.service"
        try Data(unit.replacingOccurrences(of: "/usr/local/bin/faxdrop", with: built).utf8).write(
            to: URL(fileURLWithPath: copy))
        let result = try runProgram(analyze, ["verify", copy])
        XCTAssertEqual(result.status, 0, result.error)
        XCTAssertEqual(result.error, "", "verify prints nothing when the unit is clean")
        XCTAssertEqual(result.output, "")
    }

    func testEnvExampleIsAValidConfiguration() throws {
        let text = try String(contentsOfFile: Fixtures.packageRoot + "/etc/faxdrop.env.example", encoding: .utf8)
        let values = try Configuration.parseEnvFile(text)
        let configuration = try Configuration(values: values)
        XCTAssertEqual(configuration.spool, "/var/spool/faxdrop")
        XCTAssertEqual(configuration.logFormat, .json)
        XCTAssertNil(configuration.apiKey, "no key ships: the API stays closed until one is set")
        let commented = text.split(separator: "\n").filter { $0.hasPrefix("#FAXDROP_") }.map { String($0.dropFirst()) }
        XCTAssertNoThrow(try Configuration(values: try Configuration.parseEnvFile(commented.joined(separator: "\n"))))
    }

    func testSambaExampleParses() throws {
        let testparm = "/usr/bin/testparm"
        guard FileManager.default.isExecutableFile(atPath: testparm) else {
            throw XCTSkip("testparm is missing (Debian samba-common-bin)")
        }
        let result = try runProgram(
            testparm, ["-s", "--suppress-prompt", Fixtures.packageRoot + "/etc/smb.conf.example"])
        XCTAssertEqual(result.status, 0, result.error)
        XCTAssertTrue(result.output.contains("veto files = /._*/.DS_Store/Thumbs.db/desktop.ini/"), result.output)
        XCTAssertFalse(result.error.contains("Unknown parameter"), result.error)
    }

    private func builtExecutable(_ name: String) -> String? {
        for configuration in ["debug", "release"] {
            let path = Fixtures.packageRoot + "/.build/\(configuration)/\(name)"
            if FileManager.default.isExecutableFile(atPath: path) {
                return URL(fileURLWithPath: path).resolvingSymlinksInPath().path
            }
        }
        return nil
    }
}
