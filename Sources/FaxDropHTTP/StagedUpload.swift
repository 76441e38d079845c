import FaxDropDaemon
import FaxDropSystem
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The document of a `POST /fax`, written to `spool/tmp/` as it arrives, so an upload never
/// sits in memory whole. Handed to `Submitter.submit(stagedFile:)` it is renamed into the drop
/// zone; otherwise (refused, client gone) the file is removed when this is released.
public final class StagedUpload: Sendable {
    public let path: String
    private let state: Mutex<State>

    struct State {
        var fd: Int32?
    }

    /// The prefix of staged uploads in `tmp/`; leftovers from a crash are removed at start.
    public static let prefix = ".upload-"

    public init(spool: Spool) throws {
        path = spool.tmp + "/" + Self.prefix + "\(UInt64.random(in: 0...UInt64.max)).part"
        let fd = try Syscall.open(path, O_WRONLY | O_CREAT | O_EXCL, mode: 0o640)
        state = Mutex(State(fd: fd))
    }

    public func write(_ bytes: some Collection<UInt8>) throws {
        try state.withLock { s in
            guard let fd = s.fd else { return }
            try Array(bytes).withUnsafeBytes { try Syscall.writeAll(fd, $0) }
        }
    }

    /// `fsync` and close: the content is durable before it is renamed into the drop zone.
    public func finish() throws {
        try state.withLock { s in
            guard let fd = s.fd else { return }
            s.fd = nil
            defer { Syscall.close(fd) }
            try Syscall.fsync(fd)
        }
    }

    deinit {
        state.withLock { s in
            if let fd = s.fd { Syscall.close(fd) }
            // Gone already when it was renamed into the drop zone.
            try? Syscall.unlink(path)
        }
    }

    /// Removes uploads a crash left in `tmp/`.
    public static func removeLeftovers(_ spool: Spool) {
        for name in (try? Syscall.listDirectory(spool.tmp)) ?? [] where name.hasPrefix(prefix) {
            try? Syscall.unlink(spool.tmp + "/" + name)
        }
    }
}
