import ArgumentParser
import FaxDropAMI
import FaxDropCore
import FaxDropDaemon
import FaxDropFaxImage
import FaxDropSystem
import Foundation

/// `faxdrop receive-test FILE --did +1… --from +1…`: receiving without a telephone line
/// (issue 10). FILE is rendered by the daemon's renderer, written the way spandsp writes a
/// received fax (CCITT G3 2-D, FillOrder 2) into `receiving/` under a receive id, and
/// landed by the same `ReceiveLander` the daemon lands Asterisk's receives with.
struct ReceiveTestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "receive-test",
        abstract: "Deliver a document as a received fax (loopback backend): incoming/<DID>/<id>.pdf and .json.")

    @OptionGroup var document: DocumentArguments

    @Option(help: "The dialled number (DID) the fax arrives on, e.g. +15551002.")
    var did: String

    @Option(help: "The caller's number.")
    var from: String

    @Option(help: "The sending machine's station id.")
    var station = "FaxDrop receive-test"

    @Option(help: "normal (204x98) or fine (204x196).")
    var resolution: Resolution?

    func run() async throws {
        let configuration = try document.common.load()
        guard configuration.backend == .loopback else {
            throw ValidationError("receive-test needs FAX_BACKEND=loopback; with sip, call the trunk's DID instead")
        }
        guard InboundText.did(did) != nil else { throw ValidationError("--did must be + and 1 to 15 digits") }
        let logger = configuration.makeLogger(label: "faxdrop-receive-test")
        let spool = Spool(root: configuration.spool)
        try spool.createLayout()
        let receiveID = "\(Int(Date().timeIntervalSince1970)).\(UInt32.random(in: 1...UInt32.max))"
        let rendered = spool.tmp + "/receive-test-\(receiveID).tif"
        defer { try? Syscall.unlink(rendered) }
        do throws(FaxError) {
            _ = try await document.render(
                to: rendered, id: "receive-test", configuration, resolution: resolution ?? configuration.resolution,
                paper: configuration.paper, logger: logger)
        } catch {
            throw CodedFailure(error: error)
        }

        // What spandsp writes: the pages re-coded as G3 2-D, FillOrder 2, into receiving/.
        let staged = spool.tmp + "/receive-test-\(receiveID).g3.tif"
        let pages = try FaxImage.inspect(rendered)
        let writer = try FaxImageWriter(path: staged, coding: .g3TwoDimensional)
        for (index, page) in pages.enumerated() {
            let bitmap = try FaxImage.readBitmap(rendered, page: index)
            try bitmap.bits.withUnsafeBytes {
                try writer.appendPage(
                    rows: $0, bytesPerRow: bitmap.bytesPerRow, width: bitmap.width, height: bitmap.height,
                    resolution: page.verticalDPI < 150 ? .normal : .fine, pageNumber: index, pageCount: pages.count)
            }
        }
        writer.close()
        let lander = try ReceiveLander.make(configuration)
        let file = lander.receivedFile(receiveID)
        try Syscall.rename(staged, file)

        var event = FaxReceivedEvent()
        event.receiveID = receiveID
        event.did = did
        event.caller = from
        event.remoteStationID = station
        event.pages = pages.count
        event.status = "SUCCESS"
        event.statusString = "OK"
        event.hangupCause = 16
        event.duration = 0
        event.file = file
        let tiffBytes = try Syscall.lstat(file).size
        let raised = Date()
        guard let landed = try lander.land(event, now: raised, logger: logger) else {
            throw ValidationError("this receive was landed before")
        }
        print(landed.sidecarPath)
        let milliseconds = landed.pdfLandedAt.map { Int(($0.timeIntervalSince(raised) * 1000).rounded()) } ?? -1
        printError(
            "received \(landed.sidecar.pages.received) page(s): PDF \(landed.sidecar.document.bytes) bytes, "
                + "TIFF \(tiffBytes) bytes, event to PDF rename \(milliseconds) ms")
    }
}
