import Foundation

/// This test process's children, read from `/proc`: the render pool's workers and the
/// per-job children they fork.
enum ProcessTable {
    /// The live (not zombie) child processes of `parent`.
    static func children(of parent: Int32) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { Int32($0) }.filter { pid in
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { return false }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 2 && Int32(fields[1]) == parent && fields[0] != "Z"
        }
    }

    /// The pids of this process's `faxdrop-render --worker` children.
    static func workerChildren() -> [Int32] {
        children(of: getpid()).filter { pid in
            guard let cmdline = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
            return String(decoding: cmdline, as: UTF8.self).contains("--worker")
        }
    }
}
