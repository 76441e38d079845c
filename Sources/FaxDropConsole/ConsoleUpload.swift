import FaxDropCore
import FaxDropDaemon
import FaxDropHTTP
import Foundation

/// The send form's `multipart/form-data` body, read as it streams in: the first part must be
/// the form's `csrf` field and match the session's token, or the upload is refused before any
/// document byte is stored; then `to` and one or more `file` parts, each written to its own
/// staged file in `tmp/` (never whole in memory), all together bounded by `maxBytes`.
struct ConsoleUpload {
    enum Problem: Error, Equatable {
        case forged
        case malformed(String)
        case tooLarge
        case storage(String)
    }

    private var parser: MultipartParser
    private let csrfToken: String
    private let maxBytes: Int64
    private let spool: Spool
    private var current: MultipartParser.PartHeaders?
    private var field: [UInt8] = []
    private var sawToken = false
    private(set) var to: String?
    private(set) var files: [(name: String, upload: StagedUpload, bytes: Int64)] = []
    private var total: Int64 = 0

    init(boundary: String, csrfToken: String, maxBytes: Int64, spool: Spool) {
        parser = MultipartParser(boundary: boundary)
        self.csrfToken = csrfToken
        self.maxBytes = maxBytes
        self.spool = spool
    }

    var isFinished: Bool { parser.isFinished }

    mutating func feed(_ bytes: some Collection<UInt8>) throws(Problem) {
        let events: [MultipartParser.Event]
        do {
            events = try parser.feed(bytes)
        } catch {
            throw .malformed(error.description)
        }
        for event in events {
            switch event {
            case .partBegan(let headers):
                if !sawToken && headers.name != "csrf" { throw .forged }
                current = headers
                field = []
                if headers.name == "file", let name = headers.filename, !name.isEmpty {
                    guard files.count < JobDocument.maxCount else {
                        throw .malformed("more than \(JobDocument.maxCount) documents")
                    }
                    do {
                        files.append((name, try StagedUpload(spool: spool), 0))
                    } catch {
                        throw .storage("\(error)")
                    }
                }
            case .partData(let data):
                guard let current else { continue }
                if current.name == "file", current.filename?.isEmpty == false, !files.isEmpty {
                    total += Int64(data.count)
                    files[files.count - 1].bytes += Int64(data.count)
                    guard total <= maxBytes else { throw .tooLarge }
                    do { try files[files.count - 1].upload.write(data) } catch { throw .storage("\(error)") }
                } else if current.name != "file" {
                    field += data
                    guard field.count <= 4096 else { throw .malformed("the field \(current.name) is too long") }
                }
            case .partEnded:
                guard let ended = current else { continue }
                current = nil
                let value = String(decoding: field, as: UTF8.self)
                if ended.name == "csrf" {
                    guard SessionStore.sameToken(value, csrfToken) else { throw .forged }
                    sawToken = true
                } else if ended.name == "to" {
                    to = value.trimmingCharacters(in: .whitespaces)
                } else if ended.name == "file", ended.filename?.isEmpty == false, let last = files.last {
                    do { try last.upload.finish() } catch { throw .storage("\(error)") }
                }
            case .finished:
                break
            }
        }
    }
}
