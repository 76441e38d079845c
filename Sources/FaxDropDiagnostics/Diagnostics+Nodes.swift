import FaxDropCore

/// `faxdrop check` with `FAXDROP_ASTERISK_NODES` (issue 14): the AMI login and the module
/// check of every node, each finding named after its node.
extension Diagnostics {
    func asterisk() async -> [Finding] {
        guard configuration.backend == .sip, !configuration.asteriskNodes.isEmpty else {
            return [await ami()] + (await asteriskModules())
        }
        var findings: [Finding] = []
        for node in configuration.asteriskNodes {
            var one = configuration
            one.amiHost = node.host
            one.amiPort = node.port
            one.amiUsername = node.username
            one.amiPassword = node.secret
            one.asteriskNodes = []
            var diagnostics = Diagnostics(configuration: one, executableDirectory: executableDirectory)
            diagnostics.amiTimeout = amiTimeout
            for var finding in [await diagnostics.ami()] + (await diagnostics.asteriskModules()) {
                finding.check = "\(finding.check) \(node.name)"
                finding.detail = "node \(node.name): \(finding.detail)"
                findings.append(finding)
            }
        }
        return findings
    }
}
