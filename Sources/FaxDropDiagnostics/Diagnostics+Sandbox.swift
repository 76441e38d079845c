import FaxDropRenderClient
import FaxDropSystem
import Foundation

extension Diagnostics {
    /// Whether the renderer confines its jobs (issue 9), as the renderer itself reports it:
    /// `faxdrop-render --sandbox-status` run with the environment a worker gets.
    /// "landlock ABI N, active" is ok; "inactive: <reason>" is a warning (rendering works,
    /// but a document is confined by Ghostscript's SAFER mode alone).
    func rendererSandbox() -> Finding {
        let path = configuration.renderer ?? executableDirectory + "/faxdrop-render"
        let environment = WorkerEnvironment.make(
            from: ProcessInfo.processInfo.environment,
            overrides: ["FAXDROP_RENDER_SANDBOX": configuration.renderSandbox ? "on" : "off"], scratch: ""
        )
        .filter { !$0.value.isEmpty }
        let ran: (termination: Syscall.Termination, output: [UInt8])
        do {
            ran = try ChildProcess.run([path, "--sandbox-status"], environment: environment)
        } catch {
            return Finding("sandbox", .warning, "renderer sandbox: unknown (\(path) cannot be run: \(error))")
        }
        let text = String(decoding: ran.output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard ran.termination == .exited(0), !text.isEmpty else {
            return Finding("sandbox", .warning, "renderer sandbox: unknown (\(path) --sandbox-status failed)")
        }
        return Finding("sandbox", text.hasSuffix(", active") ? .ok : .warning, "renderer sandbox: \(text)")
    }
}
