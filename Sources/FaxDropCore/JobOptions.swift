/// How soon a job goes among the jobs that are ready to dial (SPEC §8). A priority never
/// lets a job past the per-destination rules or the call limits.
public enum JobPriority: String, Codable, Sendable, CaseIterable, Comparable {
    case high, normal, low

    public var rank: Int {
        switch self {
        case .high: return 0
        case .normal: return 1
        case .low: return 2
        }
    }

    public static func < (lhs: JobPriority, rhs: JobPriority) -> Bool { lhs.rank < rhs.rank }
}

/// A job's own options, from its destination folder's `.faxdrop` file or from its
/// submission (CLI, HTTP). Every field is optional: `nil` keeps the gateway's setting.
/// The sidecar carries them as its optional `options` object.
@PublicInit
public struct JobOptions: Codable, Sendable, Equatable {
    /// A cover page in front of the document.
    public var cover: Bool?
    /// The cover page's subject line.
    public var subject: String?
    /// The cover page's note, one string per paragraph.
    public var note: [String]?
    public var priority: JobPriority?
    public var maxAttempts: Int?
    public var resolution: Resolution?
    public var paper: Paper?

    /// These options with `cover` set from the gateway's default when they do not say.
    public func withCover(default on: Bool) -> JobOptions {
        var options = self
        if options.cover == nil, on { options.cover = true }
        return options
    }

    /// True when nothing is set.
    public var isEmpty: Bool { self == JobOptions() }

    enum CodingKeys: String, CodingKey {
        case cover, subject, note, priority
        case maxAttempts = "max_attempts"
        case resolution, paper
    }

    public static let maxSubjectLength = 120
    public static let maxNoteLength = 2000
    public static let maxAttemptsRange = 1...100

    /// Why a piece of free text (subject, one note paragraph, a recipient name) cannot be
    /// taken, or `nil`: it must be at most `limit` characters and hold no control, format
    /// or separator character (they could forge lines in logs or on the cover page).
    public static func textProblem(_ text: String, limit: Int) -> String? {
        if text.unicodeScalars.count > limit { return "longer than \(limit) characters" }
        for scalar in text.unicodeScalars {
            switch scalar.properties.generalCategory {
            case .control, .format, .lineSeparator, .paragraphSeparator, .surrogate, .privateUse, .unassigned:
                return "holds a control or invisible character (U+\(String(scalar.value, radix: 16, uppercase: true)))"
            default:
                continue
            }
        }
        return nil
    }
}

extension Sidecar.Fax {
    /// These fax settings with a job's own resolution and paper, where it has them.
    public func applying(_ options: JobOptions?) -> Sidecar.Fax {
        var fax = self
        if let resolution = options?.resolution { fax.resolution = resolution }
        if let paper = options?.paper { fax.paper = paper }
        return fax
    }
}
