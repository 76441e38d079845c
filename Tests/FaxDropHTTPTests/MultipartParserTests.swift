import FaxDropHTTP
import XCTest

/// The multipart parser gets the same body in every chunking and must see the same fields.
final class MultipartParserTests: XCTestCase {
    static let boundary = "------------------------d74496d66958873e"

    static func body(file: [UInt8], name: String = "x.pdf") -> [UInt8] {
        var b: [UInt8] = []
        b += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"to\"\r\n\r\n+15551234567\r\n".utf8)
        b += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(name)\"\r\n".utf8)
        b += Array("Content-Type: application/pdf\r\n\r\n".utf8)
        b += file
        b += Array("\r\n--\(boundary)--\r\n".utf8)
        return b
    }

    /// A document that contains near-delimiters: CRLF, "--", and the boundary minus its last byte.
    static let trickyFile: [UInt8] =
        Array("%PDF-1.4\r\n--\r\n\r\n--".utf8) + Array("\r\n--\(boundary.dropLast())".utf8) + Array(0...255) + [13, 10, 45]

    struct Collected {
        var upload: FaxUpload
        var file: [UInt8]?
        var to: String? { upload.to }
        var fileName: String? { upload.fileName }
    }

    func collect(_ body: [UInt8], pieces: [Int]) throws -> Collected {
        var upload = FaxUpload(boundary: Self.boundary, maxBytes: 1 << 20)
        var file: [UInt8] = []
        var offset = 0
        for size in pieces {
            let end = min(body.count, offset + size)
            try upload.feed(body[offset..<end]) { file += $0 }
            offset = end
        }
        try upload.feed(body[offset...]) { file += $0 }
        try upload.finish()
        XCTAssertEqual(upload.fileBytes, Int64(file.count))
        XCTAssertEqual(upload.head, Array(file.prefix(4096)))
        return Collected(upload: upload, file: upload.hasFile ? file : nil)
    }

    func testEverySplitInTwo() throws {
        let body = Self.body(file: Self.trickyFile)
        for cut in 0...body.count {
            let upload = try collect(body, pieces: [cut])
            XCTAssertEqual(upload.to, "+15551234567", "cut at \(cut)")
            XCTAssertEqual(upload.file, Self.trickyFile, "cut at \(cut)")
            XCTAssertEqual(upload.fileName, "x.pdf")
        }
    }

    func testByteByByteAndRandomPieces() throws {
        let body = Self.body(file: Self.trickyFile)
        XCTAssertEqual(try collect(body, pieces: Array(repeating: 1, count: body.count)).file, Self.trickyFile)
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            var pieces: [Int] = []
            var total = 0
            while total < body.count {
                let n = Int.random(in: 1...97, using: &generator)
                pieces.append(n)
                total += n
            }
            XCTAssertEqual(try collect(body, pieces: pieces).file, Self.trickyFile)
        }
    }

    func testPreambleQuotedBoundaryAndEscapedFileName() throws {
        XCTAssertEqual(
            MultipartParser.boundary(fromContentType: "multipart/form-data; boundary=\"a b:c\""), "a b:c")
        XCTAssertEqual(
            MultipartParser.boundary(fromContentType: "Multipart/Form-Data;boundary=xyz; charset=utf-8"), "xyz")
        XCTAssertNil(MultipartParser.boundary(fromContentType: "application/pdf"))
        XCTAssertNil(MultipartParser.boundary(fromContentType: "multipart/form-data"))
        let body = Array("preamble to skip\r\n".utf8) + Self.body(file: [1, 2, 3], name: #"my \"report\".pdf"#)
        let upload = try collect(body, pieces: [7])
        XCTAssertEqual(upload.fileName, #"my "report".pdf"#)
        XCTAssertEqual(upload.file, [1, 2, 3])
    }

    func testTruncatedBodyIsRefused() throws {
        let body = Self.body(file: [1, 2, 3])
        var upload = FaxUpload(boundary: Self.boundary, maxBytes: 100)
        try upload.feed(body.dropLast(10)) { _ in }
        XCTAssertThrowsError(try upload.finish())
    }

    func testOversizedFileStopsEarly() throws {
        var upload = FaxUpload(boundary: Self.boundary, maxBytes: 100)
        let body = Self.body(file: Array(repeating: 65, count: 1000))
        XCTAssertThrowsError(try upload.feed(body) { _ in }) { error in
            XCTAssertEqual(error as? FaxUpload.Problem, .tooLarge)
        }
    }

    func testHeaderFloodIsRefused() throws {
        var upload = FaxUpload(boundary: Self.boundary, maxBytes: 100)
        let head = Array("--\(Self.boundary)\r\nX: ".utf8) + Array(repeating: 65, count: 10_000)
        XCTAssertThrowsError(try upload.feed(head) { _ in })
    }
}
