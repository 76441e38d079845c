import Foundation
import GRDB

extension JobIndex {
    /// A query's filters as SQL: a `WHERE` clause and its arguments (never user text in SQL).
    /// Substring searches of 3 characters or more first pick rows through the trigram index
    /// `job_text`; the `LIKE` that follows keeps the exact meaning (ASCII case-insensitive).
    struct Filter {
        var clauses: [String] = []
        var arguments = StatementArguments()

        init(_ query: JobIndexQuery) {
            if !query.states.isEmpty {
                let states = query.states.sorted()
                clauses.append("state IN (" + states.map { _ in "?" }.joined(separator: ",") + ")")
                arguments += StatementArguments(states)
            }
            if let number = query.number, !number.isEmpty {
                substring = true
                let digits = Self.digits(number)
                // Something other than digits matches no number.
                if digits.count >= 3 {
                    clauses.append(Self.textMatch)
                    arguments += ["digits : " + Self.phrase(digits)]
                }
                clauses.append(digits.isEmpty ? "0" : "digits LIKE ? ESCAPE '\\'")
                if !digits.isEmpty { arguments += ["%" + digits + "%"] }
            }
            if let text = query.text, !text.isEmpty {
                substring = true
                if text.unicodeScalars.count >= 3 {
                    clauses.append(Self.textMatch)
                    arguments += ["{original_name id} : " + Self.phrase(text)]
                }
                clauses.append("(original_name LIKE ? ESCAPE '\\' OR id LIKE ? ESCAPE '\\')")
                let pattern = "%" + Self.escapeLike(text) + "%"
                arguments += [pattern, pattern]
            }
            if let code = query.errorCode, !code.isEmpty {
                clauses.append("error_code = ?")
                arguments += [code]
            }
            if let from = query.from {
                clauses.append("queued_at >= ?")
                arguments += [from.timeIntervalSince1970]
            }
            if let to = query.to {
                clauses.append("queued_at < ?")
                arguments += [to.timeIntervalSince1970]
            }
        }

        /// Whether a substring filter (number, text) is there: no index serves it.
        var substring = false

        /// Newest first: by walking the date index, or (`+` keeps SQLite off that index) by
        /// one pass over the table and a sort.
        func orderClause(walkDateIndex: Bool) -> String {
            walkDateIndex ? " ORDER BY queued_at DESC, id DESC" : " ORDER BY +queued_at DESC, +id DESC"
        }

        var whereClause: String { clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND ") }

        static let textMatch = "rowid IN (SELECT rowid FROM job_text WHERE job_text MATCH ?)"

        /// An FTS5 string: the text in double quotes, quotes doubled.
        static func phrase(_ text: String) -> String { "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }

        static func digits(_ text: String) -> String {
            String(text.unicodeScalars.filter { ("0"..."9").contains($0) }.map(Character.init))
        }

        /// `%`, `_` and `\` match themselves.
        static func escapeLike(_ text: String) -> String {
            var out = ""
            for c in text {
                if c == "%" || c == "_" || c == "\\" { out.append("\\") }
                out.append(c)
            }
            return out
        }
    }
}
