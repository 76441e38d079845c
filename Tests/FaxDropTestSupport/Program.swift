import Foundation

/// Runs `executable` with `arguments` to its end and returns how it ended and what it wrote.
/// Standard input is `input` (or /dev/null); standard error is read on another thread, so a
/// child that writes much to both pipes cannot block. `environment` replaces the test's own
/// when given.
@discardableResult
public func runProgram(
    _ executable: String, _ arguments: [String], environment: [String: String]? = nil, input: Data? = nil
) throws -> (status: Int32, output: String, error: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let environment { process.environment = environment }
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    let inPipe = Pipe()
    process.standardInput = input == nil ? FileHandle.nullDevice : inPipe
    try process.run()
    if let input {
        inPipe.fileHandleForWriting.write(input)
        try inPipe.fileHandleForWriting.close()
    }
    let errorData = ErrorCollector(err.fileHandleForReading)
    let output = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: output, as: UTF8.self), errorData.text())
}

/// Reads a pipe to its end on another thread so a chatty stderr cannot block the child.
public final class ErrorCollector: @unchecked Sendable {
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)

    public init(_ handle: FileHandle) {
        Thread.detachNewThread { [self] in
            data = handle.readDataToEndOfFile()
            done.signal()
        }
    }

    /// Everything the pipe carried, once its writer has closed it.
    public func text() -> String {
        done.wait()
        return String(decoding: data, as: UTF8.self)
    }
}
