import FaxDropAMI
import FaxDropTestSupport
import XCTest

final class AMIDecoderTests: XCTestCase {
    func decodeAll(_ chunks: [ArraySlice<UInt8>]) throws -> [AMIFrame] {
        var decoder = AMIDecoder()
        var frames: [AMIFrame] = []
        for chunk in chunks {
            decoder.feed(chunk)
            frames += try decoder.frames()
        }
        return frames
    }

    func testBannerIsOneLineWithoutBlankLine() throws {
        let frames = try decodeAll([
            Array("Asterisk Call Manager/9.0.0\r\nResponse: Success\r\nActionID: a\r\n\r\n".utf8)[...]
        ])
        XCTAssertEqual(frames.count, 2)
        XCTAssertEqual(frames[0], .banner("Asterisk Call Manager/9.0.0"))
        guard case .message(let m) = frames[1] else { return XCTFail() }
        XCTAssertEqual(m.response, "Success")
        XCTAssertEqual(m["actionid"], "a")
    }

    func testBareLineFeedsStrayLineFeedAndValueBlanks() throws {
        let text =
            "Asterisk Call Manager/9.0.0\nResponse: Error\nMessage: Uniqueid length exceeds maximum of 149\n\r\n\r\n"
            + "Event: X\nA:no-space\nB:   lead and trail  \nNoColon\n\n"
        let frames = try decodeAll([Array(text.utf8)[...]])
        XCTAssertEqual(frames.count, 3)
        guard case .message(let error) = frames[1], case .message(let event) = frames[2] else { return XCTFail() }
        XCTAssertEqual(error["Message"], "Uniqueid length exceeds maximum of 149")
        XCTAssertEqual(event["A"], "no-space")
        XCTAssertEqual(event["B"], "lead and trail  ")
        XCTAssertEqual(event["NoColon"], "")
    }

    func testRepeatedHeadersKeepOrderAndFirstWins() throws {
        var decoder = AMIDecoder(expectBanner: false)
        decoder.feed(Array("Action: Originate\r\nVariable: A=1\r\nVariable: B=2\r\n\r\n".utf8))
        guard case .message(let m)? = try decoder.next() else { return XCTFail() }
        XCTAssertEqual(m["Variable"], "A=1")
        XCTAssertEqual(m.values("variable"), ["A=1", "B=2"])
    }

    func testOverlongLineIsAnError() {
        var decoder = AMIDecoder(expectBanner: false)
        decoder.feed([UInt8](repeating: UInt8(ascii: "x"), count: AMIDecoder.maximumLineLength + 10))
        XCTAssertThrowsError(try decoder.next())
    }

    /// Every capture gives the same frames however the bytes are split: byte by byte,
    /// at every single offset of the first 600 bytes (banner, login, first events), and in 60 random chunkings.
    func testEveryCaptureDecodesIdenticallyInEveryChunking() throws {
        var random = SplitMix64(state: 4)
        for name in Captures.names {
            let bytes = try Captures.bytes(name)
            let whole = try decodeAll([bytes[...]])
            XCTAssertGreaterThan(whole.count, 1, name)
            XCTAssertEqual(whole.first, .banner("Asterisk Call Manager/9.0.0"), name)
            // LF-only line ends decode to the same messages.
            let lfOnly = bytes.filter { $0 != UInt8(ascii: "\r") }
            XCTAssertEqual(try decodeAll([lfOnly[...]]), whole, "\(name) LF only")

            XCTAssertEqual(try decodeAll(bytes.indices.map { bytes[$0...$0] }), whole, "\(name) byte by byte")
            for offset in 0...min(bytes.count, 600) {
                XCTAssertEqual(
                    try decodeAll([bytes[..<offset], bytes[offset...]]), whole, "\(name) split at \(offset)")
            }
            for round in 0..<60 {
                var chunks: [ArraySlice<UInt8>] = []
                var start = 0
                while start < bytes.count {
                    let size = Int.random(in: 1...(round % 2 == 0 ? 7 : 700), using: &random)
                    let end = min(bytes.count, start + size)
                    chunks.append(bytes[start..<end])
                    start = end
                }
                XCTAssertEqual(try decodeAll(chunks), whole, "\(name) random chunking \(round)")
            }
        }
    }
}
