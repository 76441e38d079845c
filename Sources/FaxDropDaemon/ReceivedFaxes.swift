import FaxDropCore
import FaxDropSystem
import Foundation

/// Reads what `incoming/` holds: every received fax's sidecar, in any folder (DID or route).
public enum ReceivedFaxes {
    /// Every received sidecar with its folder's path.
    public static func all(_ spool: Spool) -> [(folder: String, sidecar: ReceivedSidecar)] {
        var out: [(String, ReceivedSidecar)] = []
        for name in (try? Syscall.listDirectory(spool.incoming)) ?? [] where !name.hasPrefix(".") {
            let folder = spool.incoming + "/" + name
            for file in (try? Syscall.listDirectory(folder)) ?? [] where file.hasSuffix(".json") {
                if let sidecar = read(folder + "/" + file) { out.append((folder, sidecar)) }
            }
        }
        return out
    }

    /// The received fax `id`, wherever it was routed.
    public static func find(_ id: JobID, spool: Spool) -> (folder: String, sidecar: ReceivedSidecar)? {
        for name in (try? Syscall.listDirectory(spool.incoming)) ?? [] where !name.hasPrefix(".") {
            let folder = spool.incoming + "/" + name
            if let sidecar = read(folder + "/" + id.value + ".json") { return (folder, sidecar) }
        }
        return nil
    }

    /// Received files Asterisk wrote that are not landed yet (a call in progress, or one
    /// whose result FaxDrop has not seen yet).
    public static func pending(_ spool: Spool) -> Int {
        ((try? Syscall.listDirectory(spool.receiving)) ?? []).filter { $0.hasSuffix(".tif") }.count
    }

    static func read(_ path: String) -> ReceivedSidecar? {
        guard let bytes = try? AtomicFile.read(path, limit: 1 << 20) else { return nil }
        return try? JSONDecoder.faxdrop().decode(ReceivedSidecar.self, from: Data(bytes))
    }
}
