import FaxDropCore

extension FaxImage {
    /// Draws one bilevel page over another, black winning (a letterhead under the cover's
    /// fields): page 1 of `over` and page 1 of `under`, rendered at the same resolution and
    /// paper, are OR-ed row by row into a one-page Class F file at `destination`. The result
    /// has `over`'s size; rows of `under` beyond it are dropped. Both must be as wide.
    @discardableResult
    public static func overlay(_ over: String, onto under: String, resolution: Resolution, to destination: String)
        throws
        -> [FaxPageInfo]
    {
        var top = try readBitmap(over, page: 0)
        let bottom = try readBitmap(under, page: 0)
        guard top.width == bottom.width, top.bytesPerRow == bottom.bytesPerRow else {
            throw ReadError(path: under, message: "the page is \(bottom.width) pixels wide, not \(top.width)")
        }
        for y in 0..<min(top.height, bottom.height) {
            let start = y * top.bytesPerRow
            for i in start..<(start + top.bytesPerRow) { top.bits[i] |= bottom.bits[i] }
        }
        let writer = try FaxImageWriter(path: destination)
        try top.bits.withUnsafeBytes {
            try writer.appendPage(
                rows: $0, bytesPerRow: top.bytesPerRow, width: top.width, height: top.height, resolution: resolution,
                pageNumber: 0, pageCount: 1)
        }
        writer.close()
        return try inspect(destination)
    }
}
