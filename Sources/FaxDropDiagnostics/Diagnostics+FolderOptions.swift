import FaxDropCore
import FaxDropDaemon
import FaxDropSystem
import Foundation

extension Diagnostics {
    /// Every destination folder's `.faxdrop` file is read as a claim reads it: a bad one is a
    /// problem (its folder's jobs fail `invalid_options`), named with its folder and line.
    /// A folder under `outgoing/` that is no destination is a warning: what is dropped there
    /// fails `invalid_destination`. Folder names are printed escaped.
    func folderOptions() -> [Finding] {
        let outgoing = Spool(root: configuration.spool).outgoing
        guard let names = try? Syscall.listDirectory(outgoing) else { return [] }
        var findings: [Finding] = []
        var withOptions = 0
        for name in names.sorted() where !name.hasPrefix(".") {
            guard let status = try? Syscall.lstatIfExists(outgoing + "/" + name), status.kind == .directory else {
                continue
            }
            let shown = name.debugDescription
            guard DestinationFolder(name) != nil else {
                findings.append(
                    Finding(
                        "folders", .warning,
                        "\(shown) is not a destination (+E164, optionally one space and a label); files dropped there fail invalid_destination"
                    ))
                continue
            }
            switch FolderOptionsFile.read(folder: outgoing + "/" + name) {
            case .success(nil): continue
            case .success: withOptions += 1
            case .failure(let problem):
                findings.append(
                    Finding("options", .problem, "\(shown)/\(problem); the folder's jobs fail invalid_options"))
            }
        }
        if !findings.contains(where: { $0.check == "options" }) {
            findings.append(Finding("options", .ok, "\(withOptions) folder option file(s) valid"))
        }
        return findings
    }
}
