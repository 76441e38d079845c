import FaxDropCore
import FaxDropFaxImage
import FaxDropSystem

/// The unsent pages of a fax image, for resuming a partial send (`FAXDROP_RESUME_PARTIAL`):
/// a copy of pages `firstPage...` in the job's folder, compressed data copied as it is.
enum PageSubset {
    struct Made {
        var path: String
        var pages: Int
    }

    /// `nil` when the copy cannot be made; the engine then ends the attempt `internal_error`
    /// rather than send pages the far end already has. The copy is written under a temporary
    /// name (`.fax-from-<page>.tif.part`) and renamed to `fax-from-<page>.tif` once whole, so
    /// a crash or a failed copy never leaves part of an image under the name that is sent.
    /// Blocking libtiff work: run it through `BlockingWork`.
    static func make(from path: String, firstPage: Int, spool: Spool, id: JobID) -> Made? {
        guard let all = try? FaxImage.inspect(path), firstPage >= 2, firstPage <= all.count else { return nil }
        let destination = spool.jobFolder(id) + "/fax-from-\(firstPage).tif"
        let temporary = spool.jobFolder(id) + "/.fax-from-\(firstPage).tif.part"
        guard
            let copied = try? FaxImage.copyPages(from: path, to: temporary, pages: Array((firstPage - 1)..<all.count)),
            (try? Syscall.rename(temporary, destination)) != nil
        else {
            try? Syscall.unlink(temporary)
            return nil
        }
        return Made(path: destination, pages: copied.count)
    }
}
