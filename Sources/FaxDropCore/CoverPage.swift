import Foundation

/// The cover sheet FaxDrop puts in front of a fax (issue 12): from, to, date and time in
/// the local time zone, the page count including the cover, the subject, a note and a
/// confidentiality notice. `pdf()` writes it as a one-page PDF that the renderer workers
/// render like any document, so the daemon never links Ghostscript.
///
/// Designed for the fax: black on white, no grey, large type (the smallest, the notice, is
/// 12 pt: 16 pixels high even at 204×98), nothing nearer than 15 mm to an edge.
public struct CoverPage: Sendable, Equatable {
    /// The sending organisation (`FAX_HEADER`).
    public var organisation: String
    /// The person sending, if named (`FAXDROP_COVER_SENDER`).
    public var senderName: String?
    /// The sending station's fax number (`FAX_LOCAL_STATION_ID`).
    public var stationID: String
    public var recipientName: String?
    public var recipientNumber: String
    public var date: Date
    public var timeZone: TimeZone
    /// Pages of the whole fax, this cover included.
    public var pages: Int
    public var subject: String?
    /// Paragraphs.
    public var note: [String]
    public var notice: String
    public var paper: Paper
    /// Space kept free at the top for a letterhead drawn under the cover (points); the
    /// fields begin below it. 0 without a letterhead.
    public var letterheadBand: Double = 0
    /// The band a letterhead gets: 30 mm below the top margin.
    public static let letterheadBandPoints = 30 * 72 / 25.4

    public init(
        organisation: String, senderName: String?, stationID: String, recipientName: String?, recipientNumber: String,
        date: Date, timeZone: TimeZone = .current, pages: Int, subject: String?, note: [String], notice: String,
        paper: Paper
    ) {
        self.organisation = organisation
        self.senderName = senderName
        self.stationID = stationID
        self.recipientName = recipientName
        self.recipientNumber = recipientNumber
        self.date = date
        self.timeZone = timeZone
        self.pages = pages
        self.subject = subject
        self.note = note
        self.notice = notice
        self.paper = paper
    }

    /// The default confidentiality notice, for medical and legal offices.
    public static let defaultNotice =
        "CONFIDENTIAL: This fax may contain privileged, confidential or protected health information intended "
        + "only for the recipient named above. If you are not that recipient, do not read, copy, use or "
        + "disclose it: please tell the sender at once by telephone or fax and destroy all pages."

    /// The date line: weekday, day, month, year, time and zone, in `timeZone`.
    public var dateText: String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = timeZone
        formatter.dateFormat = "EEEE d MMMM yyyy, HH:mm zzz"
        return formatter.string(from: date)
    }

    /// The lines of the page, top to bottom, before layout.
    public var fields: [(label: String, value: String)] {
        var rows: [(String, String)] = []
        rows.append(("To:", recipientName ?? recipientNumber))
        if recipientName != nil { rows.append(("Fax:", recipientNumber)) }
        rows.append(
            (
                "From:",
                [senderName, organisation].compactMap { $0?.isEmpty == false ? $0 : nil }.joined(separator: ", ")
            ))
        if !stationID.isEmpty { rows.append(("Fax:", stationID)) }
        rows.append(("Date:", dateText))
        rows.append(("Pages:", "\(pages) including this cover page"))
        if let subject, !subject.isEmpty { rows.append(("Subject:", subject)) }
        return rows
    }
}
