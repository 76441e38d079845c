import CFaxDropSystem

#if canImport(Glibc)
    import Glibc
#endif

/// Landlock: an unprivileged process confines itself (and every process it starts) to the
/// files named in a ruleset. Once applied a ruleset can only be tightened, never loosened.
/// Access rights the running kernel does not know are masked by its ABI version.
public enum Landlock {
    /// Filesystem access rights (`LANDLOCK_ACCESS_FS_*`).
    public struct FileAccess: OptionSet, Sendable, Hashable {
        public let rawValue: UInt64
        public init(rawValue: UInt64) { self.rawValue = rawValue }

        public static let execute = FileAccess(rawValue: 1 << 0)
        public static let writeFile = FileAccess(rawValue: 1 << 1)
        public static let readFile = FileAccess(rawValue: 1 << 2)
        public static let readDirectory = FileAccess(rawValue: 1 << 3)
        public static let removeDirectory = FileAccess(rawValue: 1 << 4)
        public static let removeFile = FileAccess(rawValue: 1 << 5)
        public static let makeCharDevice = FileAccess(rawValue: 1 << 6)
        public static let makeDirectory = FileAccess(rawValue: 1 << 7)
        public static let makeRegular = FileAccess(rawValue: 1 << 8)
        public static let makeSocket = FileAccess(rawValue: 1 << 9)
        public static let makeFIFO = FileAccess(rawValue: 1 << 10)
        public static let makeBlockDevice = FileAccess(rawValue: 1 << 11)
        public static let makeSymlink = FileAccess(rawValue: 1 << 12)
        /// ABI 2: link or rename across directories.
        public static let refer = FileAccess(rawValue: 1 << 13)
        /// ABI 3: `truncate`, `ftruncate`, `O_TRUNC`.
        public static let truncate = FileAccess(rawValue: 1 << 14)
        /// ABI 5: `ioctl` on device files.
        public static let ioctlDevice = FileAccess(rawValue: 1 << 15)

        /// Reading a file or listing a directory.
        public static let read: FileAccess = [.readFile, .readDirectory]
        /// What a private scratch directory needs: everything but executing and special files.
        public static let scratch: FileAccess = [
            .readFile, .readDirectory, .writeFile, .truncate, .removeFile, .removeDirectory, .makeRegular,
            .makeDirectory,
        ]
        /// The rights that apply to a regular file (a rule on a file may hold no others).
        public static let onFile: FileAccess = [.execute, .writeFile, .readFile, .truncate, .ioctlDevice]

        /// Every right the kernel of Landlock ABI `abi` handles.
        public static func all(abi: Int) -> FileAccess {
            var bits: UInt64 = (1 << 13) - 1
            if abi >= 2 { bits |= FileAccess.refer.rawValue }
            if abi >= 3 { bits |= FileAccess.truncate.rawValue }
            if abi >= 5 { bits |= FileAccess.ioctlDevice.rawValue }
            return FileAccess(rawValue: bits)
        }
    }

    /// Whether Landlock can be used here, and at which ABI version.
    public enum Availability: Sendable, Equatable, CustomStringConvertible {
        case available(abi: Int)
        case unavailable(reason: String)

        public var description: String {
            switch self {
            case .available(let abi): "Landlock ABI \(abi)"
            case .unavailable(let reason): reason
            }
        }
    }

    /// The kernel's Landlock ABI version. The corresponding C function is
    /// `landlock_create_ruleset(NULL, 0, LANDLOCK_CREATE_RULESET_VERSION)`.
    public static func availability() -> Availability {
        let abi = faxdrop_landlock_abi_version()
        if abi >= 1 { return .available(abi: Int(abi)) }
        switch errno {
        case ENOSYS: return .unavailable(reason: "the kernel has no Landlock (ENOSYS; needs Linux 5.13 or later)")
        case EOPNOTSUPP: return .unavailable(reason: "Landlock is disabled at boot (EOPNOTSUPP; add landlock to lsm=)")
        case let e: return .unavailable(reason: "Landlock cannot be queried: \(String(cString: strerror(e)))")
        }
    }

    /// One rule: `access` beneath `path` (a directory and all it holds, or one file).
    public typealias Rule = (path: String, access: FileAccess)

    /// What `restrictSelf` applied.
    public struct Applied: Sendable, Equatable {
        public var abi: Int
        /// Whether TCP bind and connect are denied (ABI 4 and later).
        public var networkDenied: Bool
        /// Whether signals and abstract UNIX sockets outside the sandbox are denied (ABI 6).
        public var scoped: Bool
        /// Rules whose path does not exist here (skipped).
        public var skipped: [String]
    }

    /// Confines the calling thread, and every process it forks or runs, to `rules`: every
    /// filesystem access the kernel can control is denied except those granted, TCP bind and
    /// connect are denied (ABI 4+), and so are signals and abstract UNIX sockets reaching out
    /// of the sandbox (ABI 6+). Sets `PR_SET_NO_NEW_PRIVS` first. The corresponding C
    /// functions are `landlock_create_ruleset`, `landlock_add_rule`, `landlock_restrict_self`.
    /// Call it in a process with a single thread: other threads stay unconfined.
    public static func restrictSelf(to rules: [Rule]) throws(SystemError) -> Applied {
        let abi = Int(faxdrop_landlock_abi_version())
        guard abi >= 1 else { throw SystemError("landlock_create_ruleset", errno: errno) }
        let handled = FileAccess.all(abi: abi)
        var attr = faxdrop_landlock_ruleset_attr(handled_access_fs: handled.rawValue, handled_access_net: 0, scoped: 0)
        var size = MemoryLayout<UInt64>.size
        if abi >= 4 {
            attr.handled_access_net = 0b11  // LANDLOCK_ACCESS_NET_BIND_TCP | CONNECT_TCP, no rule grants them
            size += MemoryLayout<UInt64>.size
        }
        if abi >= 6 {
            attr.scoped = 0b11  // LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET | LANDLOCK_SCOPE_SIGNAL
            size += MemoryLayout<UInt64>.size
        }
        let ruleset = FileDescriptor(
            owning: try retryingOnInterrupt("landlock_create_ruleset") {
                faxdrop_landlock_create_ruleset(&attr, size)
            })
        var skipped: [String] = []
        for rule in rules {
            let opened = faxdrop_open_path(rule.path)
            if opened < 0 {
                let e = errno
                guard e == ENOENT || e == ENOTDIR else { throw SystemError("open(O_PATH)", path: rule.path, errno: e) }
                skipped.append(rule.path)
                continue
            }
            let fd = FileDescriptor(owning: opened)
            var access = rule.access.intersection(handled)
            if try Syscall.fstat(fd.rawValue).kind != .directory { access = access.intersection(.onFile) }
            _ = try retryingOnInterrupt("landlock_add_rule", path: rule.path) {
                faxdrop_landlock_add_path_rule(ruleset.rawValue, fd.rawValue, access.rawValue)
            }
        }
        _ = try retryingOnInterrupt("prctl(PR_SET_NO_NEW_PRIVS)") { faxdrop_set_no_new_privs() }
        _ = try retryingOnInterrupt("landlock_restrict_self") { faxdrop_landlock_restrict_self(ruleset.rawValue) }
        return Applied(abi: abi, networkDenied: abi >= 4, scoped: abi >= 6, skipped: skipped)
    }
}
