import FaxDropCore
import FaxDropSystem
import Foundation
import Logging

/// Tells the engine when an operator request (`ControlRequest`) lands in `tmp/`: a kernel
/// inotify watch for renames into `tmp/` (requests are written atomically, so each arrives
/// as one `IN_MOVED_TO`), read by one owned thread that blocks until something happens.
/// The file itself stays the request; this only says "look now".
final class ControlDoorbell: Sendable {
    private let watch: DirectoryWatch

    private init(watch: DirectoryWatch) {
        self.watch = watch
    }

    /// Starts the watch; `ring` is called on the doorbell's thread for each batch of events
    /// naming a `*.request` file.
    static func listen(spool: Spool, logger: Logger, ring: @escaping @Sendable () -> Void) throws -> ControlDoorbell {
        let watch = try DirectoryWatch(spool.tmp, mask: UInt32(IN_MOVED_TO))
        let thread = Thread {
            while true {
                let names: [String]?
                do {
                    names = try watch.next()
                } catch {
                    logger.error(
                        "cannot read the watch on tmp/; operator requests wait for the next start",
                        metadata: ["error": "\(error)"])
                    return
                }
                guard let names else { return }
                if names.contains(where: { $0.hasSuffix(".request") }) { ring() }
            }
        }
        thread.name = "faxdrop-control"
        thread.start()
        return ControlDoorbell(watch: watch)
    }

    /// Ends the watch; the thread returns.
    func close() { watch.end() }
}
