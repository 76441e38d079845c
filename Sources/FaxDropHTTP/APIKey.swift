import FaxDropCore
import FaxDropSystem

/// The `API_KEY` check (SPEC §8). Both sides are hashed first and the digests compared with
/// no early exit, so neither the content nor the length of the key leaks through timing.
public struct APIKey: Sendable {
    private let expectedDigest: [UInt8]?

    /// `nil` or an empty key: every request is refused.
    public init(_ secret: Secret?) {
        if let secret, !secret.isEmpty {
            expectedDigest = Self.digest(secret.value)
        } else {
            expectedDigest = nil
        }
    }

    public var isConfigured: Bool { expectedDigest != nil }

    /// Whether `presented` (the `X-API-Key` header) is the key.
    public func accepts(_ presented: String?) -> Bool {
        guard let expectedDigest else { return false }
        let given = Self.digest(presented ?? "")
        var difference: UInt8 = presented == nil ? 1 : 0
        for (a, b) in zip(expectedDigest, given) { difference |= a ^ b }
        return difference == 0
    }

    private static func digest(_ text: String) -> [UInt8] {
        var hasher = SHA256()
        Array(text.utf8).withUnsafeBytes { hasher.update($0) }
        return hasher.finalize()
    }
}
