import FaxDropAMI
import FaxDropAsterisk
import FaxDropCore
import Logging

extension Diagnostics {
    /// With `FAX_BACKEND=sip`: asks Asterisk over AMI (`Getvar FAXDROP_DIAL_TECH`, then
    /// `ModuleCheck`) whether the channel driver and the modules the dialplan needs are
    /// loaded. Each missing module is a problem of its own, named (issue 15).
    func asteriskModules() async -> [Finding] {
        guard configuration.backend == .sip else { return [] }
        var logger = Logger(label: "faxdrop.check")
        logger.logLevel = .critical
        let (state, report) = await SIPBackend.checkModules(
            configuration: configuration, logger: logger, timeout: .milliseconds(amiTimeout.nanoseconds / 1_000_000))
        guard let report else {
            // The login check (`ami`) says why; this one only says what could not be checked.
            let why = state == .connected ? "Asterisk did not answer ModuleCheck in time" : "\(state)"
            return [Finding("modules", .warning, "not checked: \(why)")]
        }
        var findings: [Finding] = []
        let technology =
            report.technologyFromDialplan
            ? "FAXDROP_DIAL_TECH=\(report.dialTechnology)"
            : "FAXDROP_DIAL_TECH not readable, \(report.dialTechnology) assumed"
        for module in report.missing {
            findings.append(Finding("modules", .problem, report.explanation(of: module)))
        }
        for (module, message) in report.unknown {
            findings.append(
                Finding(
                    "modules", .warning,
                    "cannot tell whether \(module) is loaded (\(message)); give the AMI user write = system"))
        }
        if findings.isEmpty {
            findings.append(
                Finding("modules", .ok, "\(report.loaded.joined(separator: ", ")) loaded (\(technology))"))
        }
        return findings
    }
}
