import Foundation
import Synchronization

/// A signed-in browser: the key's name and role, and the CSRF token its forms carry.
public struct ConsoleSession: Sendable, Equatable {
    public var id: String
    public var keyName: String
    public var role: ConsoleRole
    public var csrfToken: String
    public var expires: Date
}

/// Sessions, kept on the server only: the cookie holds a random id (256 bits from the system's
/// cryptographic generator) and nothing else. A session ends after `idle` without use, at
/// sign-out, or when the daemon restarts. Time is passed in, so expiry is tested without waiting.
public final class SessionStore: Sendable {
    private let sessions = Mutex<[String: ConsoleSession]>([:])
    public let idle: TimeInterval
    /// The most sessions kept; the oldest go first when more sign in.
    public static let maxSessions = 1000

    public init(idle: TimeInterval) {
        self.idle = idle
    }

    public func create(keyName: String, role: ConsoleRole, now: Date) -> ConsoleSession {
        let session = ConsoleSession(
            id: Self.randomToken(), keyName: keyName, role: role, csrfToken: Self.randomToken(),
            expires: now.addingTimeInterval(idle))
        sessions.withLock { all in
            all = all.filter { $0.value.expires > now }
            if all.count >= Self.maxSessions, let oldest = all.min(by: { $0.value.expires < $1.value.expires }) {
                all[oldest.key] = nil
            }
            all[session.id] = session
        }
        return session
    }

    /// The live session `id`, its expiry moved on; `nil` when unknown or expired.
    public func lookup(_ id: String, now: Date) -> ConsoleSession? {
        sessions.withLock { all in
            guard var session = all[id] else { return nil }
            guard session.expires > now else {
                all[id] = nil
                return nil
            }
            session.expires = now.addingTimeInterval(idle)
            all[id] = session
            return session
        }
    }

    public func remove(_ id: String) {
        _ = sessions.withLock { $0.removeValue(forKey: id) }
    }

    public var count: Int { sessions.withLock { $0.count } }

    /// 32 random bytes as 64 hex digits. `SystemRandomNumberGenerator` reads `getrandom` on Linux.
    public static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        var text = ""
        for _ in 0..<4 {
            let word = generator.next() as UInt64
            let hex = String(word, radix: 16)
            text += String(repeating: "0", count: 16 - hex.count) + hex
        }
        return text
    }

    /// Compares two tokens without an early exit.
    public static func sameToken(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        var difference: UInt8 = x.count == y.count ? 0 : 1
        for i in 0..<min(x.count, y.count) { difference |= x[i] ^ y[i] }
        return difference == 0 && !x.isEmpty
    }
}
