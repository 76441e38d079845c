import Foundation

/// A further document of a job that faxes several in order (`faxdrop submit A.pdf B.pdf`,
/// repeated `file` parts of `POST /fax`): the second is `document-2` in the job's folder,
/// the third `document-3`, and so on. The first document stays in the journal's own fields,
/// so a job of one document reads as it always did.
public struct JobDocument: Codable, Sendable, Equatable {
    /// The name the sidecar reports as this document's `original_name`.
    public var originalName: String
    /// The file name inside `active/<job-id>/`: `document-<n>`.
    public var file: String
    public var bytes: Int64
    public var sha256: String
    public var format: DocumentFormat?
    /// The modification time (ns since 1970) when `bytes` and `sha256` were taken.
    public var modified: Int64?

    public init(
        originalName: String, file: String, bytes: Int64 = 0, sha256: String = "", format: DocumentFormat? = nil
    ) {
        self.originalName = originalName
        self.file = file
        self.bytes = bytes
        self.sha256 = sha256
        self.format = format
    }

    /// The file name of the job's document number `n` (1-based) in its folder.
    public static func fileName(_ n: Int) -> String { n == 1 ? "document" : "document-\(n)" }

    /// The most documents one job may carry.
    public static let maxCount = 20

    enum CodingKeys: String, CodingKey {
        case originalName = "original_name"
        case file, bytes, sha256, format, modified
    }
}
