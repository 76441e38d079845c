import Foundation

extension JobID {
    /// When the id was made (the job was queued): the ULID's first 10 characters hold the
    /// milliseconds since 1970.
    public var createdAt: Date {
        var milliseconds: UInt64 = 0
        for byte in value.utf8.prefix(10) {
            milliseconds = milliseconds << 5 | UInt64(Self.crockfordValue(byte))
        }
        return Date(timeIntervalSince1970: Double(milliseconds) / 1000)
    }

    /// The value of one Crockford base-32 digit (the id was checked when it was made).
    private static func crockfordValue(_ byte: UInt8) -> Int {
        Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ".utf8).firstIndex(of: byte) ?? 0
    }
}
