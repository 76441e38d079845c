import FaxDropSystem
import Foundation
import XCTest

/// Descriptors are closed exactly once, and `durable: false` makes no `fsync`, counted
/// through the system-call wrappers themselves (`SyscallTally`).
final class OwnedDescriptorTests: XCTestCase {
    private func makeFolder() throws -> String {
        try Syscall.makeTemporaryDirectory(prefix: NSTemporaryDirectory() + "faxdrop-fd-")
    }

    func testDurableWriteSyncsTheFileAndItsFolder() throws {
        let folder = try makeFolder()
        let tally = SyscallTally()
        try SyscallTally.$current.withValue(tally) {
            try AtomicFile.write(Array("hello".utf8), to: folder + "/a.json", stagingDirectory: folder)
        }
        XCTAssertEqual(tally["fsync"], 2, "the temp file before the rename, the folder after it")
        XCTAssertEqual(tally["open"], tally["close"])
        XCTAssertEqual(try AtomicFile.read(folder + "/a.json"), Array("hello".utf8))
    }

    func testNonDurableWriteMakesNoFsync() throws {
        let folder = try makeFolder()
        let tally = SyscallTally()
        try SyscallTally.$current.withValue(tally) {
            try AtomicFile.write(Array("one".utf8), to: folder + "/j.json", stagingDirectory: folder, durable: false)
            try AtomicFile.write(Array("two".utf8), to: folder + "/j.json", stagingDirectory: folder, durable: false)
        }
        XCTAssertEqual(tally["fsync"], 0)
        XCTAssertEqual(tally["open"], 2)
        XCTAssertEqual(tally["close"], 2)
        XCTAssertEqual(try AtomicFile.read(folder + "/j.json"), Array("two".utf8))
    }

    /// A rename that fails (the target is a folder that is not empty) leaves the target as it
    /// was, no temp file, and the temp file's descriptor closed once.
    func testFailedRenameClosesOnceAndLeavesNoTempFile() throws {
        let folder = try makeFolder()
        let staging = folder + "/staging"
        try Syscall.mkdir(staging)
        try Syscall.mkdir(folder + "/target")
        try AtomicFile.write(Array("keep".utf8), to: folder + "/target/inside", stagingDirectory: staging)
        let tally = SyscallTally()
        for durable in [true, false] {
            XCTAssertThrowsError(
                try SyscallTally.$current.withValue(tally) {
                    try AtomicFile.write(
                        Array("x".utf8), to: folder + "/target", stagingDirectory: staging, durable: durable)
                })
        }
        XCTAssertEqual(tally["open"], 2)
        XCTAssertEqual(tally["close"], 2, "each temp file closed once")
        XCTAssertEqual(try Syscall.listDirectory(staging), [])
        XCTAssertEqual(try AtomicFile.read(folder + "/target/inside"), Array("keep".utf8))
    }

    /// An owned descriptor dropped without `close()` is closed by its owner's end: the
    /// number is free again (`fcntl` says `EBADF`), and closed once.
    func testDroppedDescriptorIsClosedOnce() throws {
        let folder = try makeFolder()
        let tally = SyscallTally()
        let number: Int32 = try SyscallTally.$current.withValue(tally) {
            let fd = try Syscall.openOwned(folder + "/f", O_WRONLY | O_CREAT, mode: 0o600)
            return fd.rawValue
        }
        XCTAssertEqual(tally["close"], 1)
        XCTAssertEqual(fcntl(number, F_GETFD), -1)
        XCTAssertEqual(errno, EBADF)
    }

    func testReleasedDescriptorIsNotClosed() throws {
        let folder = try makeFolder()
        let fd = try Syscall.openOwned(folder + "/f", O_WRONLY | O_CREAT, mode: 0o600)
        let number = fd.release()
        XCTAssertNotEqual(fcntl(number, F_GETFD), -1, "still open: its new owner closes it")
        try FileDescriptor(owning: number).close()
        XCTAssertEqual(fcntl(number, F_GETFD), -1)
    }
}

/// Every child process starts through `ChildProcess`; `run` captures standard output.
final class ChildProcessTests: XCTestCase {
    func testRunCapturesStandardOutputAndTheExitStatus() throws {
        let ran = try ChildProcess.run(["/bin/sh", "-c", "printf 'out'; echo err >&2; exit 3"], environment: [:])
        XCTAssertEqual(String(decoding: ran.output, as: UTF8.self), "out", "stdout only; stderr discarded")
        XCTAssertEqual(ran.termination, .exited(3))
    }

    func testTheChildGetsExactlyTheEnvironmentGiven() throws {
        let ran = try ChildProcess.run(["/usr/bin/env"], environment: ["B": "2", "A": "1"])
        XCTAssertEqual(String(decoding: ran.output, as: UTF8.self), "A=1\nB=2\n")
    }

    /// A child holds standard input, output and error and nothing else, even descriptors the
    /// parent opened without close-on-exec, as libraries do (SwiftNIO's sockets on Linux,
    /// libinotifytools' `inotify_init`, libtiff's `TIFFOpen`): a listening socket, a file and an
    /// inotify instance are open here, and `ls -ln /proc/self/fd` in the child lists none of them.
    func testTheChildInheritsNoDescriptorButItsStandardOnes() throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        XCTAssertGreaterThanOrEqual(listener, 0)
        defer { close(listener) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        XCTAssertEqual(bound, 0)
        XCTAssertEqual(listen(listener, 4), 0)
        let file = open("/etc/hostname", O_RDONLY)
        XCTAssertGreaterThanOrEqual(file, 0)
        defer { close(file) }
        let inotify = inotify_init()
        XCTAssertGreaterThanOrEqual(inotify, 0)
        defer { close(inotify) }
        for fd in [listener, file, inotify] {
            XCTAssertEqual(
                fcntl(fd, F_GETFD) & FD_CLOEXEC, 0, "descriptor \(fd) is inheritable, as a library leaves it")
        }
        let ran = try ChildProcess.run(["/bin/ls", "-ln", "/proc/self/fd/"], environment: [:])
        XCTAssertEqual(ran.termination, .exited(0))
        // Lines such as `lr-x------ 1 0 0 64 Nov 29 05:40 3 -> /proc/4242/fd`.
        let held = String(decoding: ran.output, as: UTF8.self).split(separator: "\n").compactMap { line in
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            guard let arrow = parts.firstIndex(of: "->"), arrow > 0, let fd = Int32(parts[arrow - 1]) else {
                return nil as (fd: Int32, target: String)?
            }
            return (fd, parts[(arrow + 1)...].joined(separator: " "))
        }
        XCTAssertEqual(held.filter { $0.fd <= 2 }.map(\.fd), [0, 1, 2])
        // `ls` itself holds one descriptor above 2: the folder it lists, `/proc/<its pid>/fd`.
        let inherited = held.filter { $0.fd > 2 && !($0.target.hasPrefix("/proc/") && $0.target.hasSuffix("/fd")) }
        XCTAssertEqual(inherited.map { "\($0.fd) -> \($0.target)" }, [])
    }

    func testAStandardInputDescriptorIsTheChildsInput() throws {
        let pipe = try Syscall.pipe()
        let reader = FileDescriptor(owning: pipe.read)
        do {
            let writer = FileDescriptor(owning: pipe.write)
            try Array("piped".utf8).withUnsafeBytes { try Syscall.writeAll(writer.rawValue, $0) }
        }
        let out = try Syscall.pipe()
        let outReader = FileDescriptor(owning: out.read)
        let pid: pid_t
        do {
            let outWriter = FileDescriptor(owning: out.write)
            pid = try ChildProcess.spawn(
                ["/bin/cat"], environment: [:], standardInput: reader.rawValue, standardOutput: outWriter.rawValue)
        }
        _ = consume reader
        var buffer = [UInt8](repeating: 0, count: 64)
        var got: [UInt8] = []
        while true {
            let n = try buffer.withUnsafeMutableBytes { try Syscall.read(outReader.rawValue, into: $0) }
            if n == 0 { break }
            got += buffer[0..<n]
        }
        XCTAssertEqual(String(decoding: got, as: UTF8.self), "piped")
        XCTAssertEqual(try Syscall.wait(for: pid), .exited(0))
    }
}
