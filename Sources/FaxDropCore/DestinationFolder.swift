/// A destination folder's name (SPEC §1): an E.164 number, optionally followed by one
/// space and a label naming the recipient, as in `+15551234567 Smith Pharmacy`. Only the
/// number is dialled; the label is shown (sidecar `recipient.name`, cover page, logs).
///
/// A label is refused, and the folder fails `invalid_destination`, when it could mislead
/// where it is shown: empty, longer than `maxLabelLength` Unicode scalars, starting or ending
/// with white space, or holding a control, format (bidirectional overrides, zero-width
/// characters) or line/paragraph separator character.
public struct DestinationFolder: Sendable, Equatable {
    public static let maxLabelLength = 80

    public let number: E164Number
    public let label: String?

    /// Parses a folder name; `nil` when it is not a number, or a number, one space and a label.
    public init?(_ name: String) {
        guard let space = name.firstIndex(of: " ") else {
            guard let number = E164Number(name) else { return nil }
            self.number = number
            self.label = nil
            return
        }
        guard let number = E164Number(String(name[..<space])) else { return nil }
        let label = String(name[name.index(after: space)...])
        guard Self.labelProblem(label) == nil else { return nil }
        self.number = number
        self.label = label
    }

    /// Why `label` cannot name a recipient, or `nil` when it can.
    public static func labelProblem(_ label: String) -> String? {
        if label.isEmpty { return "the label is empty" }
        if label.unicodeScalars.count > maxLabelLength {
            return "the label is longer than \(maxLabelLength) characters"
        }
        if label.first!.isWhitespace || label.last!.isWhitespace { return "the label starts or ends with white space" }
        for scalar in label.unicodeScalars {
            switch scalar.properties.generalCategory {
            case .control, .format, .lineSeparator, .paragraphSeparator, .surrogate, .privateUse, .unassigned:
                return
                    "the label holds a control or invisible character (U+\(String(scalar.value, radix: 16, uppercase: true)))"
            default:
                continue
            }
        }
        return nil
    }
}
