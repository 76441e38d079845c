/// A job id: a ULID (26 characters of Crockford base 32). It sorts by creation time, is
/// unique across restarts, and is safe in file names (SPEC §1).
public struct JobID: ValidatedString {
    public let value: String

    private static let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ".utf8)

    /// Parses an existing id; `nil` if it is not 26 Crockford base-32 characters.
    public init?(_ text: String) {
        let bytes = Array(text.utf8)
        guard bytes.count == 26, bytes.allSatisfy({ Self.alphabet.contains($0) }), bytes[0] <= UInt8(ascii: "7") else {
            return nil
        }
        self.value = text
    }

    /// Makes an id from a time in milliseconds since 1970 and 80 random bits.
    public init(milliseconds: UInt64, random: (hi: UInt16, lo: UInt64)) {
        var chars = [UInt8](repeating: 0, count: 26)
        var time = milliseconds
        for i in stride(from: 9, through: 0, by: -1) {
            chars[i] = Self.alphabet[Int(time & 31)]
            time >>= 5
        }
        // 80 random bits as 16 characters: the top 16 bits, then the low 64.
        var lo = random.lo
        var hi = UInt64(random.hi)
        for i in stride(from: 25, through: 10, by: -1) {
            chars[i] = Self.alphabet[Int(lo & 31)]
            lo = (lo >> 5) | ((hi & 31) << 59)
            hi >>= 5
        }
        self.value = String(decoding: chars, as: UTF8.self)
    }

    public static let decodingProblem = "not a job id"
}

/// Makes job ids that are strictly increasing within a process, even within one millisecond
/// (the ULID monotonic rule: same millisecond → previous random part plus one).
public struct JobIDGenerator: Sendable {
    private var lastMilliseconds: UInt64 = 0
    private var lastRandom: (hi: UInt16, lo: UInt64) = (0, 0)

    public init() {}

    public mutating func next(milliseconds: UInt64) -> JobID {
        if milliseconds <= lastMilliseconds {
            if lastRandom.lo == .max {
                lastRandom = (lastRandom.hi &+ 1, 0)
            } else {
                lastRandom.lo += 1
            }
        } else {
            lastMilliseconds = milliseconds
            lastRandom = (UInt16.random(in: 0...UInt16.max), UInt64.random(in: 0...(UInt64.max >> 1)))
        }
        return JobID(milliseconds: lastMilliseconds, random: lastRandom)
    }
}
