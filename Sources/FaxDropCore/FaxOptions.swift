/// Vertical resolution of a fax image. Both are 1728 px wide at 204 dpi horizontally.
public enum Resolution: String, Codable, Sendable, CaseIterable {
    /// 204×196 dpi, the default.
    case fine
    /// 204×98 dpi.
    case normal

    public var horizontalDPI: Int { 204 }
    public var verticalDPI: Int { self == .fine ? 196 : 98 }
}

/// Page length of a fax image.
public enum Paper: String, Codable, Sendable, CaseIterable {
    case letter, a4

    /// Page size in PostScript points (1/72 inch).
    public var points: (width: Double, height: Double) {
        switch self {
        case .letter: return (612, 792)
        case .a4: return (595.276, 841.89)
        }
    }

    /// Image height in pixels at a resolution: letter 2156 (fine) / 1078, A4 2292 / 1146.
    public func heightPixels(_ resolution: Resolution) -> Int {
        let fine = self == .letter ? 2156 : 2292
        return resolution == .fine ? fine : fine / 2
    }
}

/// The fixed width of a fax page in pixels (ITU-T T.4, A4/letter at 8 dots per mm).
public let faxPageWidthPixels = 1728
