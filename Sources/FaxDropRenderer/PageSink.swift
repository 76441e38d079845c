import Foundation
import FaxDropCore
import FaxDropFaxImage

/// Receives gray pages in order, binarises them and appends them to the job's TIFF.
/// Stops the job (by throwing, or by answering false to Ghostscript) past the page limit.
final class PageSink {
    let writer: FaxImageWriter
    let resolution: Resolution
    let maximumPages: Int
    let trimBlankTail: Bool
    private let binarizer: Binarizer
    private(set) var pages = 0
    static let profile = ProcessInfo.processInfo.environment["FAXDROP_RENDER_PROFILE"] != nil
    private var lastPageEnd = ContinuousClock().now
    /// Why the sink refused a page, when it did.
    private(set) var failure: FaxError?

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
            let error = FaxError(.tooManyPages, "the document has more than \(maximumPages) pages (FAXDROP_MAX_PAGES)")
            failure = error
            throw error
        }
        guard width == faxPageWidthPixels else {
            let error = FaxError(.conversionFailed, "page \(pages + 1) rendered \(width) pixels wide, not \(faxPageWidthPixels)")
            failure = error
            throw error
        }
        let clock = ContinuousClock()
        let t0 = clock.now
        let page = binarizer.binarize(pixels, stride: stride, width: width, height: height, verticalDPI: resolution.verticalDPI)
        let t1 = clock.now
        defer {
            if PageSink.profile {
                FileHandle.standardError.write(
                    Data("page \(pages): binarize \(t1 - t0) local=\(page.local) photo=\(page.hasPhoto) write \(clock.now - t1) since-last \(t0 - lastPageEnd)\n".utf8))
            }
            lastPageEnd = clock.now
        }
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
            let failure = FaxError(.conversionFailed, "cannot write the fax image: \(error)")
            self.failure = failure
            throw failure
        }
        pages += 1
    }
}
