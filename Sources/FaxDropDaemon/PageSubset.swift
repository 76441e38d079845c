import FaxDropCore

/// The unsent pages of a fax image, for resuming a partial send.
enum PageSubset {
    struct Made {
        var path: String
        var pages: Int
    }

    /// Not available yet: the caller sends the whole image from page 1.
    static func make(from path: String, firstPage: Int, spool: Spool, id: JobID) -> Made? { nil }
}
