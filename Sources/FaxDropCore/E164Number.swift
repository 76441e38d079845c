/// A destination number in E.164 form: `+`, then 7 to 15 digits, the first 1-9 (SPEC §1).
public struct E164Number: ValidatedString {
    /// The number as written, with its leading `+`.
    public let value: String

    /// Validates `text`; `nil` when it is not E.164.
    public init?(_ text: String) {
        let bytes = Array(text.utf8)
        guard bytes.count >= 8, bytes.count <= 16, bytes[0] == UInt8(ascii: "+") else { return nil }
        guard bytes[1] >= UInt8(ascii: "1"), bytes[1] <= UInt8(ascii: "9") else { return nil }
        for b in bytes.dropFirst() where b < UInt8(ascii: "0") || b > UInt8(ascii: "9") {
            return nil
        }
        self.value = text
    }

    /// The digits without the `+`, as dialled through a trunk.
    public var digits: Substring { value.dropFirst() }

    public static let decodingProblem = "not E.164"
}
