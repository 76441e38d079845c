import FaxDropCore
import FaxDropDaemon
import FaxDropHTTP
import Foundation

/// The send form's `multipart/form-data` body, read as it streams in by the API's reader
/// (`FaxUpload`): the first part must be the form's `csrf` field and match the session's
/// token, or the upload is refused before any document byte is stored; then `to` and one or
/// more `file` parts, each written to its own staged file in `tmp/` (never whole in memory),
/// all together bounded by `maxBytes`.
struct ConsoleUpload {
    enum Problem: Error, Equatable {
        case forged
        case malformed(String)
        case tooLarge
        case storage(String)

        init(_ problem: FaxUpload.Problem) {
            switch problem {
            case .malformed(let why): self = .malformed(why)
            case .tooLarge: self = .tooLarge
            case .storage(let why): self = .storage(why)
            }
        }
    }

    private var reader: FaxUpload
    private var staging: Staging

    init(boundary: String, csrfToken: String, maxBytes: Int64, spool: Spool) {
        reader = FaxUpload(boundary: boundary, maxBytes: maxBytes, textFields: ["csrf", "to"])
        staging = Staging(csrfToken: csrfToken, spool: spool)
    }

    var isFinished: Bool { reader.isFinished }
    var to: String? { reader.to?.trimmingCharacters(in: .whitespaces) }
    var files: [(name: String, upload: StagedUpload)] { staging.files }

    mutating func feed(_ bytes: some Collection<UInt8>) throws(Problem) {
        try reader.feed(bytes, problem: Problem.init) { part throws(Problem) in try staging.take(part) }
    }

    /// What the form adds to the reader: the token check and a staged file per chosen document.
    private struct Staging {
        let csrfToken: String
        let spool: Spool
        var sawToken = false
        var files: [(name: String, upload: StagedUpload)] = []
        /// The entry of `files` the current part goes to; none for a `file` part without a
        /// file name (what a browser sends when no document was chosen).
        var writing: Int?

        mutating func take(_ part: FaxUpload.Part) throws(Problem) {
            switch part {
            case .began(let headers, let file):
                if !sawToken && headers.name != "csrf" { throw .forged }
                writing = nil
                guard file != nil, let name = headers.filename, !name.isEmpty else { return }
                do {
                    files.append((name, try StagedUpload(spool: spool)))
                } catch {
                    throw .storage("\(error)")
                }
                writing = files.count - 1
            case .fileData(_, let data):
                guard let writing else { return }
                do { try files[writing].upload.write(data) } catch { throw .storage("\(error)") }
            case .fileEnded:
                guard let writing else { return }
                do { try files[writing].upload.finish() } catch { throw .storage("\(error)") }
            case .field(let name, let value):
                guard name == "csrf" else { return }
                guard SessionStore.sameToken(value, csrfToken) else { throw .forged }
                sawToken = true
            }
        }
    }
}
