/// A string that was checked on the way in (`E164Number`, `JobID`): it is made only by
/// `init?(_:)`, shows as itself, sorts as its text, and is a JSON string that is checked
/// again when read.
public protocol ValidatedString: Hashable, Sendable, Codable, Comparable, CustomStringConvertible {
    /// The text as given.
    var value: String { get }
    /// Checks `text`; `nil` when it is not one.
    init?(_ text: String)
    /// What a decoding error says of a string that is not one, e.g. `not E.164`.
    static var decodingProblem: String { get }
}

extension ValidatedString {
    public var description: String { value }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.value < rhs.value }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let checked = Self(text) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: Self.decodingProblem))
        }
        self = checked
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }
}
