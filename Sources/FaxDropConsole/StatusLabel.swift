import FaxDropCore
import FaxDropIndex
import Foundation

/// A job's state as the office reads it: a word, a shape (never colour alone) and a detail
/// ("page 2 of 5", "next try 14:05").
public struct StatusLabel: Sendable, Equatable {
    public var word: String
    /// A text symbol shown before the word, hidden from screen readers.
    public var icon: String
    /// The CSS class (colour is extra, never the only sign).
    public var tone: String
    public var detail: String

    public init(_ row: JobIndexRow, now: Date = Date()) {
        let pages: String = {
            guard let total = row.pagesTotal else { return "" }
            return "page \(min(total, (row.pagesSent ?? 0) + 1)) of \(total)"
        }()
        switch row.state {
        case "claiming", "queued":
            (word, icon, tone, detail) = ("Queued", "◷", "queued", "")
        case "converting":
            (word, icon, tone, detail) = ("Rendering", "⚙", "active", "")
        case "waiting":
            if let at = row.notBefore, at > now {
                let reason =
                    row.errorCode.map { ErrorExplanation(ErrorCode(rawValue: $0) ?? .internalError).words } ?? ""
                (word, icon, tone) = ("Waiting to retry", "◔", "waiting")
                detail = "next try at \(Self.clock(at))" + (reason.isEmpty ? "" : " — " + reason)
            } else {
                (word, icon, tone, detail) = ("Waiting for a line", "◔", "waiting", "")
            }
        case "dialing":
            (word, icon, tone, detail) = ("Dialling", "☎", "active", "attempt \(row.attempts)")
        case "sending":
            (word, icon, tone, detail) = ("In call", "⇄", "active", pages)
        case "sent":
            let sent = row.pagesSent.map { $0 == 1 ? "1 page" : "\($0) pages" } ?? ""
            (word, icon, tone, detail) = ("Sent", "✔", "sent", sent)
        case "failed":
            (word, icon, tone) = ("Failed", "✖", "failed")
            detail = row.errorCode.flatMap { ErrorCode(rawValue: $0) }.map { ErrorExplanation($0).words } ?? ""
        default:
            (word, icon, tone, detail) = (row.state, "•", "queued", "")
        }
    }

    static func clock(_ date: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_GB")
        f.dateFormat = "yyyy-MM-dd HH:mm"
        return f.string(from: date)
    }
}
