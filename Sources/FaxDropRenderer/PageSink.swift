import Dispatch
import FaxDropBilevel
import FaxDropCore
import FaxDropFaxImage
import Foundation

/// Receives gray pages in order, binarises them and appends them to the job's TIFF.
/// Stops the job (by throwing, or by answering false to Ghostscript) past the page limit.
///
/// Binarising and G4 coding run on a second thread, a page behind the interpreter, so a
/// document takes about as long as Ghostscript's own rendering: each page is copied out of
/// Ghostscript's buffer (at most two in flight) and handed to a serial queue.
final class PageSink: @unchecked Sendable {
    let writer: FaxImageWriter
    let resolution: Resolution
    let maximumPages: Int
    let trimBlankTail: Bool
    private let binarizer: Binarizer
    private let queue = DispatchQueue(label: "faxdrop.render.pages")
    private let inFlight = DispatchSemaphore(value: 2)
    private let lock = NSLock()
    private var firstFailure: FaxError?
    private var spareBuffers: [[UInt8]] = []
    /// Pages accepted so far (the interpreter's thread only).
    private(set) var pages = 0
    static let profile = ProcessInfo.processInfo.environment["FAXDROP_RENDER_PROFILE"] != nil

    /// Why the sink refused a page, when it did.
    var failure: FaxError? { lock.withLock { firstFailure } }

    init(writer: FaxImageWriter, binarizer: Binarizer, resolution: Resolution, maximumPages: Int, trimBlankTail: Bool) {
        self.writer = writer
        self.binarizer = binarizer
        self.resolution = resolution
        self.maximumPages = maximumPages
        self.trimBlankTail = trimBlankTail
    }

    /// For Ghostscript's page callback: false stops the interpreter (see `failure`).
    func accept(_ page: GrayPageView) -> Bool {
        do {
            try add(page.pixels, stride: page.stride, width: page.width, height: page.height)
            return true
        } catch {
            return false
        }
    }

    func add(_ image: GrayImage) throws(FaxError) {
        try image.pixels.withUnsafeBufferPointer { (buffer) throws(FaxError) in
            try add(buffer.baseAddress!, stride: image.width, width: image.width, height: image.height)
        }
    }

    func add(_ pixels: UnsafePointer<UInt8>, stride: Int, width: Int, height: Int) throws(FaxError) {
        if let failure { throw failure }
        guard pages < maximumPages else {
            throw fail(FaxError(.tooManyPages, "the document has more than \(maximumPages) pages (FAXDROP_MAX_PAGES)"))
        }
        guard width == faxPageWidthPixels else {
            throw fail(
                FaxError(
                    .conversionFailed, "page \(pages + 1) rendered \(width) pixels wide, not \(faxPageWidthPixels)"))
        }
        inFlight.wait()
        var copy = lock.withLock { spareBuffers.popLast() } ?? []
        if copy.count != width * height { copy = [UInt8](repeating: 0, count: width * height) }
        copy.withUnsafeMutableBufferPointer { out in
            for y in 0..<height { (out.baseAddress! + y * width).update(from: pixels + y * stride, count: width) }
        }
        pages += 1
        let number = pages
        let gray = copy
        queue.async { [self] in
            defer { inFlight.signal() }
            if failure == nil { write(gray, width: width, height: height, number: number) }
            lock.withLock { spareBuffers.append(gray) }
        }
    }

    /// Waits until every accepted page is written (or refused).
    func drain() {
        queue.sync {}
    }

    @discardableResult
    private func fail(_ error: FaxError) -> FaxError {
        lock.withLock {
            if firstFailure == nil { firstFailure = error }
            return firstFailure!
        }
    }

    /// Binarises and appends one page (the queue's thread).
    private func write(_ gray: [UInt8], width: Int, height: Int, number: Int) {
        let clock = ContinuousClock()
        let start = clock.now
        let page = gray.withUnsafeBufferPointer {
            binarizer.binarize(
                $0.baseAddress!, stride: width, width: width, height: height, verticalDPI: resolution.verticalDPI)
        }
        let binarized = clock.now
        var rows = page.height
        if trimBlankTail {
            // HylaFAX-style page chop: cut a blank tail of at least an inch, keeping a
            // quarter inch after the last ink and at least an inch of page.
            let inch = resolution.verticalDPI
            let keep = max(inch, page.lastInkRow + 1 + inch / 4)
            if page.height - keep >= inch { rows = keep }
        }
        do {
            try page.bits.withUnsafeBytes { raw in
                try writer.appendPage(
                    rows: raw, bytesPerRow: page.bytesPerRow, width: page.width, height: rows, resolution: resolution)
            }
        } catch {
            fail(FaxError(.conversionFailed, "cannot write the fax image: \(error)"))
        }
        if PageSink.profile {
            FileHandle.standardError.write(
                Data(
                    "page \(number): binarize \(binarized - start) local=\(page.local) photo=\(page.hasPhoto) write \(clock.now - binarized)\n"
                        .utf8))
        }
    }
}
