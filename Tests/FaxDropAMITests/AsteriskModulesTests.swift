import FaxDropAMI
import Foundation
import XCTest

/// `asterisk/etc/asterisk/modules.conf` loads, with `autoload = no`, every module that a
/// module it loads requires (Asterisk 20's `AST_MODULE_INFO(... .requires = ...)`, kept in
/// `Fixtures/asterisk20-module-requires.txt`). A module whose requirement is not loaded
/// "declined to load" on a real Asterisk (issue 15: chan_pjsip without res_pjsip_pubsub).
final class AsteriskModulesTests: XCTestCase {
    struct Requirement {
        var requires: [String]
        var builtin: Bool
        var source: String
    }

    static func fixture() throws -> [String: Requirement] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/asterisk20-module-requires.txt")
        var table: [String: Requirement] = [:]
        for line in try String(contentsOf: url, encoding: .utf8).split(separator: "\n") {
            let text = line.trimmingCharacters(in: .whitespaces)
            if text.isEmpty || text.hasPrefix("#") { continue }
            let fields = text.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            XCTAssertEqual(fields.count, 4, "fixture line: \(text)")
            guard fields.count == 4 else { continue }
            XCTAssertTrue(fields[2].hasSuffix(".c"), "a source file is cited: \(text)")
            XCTAssertNil(table[fields[0]], "one line per module: \(fields[0])")
            let builtin = fields[1] == "builtin"
            let requires = builtin || fields[1] == "-" ? [] : fields[1].split(separator: ",").map(String.init)
            table[fields[0]] = Requirement(requires: requires, builtin: builtin, source: fields[2])
        }
        return table
    }

    /// `load =>` / `preload =>` lines, without `.so`, and whether `autoload` is off.
    static func modulesConf() throws -> (loaded: [String], autoload: Bool) {
        let url = Captures.repositoryRoot.appendingPathComponent("asterisk/etc/asterisk/modules.conf")
        var loaded: [String] = []
        var autoload = true
        for raw in try String(contentsOf: url, encoding: .utf8).split(separator: "\n") {
            let line = raw.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let parts = line.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2 else { continue }
            let value = parts[1].hasPrefix(">") ? parts[1].dropFirst().trimmingCharacters(in: .whitespaces) : parts[1]
            switch parts[0] {
            case "load", "preload": loaded.append(value.hasSuffix(".so") ? String(value.dropLast(3)) : value)
            case "autoload": autoload = ["yes", "true", "1"].contains(value.lowercased())
            default: break
            }
        }
        return (loaded, autoload)
    }

    /// Every loaded module's requirements are loaded too (or built into Asterisk).
    func testEveryLoadedModuleHasItsRequiredModules() throws {
        let table = try Self.fixture()
        let (loaded, autoload) = try Self.modulesConf()
        XCTAssertFalse(autoload, "modules.conf lists its modules itself (autoload = no)")
        XCTAssertFalse(loaded.isEmpty)
        let available = Set(loaded).union(table.filter { $0.value.builtin }.keys)
        var missing: [String] = []
        for module in loaded {
            guard let entry = table[module] else {
                XCTFail("\(module) is loaded but has no line in the fixture: look up its .requires")
                continue
            }
            for required in entry.requires where !available.contains(required) {
                missing.append("\(module) requires \(required) (\(entry.source))")
            }
        }
        XCTAssertEqual(missing, [], "modules.conf: \(missing.joined(separator: "; "))")
    }

    /// The modules FaxDrop asks Asterisk about at start-up (ModuleCheck) are the ones
    /// modules.conf loads, for the dial technology the dialplan names.
    func testTheModulesFaxDropChecksAreLoaded() throws {
        let (loaded, _) = try Self.modulesConf()
        let dialplan = try String(
            contentsOf: Captures.repositoryRoot.appendingPathComponent("asterisk/etc/asterisk/extensions.conf"),
            encoding: .utf8)
        let tech = try XCTUnwrap(
            dialplan.split(separator: "\n").first { $0.hasPrefix("FAXDROP_DIAL_TECH") }?
                .split(separator: "=").last?.trimmingCharacters(in: .whitespaces))
        let needed = AsteriskModules.required(dialTechnology: tech)
        XCTAssertTrue(needed.contains("chan_pjsip"))
        for module in needed {
            XCTAssertTrue(loaded.contains(module), "FaxDrop needs \(module); modules.conf does not load it")
        }
    }
}
