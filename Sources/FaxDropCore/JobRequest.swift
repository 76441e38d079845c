import Foundation

/// What a submission (`faxdrop submit`, `POST /fax`) says about its job beyond the
/// document and the number: the recipient's name, the job's options, when to send, and
/// the batch a submission to several numbers ties its jobs with.
public struct JobRequest: Sendable, Equatable {
    public var recipientName: String?
    public var options: JobOptions
    public var sendAt: Date?
    public var batchID: String?

    public init(
        recipientName: String? = nil, options: JobOptions = JobOptions(), sendAt: Date? = nil, batchID: String? = nil
    ) {
        self.recipientName = recipientName
        self.options = options
        self.sendAt = sendAt
        self.batchID = batchID
    }

    /// Why the request cannot be taken, naming the field, or `nil`. The same rules as a
    /// folder's label and `.faxdrop` file: text that could forge a line is refused.
    public func problem() -> String? {
        if let name = recipientName, let problem = DestinationFolder.labelProblem(name) {
            return "recipient_name: \(problem)"
        }
        if let subject = options.subject,
            let problem = JobOptions.textProblem(subject, limit: JobOptions.maxSubjectLength)
        {
            return "subject \(problem)"
        }
        var noteLength = 0
        for paragraph in options.note ?? [] {
            noteLength += paragraph.unicodeScalars.count
            if let problem = JobOptions.textProblem(paragraph, limit: JobOptions.maxNoteLength) {
                return "note \(problem)"
            }
        }
        if noteLength > JobOptions.maxNoteLength {
            return "note: longer than \(JobOptions.maxNoteLength) characters in all"
        }
        if let n = options.maxAttempts, !JobOptions.maxAttemptsRange.contains(n) { return "max_attempts: 1 to 100" }
        return nil
    }

    /// An RFC 3339 time (`2026-11-29T14:30:00Z`, `2026-11-29T15:30:00+01:00`, fractions allowed).
    public static func parseTime(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }
}
