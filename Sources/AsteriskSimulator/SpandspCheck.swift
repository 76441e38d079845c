import FaxDropFaxImage
import Foundation

/// The checks spandsp 0.0.6's T.4 transmitter makes when res_fax hands it the TIFF
/// (AMI-REFERENCE §5), with the texts it fails with.
enum SpandspCheck {
    struct Outcome {
        /// Pages that can be sent before the first bad one.
        var goodPages: Int
        /// The spandsp completion text for the first bad page, if any.
        var failure: String?
        /// `FAXRESOLUTION` as res_fax reports it (pixels per metre).
        var resolution: String
    }

    static func check(_ path: String) -> Outcome {
        guard let pages = try? FaxImage.inspect(path), !pages.isEmpty else {
            return Outcome(goodPages: 0, failure: "TIFF/F file cannot be opened", resolution: "0x0")
        }
        var resolution = "0x0"
        for (index, page) in pages.enumerated() {
            if page.bitsPerSample != 1 || page.samplesPerPixel != 1 {
                return Outcome(goodPages: index, failure: "TIFF/F file cannot be opened", resolution: "0x0")
            }
            let x = page.horizontalDPI
            let y = page.verticalDPI
            let pageResolution = "\(pixelsPerMetre(x: x))x\(pixelsPerMetre(y: y))"
            if index == 0 { resolution = pageResolution }
            let unsupported = [300.0, 600, 800, 1200]
            if unsupported.contains(where: { near(x, $0) || near(y, $0) }) {
                return Outcome(
                    goodPages: index, failure: "Far end cannot receive at the resolution of the image",
                    resolution: pageResolution)
            }
            if page.width != 1728 {
                return Outcome(
                    goodPages: index, failure: "Far end cannot receive at the size of image", resolution: pageResolution
                )
            }
        }
        return Outcome(goodPages: pages.count, failure: nil, resolution: resolution)
    }

    static func near(_ value: Double, _ target: Double) -> Bool { abs(value - target) <= target * 0.05 }

    /// spandsp 0.0.6: unmatched horizontal resolutions count as R8 (204 dpi = 8031/m).
    static func pixelsPerMetre(x dpi: Double) -> Int {
        for (target, ppm) in [(102.0, 4016), (204, 8031), (300, 11811), (408, 16063)] where near(dpi, target) {
            return ppm
        }
        return 8031
    }

    /// Vertical: 98 dpi standard (3850), 196 fine (7700), 391 superfine (15400); unmatched = standard.
    static func pixelsPerMetre(y dpi: Double) -> Int {
        for (target, ppm) in [(98.0, 3850), (196, 7700), (300, 11811), (391, 15400)] where near(dpi, target) {
            return ppm
        }
        return 3850
    }
}
