import FaxDropCore
import Foundation

/// The few sidecar fields the index keeps, decoded without the rest (a rebuild reads
/// every sidecar). Unknown error codes are kept as text.
struct SidecarSummary: Decodable {
    struct Document: Decodable {
        var originalName: String
        enum CodingKeys: String, CodingKey { case originalName = "original_name" }
    }
    struct Pages: Decodable {
        var total: Int
        var sent: Int
    }
    struct Failure: Decodable {
        var code: String
        var message: String
    }
    struct Recipient: Decodable {
        var number: String
    }
    struct Skipped: Decodable {
        init(from decoder: any Decoder) throws {}
    }

    /// An RFC 3339 time, parsed without a date formatter (the rebuild's hot path): FaxDrop
    /// writes `YYYY-MM-DDTHH:MM:SS.fffZ`; any other form goes through `Timestamp.parse`.
    struct Time: Decodable {
        var date: Date
        init(from decoder: any Decoder) throws {
            let text = try decoder.singleValueContainer().decode(String.self)
            guard let date = Self.fast(text) ?? Timestamp.parse(text) else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "bad date"))
            }
            self.date = date
        }

        static func fast(_ text: String) -> Date? {
            let b = Array(text.utf8)
            guard b.count == 24, b[4] == 45, b[7] == 45, b[10] == 84, b[13] == 58, b[16] == 58, b[19] == 46, b[23] == 90
            else {
                return nil
            }
            func number(_ range: Range<Int>) -> Int? {
                var n = 0
                for i in range {
                    guard b[i] >= 48, b[i] <= 57 else { return nil }
                    n = n * 10 + Int(b[i] - 48)
                }
                return n
            }
            guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
                let hour = number(11..<13),
                let minute = number(14..<16), let second = number(17..<19), let millis = number(20..<23),
                (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
            else { return nil }
            // Days from 1970-01-01 to the civil date (proleptic Gregorian).
            let y = month <= 2 ? year - 1 : year
            let era = (y >= 0 ? y : y - 399) / 400
            let yoe = y - era * 400
            let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
            let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
            let days = era * 146_097 + doe - 719_468
            let seconds = days * 86_400 + hour * 3600 + minute * 60 + second
            return Date(timeIntervalSince1970: Double(seconds) + Double(millis) / 1000)
        }
    }

    var jobID: String
    var status: String
    var destination: String
    var recipient: Recipient?
    var document: Document
    var pages: Pages
    var attempts: [Skipped]
    var error: Failure?
    var queued: Time
    var completed: Time
    var queuedAt: Date { queued.date }
    var completedAt: Date { completed.date }

    enum CodingKeys: String, CodingKey {
        case jobID = "job_id"
        case status, destination, recipient, document, pages, attempts, error
        case queued = "queued_at"
        case completed = "completed_at"
    }

    var row: JobIndexRow {
        JobIndexRow(
            id: jobID, destination: recipient?.number ?? destination, originalName: document.originalName,
            state: status,
            errorCode: error?.code, errorMessage: error?.message, pagesTotal: pages.total, pagesSent: pages.sent,
            attempts: attempts.count, queuedAt: queuedAt, completedAt: completedAt, notBefore: nil,
            updatedAt: completedAt)
    }
}
