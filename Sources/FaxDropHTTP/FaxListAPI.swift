import FaxDropCore
import FaxDropIndex
import Foundation
import NIOPosix

/// `GET /fax?status=&number=&q=&code=&from=&to=&page=&per_page=`: jobs from the job index,
/// newest first, one page at a time (behind the API key, like every `/fax` request).
///
/// - `status`: states separated by commas (`sent`, `failed`, or a live state such as `waiting`)
/// - `number`: destination digits containing these; `q`: file name or job id containing this
/// - `code`: an exact error code; `from` / `to`: queued at or after / before (RFC 3339, or a
///   day `YYYY-MM-DD` in UTC: `to` then means the end of that day)
/// - `page` (from 1) and `per_page` (1 to 200, default 50)
///
/// Answers `{"rows": [...], "total": n, "page": p, "per_page": k}`.
public struct FaxListAPI: Sendable {
    let index: @Sendable () -> JobIndex?

    /// - Parameter index: the open index, or `nil` while it is not open (answered 503).
    public init(index: @escaping @Sendable () -> JobIndex?) {
        self.index = index
    }

    static let states: Set<String> = Set(JobState.allCases.filter { !$0.isFinal }.map(\.rawValue)).union([
        "sent", "failed",
    ])

    /// Answers the list for `query`, the part of the URI after `?`.
    public func list(query: String) async -> APIResponse {
        let parsed: JobIndexQuery
        switch Self.parse(query) {
        case .success(let q): parsed = q
        case .failure(let problem): return .error(400, .badRequest, problem.message)
        }
        guard let index = index() else { return .error(503, .spoolUnavailable, "the job index is not open") }
        let result =
            (try? await NIOThreadPool.singleton.runIfActive { Result { try index.search(parsed) } })
            ?? .failure(CancellationError())
        switch result {
        case .success(let page):
            return .json(
                200,
                ListPage(name: "rows", entries: page.rows, total: page.total, page: page.page, perPage: page.perPage))
        case .failure:
            return .error(503, .spoolUnavailable, "the job index cannot be read")
        }
    }

    struct Problem: Error {
        var message: String
    }

    /// The query string as an index query; a value that cannot be meant is refused.
    static func parse(_ query: String) -> Result<JobIndexQuery, Problem> {
        var q = JobIndexQuery()
        for pair in query.split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            let key = kv[0]
            let value = kv.count > 1 ? decode(kv[1]) : ""
            guard let value else { return .failure(Problem(message: "\(key): not valid percent-encoding")) }
            if value.isEmpty { continue }
            switch key {
            case "status":
                let states = Set(value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
                guard states.isSubset(of: Self.states) else {
                    return .failure(
                        Problem(message: "status: expected some of \(Self.states.sorted().joined(separator: ","))"))
                }
                q.states = states
            case "number": q.number = value
            case "q": q.text = value
            case "code": q.errorCode = value
            case "from", "to":
                guard let date = Self.date(value, endOfDay: key == "to") else {
                    return .failure(Problem(message: "\(key): expected an RFC 3339 time or YYYY-MM-DD"))
                }
                if key == "from" { q.from = date } else { q.to = date }
            case "page", "per_page":
                guard let n = Int(value), n >= 1 else {
                    return .failure(Problem(message: "\(key): expected a whole number from 1"))
                }
                if key == "page" { q.page = n } else { q.perPage = min(JobIndexQuery.maxPerPage, n) }
            default:
                continue
            }
        }
        return .success(q)
    }

    /// Percent-decoding, with `+` as a space (form encoding).
    static func decode(_ text: String) -> String? {
        text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }

    static func date(_ text: String, endOfDay: Bool) -> Date? {
        if let date = Timestamp.parse(text) { return date }
        let parts = text.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3, text.count == 10 else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        guard let day = calendar.date(from: DateComponents(year: parts[0], month: parts[1], day: parts[2])),
            calendar.component(.day, from: day) == parts[2]
        else { return nil }
        return endOfDay ? day.addingTimeInterval(86_400) : day
    }
}
