import FaxDropCore
import FaxDropSystem
import Foundation

/// Reads a destination folder's `.faxdrop` file relative to the folder's descriptor. The
/// file is opened without following a link and without blocking on a FIFO; anything but a
/// regular file, or a file too large, is a problem, reported like a bad line.
public enum FolderOptionsFile {
    /// The folder's options: `nil` when it has no `.faxdrop` file.
    public static func read(in folderFD: Int32) -> Result<JobOptions?, FolderOptions.Problem> {
        do {
            let fd = try Syscall.openAtOwned(
                folderFD, FolderOptions.fileName, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY)
            return read(opened: fd.rawValue)
        } catch let error as SystemError where error.isNotFound {
            return .success(nil)
        } catch let error as SystemError where error.errno == ELOOP {
            return .failure(FolderOptions.Problem(line: nil, "is a symbolic link; not followed"))
        } catch {
            return .failure(FolderOptions.Problem(line: nil, "cannot be opened (\(error))"))
        }
    }

    /// The options in the file open as `fd`: a regular file of at most `FolderOptions.maxBytes`.
    private static func read(opened fd: Int32) -> Result<JobOptions?, FolderOptions.Problem> {
        do {
            let status = try Syscall.fstat(fd)
            guard status.kind == .regular else {
                return .failure(FolderOptions.Problem(line: nil, "is a \(status.kind.rawValue), not a regular file"))
            }
            var bytes: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 4096)
            while bytes.count <= FolderOptions.maxBytes {
                let n = try chunk.withUnsafeMutableBytes { try Syscall.read(fd, into: $0) }
                if n == 0 { break }
                bytes += chunk[0..<n]
            }
            return FolderOptions.parse(bytes).map { Optional($0) }
        } catch {
            return .failure(FolderOptions.Problem(line: nil, "cannot be read (\(error))"))
        }
    }

    /// The options of the destination folder `outgoing/<name>`, for `faxdrop check`.
    public static func read(folder path: String) -> Result<JobOptions?, FolderOptions.Problem> {
        do {
            let fd = try Syscall.openOwned(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW)
            return read(in: fd.rawValue)
        } catch {
            return .success(nil)
        }
    }
}
