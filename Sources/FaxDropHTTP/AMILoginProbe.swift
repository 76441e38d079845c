import FaxDropCore
import NIOCore
import NIOPosix

/// For `faxdrop check`: connects to the Asterisk Manager Interface, reads the banner, logs in
/// with `Events: off`, and logs off. The secret is sent to Asterisk and nowhere else.
struct AMILoginProbe {
    enum Outcome: Equatable {
        case accepted(banner: String)
        case refused(message: String)
        case notAsterisk(banner: String)
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    var host: String
    var port: Int
    var username: String
    var secret: Secret
    var timeout: TimeAmount

    func run() async throws -> Outcome {
        let connection = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(timeout)
            .connect(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        let channel = connection.channel
        let deadline = channel.eventLoop.scheduleTask(in: timeout) { channel.close(promise: nil) }
        defer { deadline.cancel() }
        return try await connection.executeThenClose { inbound, outbound in
            var lines = LineReader()
            var iterator = inbound.makeAsyncIterator()
            func nextLine() async throws -> String {
                while true {
                    if let line = lines.next() { return line }
                    guard let buffer = try await iterator.next() else { throw Failure(description: "the connection closed") }
                    lines.append(buffer.readableBytesView)
                }
            }
            let banner = try await nextLine()
            guard banner.hasPrefix("Asterisk Call Manager/") else { return .notAsterisk(banner: String(banner.prefix(80))) }
            let login = "Action: Login\r\nActionID: faxdrop-check\r\nUsername: \(username)\r\nSecret: \(secret.value)\r\nEvents: off\r\n\r\n"
            try await outbound.write(ByteBuffer(string: login))
            // The answer to our ActionID; events (none with Events: off) are skipped.
            while true {
                var fields: [String: String] = [:]
                while true {
                    let line = try await nextLine()
                    if line.isEmpty { break }
                    if let colon = line.firstIndex(of: ":") {
                        fields[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingSpaces()
                    }
                }
                guard fields["actionid"] == "faxdrop-check", let response = fields["response"] else { continue }
                if response.lowercased() == "success" {
                    try? await outbound.write(ByteBuffer(string: "Action: Logoff\r\nActionID: faxdrop-check-logoff\r\n\r\n"))
                    return .accepted(banner: banner)
                }
                return .refused(message: fields["message"] ?? response)
            }
        }
    }
}

/// Splits bytes into lines ending in CRLF (or a bare LF).
struct LineReader {
    private var buffer: [UInt8] = []

    mutating func append(_ bytes: some Collection<UInt8>) { buffer.append(contentsOf: bytes) }

    mutating func next() -> String? {
        guard let lf = buffer.firstIndex(of: 10) else { return nil }
        var end = lf
        if end > 0 && buffer[end - 1] == 13 { end -= 1 }
        let line = String(decoding: buffer[..<end], as: UTF8.self)
        buffer.removeFirst(lf + 1)
        return line
    }
}
