/// A bilevel page ready for G4: packed rows, 1 bit per pixel, 1 = black, MSB first.
public struct BilevelPage: Sendable {
    public var width: Int
    public var height: Int
    public var bytesPerRow: Int
    public var bits: [UInt8]
    /// The last row holding a black pixel, or -1 for a blank page.
    public var lastInkRow: Int
    /// Whether some part of the page was dithered as a photograph.
    public var hasPhoto: Bool
    /// Tiles that went through the local threshold (0: the page had no light gray).
    public var local = 0
}
