import Foundation

/// One AcroForm field of a generated form: a text field holding a typed value, or a check box.
struct FormField {
    /// The border style (`/BS /S`): solid, bevelled, inset, underlined.
    enum Style: String, CaseIterable {
        case solid = "S"
        case bevelled = "B"
        case inset = "I"
        case underlined = "U"
    }

    enum Kind {
        case text(String)
        case checkBox(checked: Bool)
    }

    var name: String
    var kind: Kind
    /// Lower-left corner and size, in PDF points (origin bottom left).
    var x: Double
    var y: Double
    var width: Double
    var height: Double
    var style: Style
    /// `/MK /BG` (the field's highlight colour, RGB 0...1), nil for none.
    var background: [Double]?
    /// `/MK /BC` (the border colour, RGB 0...1).
    var border: [Double] = [0, 0, 0]
    var fontSize: Double = 11

    var value: String? {
        if case .text(let value) = kind { return value }
        return nil
    }
}

/// A one-page letter-size filled form, written as a PDF the way form tools leave them: either
/// every widget carries its appearance stream (`/AP`), or none does and the form asks the
/// viewer to draw them (`/NeedAppearances true`).
struct FilledForm {
    var fields: [FormField]
    /// Static page text (labels, title): string, x, y in points.
    var labels: [(text: String, x: Double, y: Double)]
    /// Whether text fields carry appearance streams. Without them the form sets
    /// `/NeedAppearances true`, as form fillers do after typing values; check boxes keep the
    /// `/Yes` and `/Off` appearances of their template either way (`/AS` names one of them).
    var appearanceStreams: Bool

    func pdf() -> Data {
        // 1 catalog, 2 pages, 3 page, 4 page content, 5 Helvetica, 6 AcroForm, 7 ZapfDingbats,
        // then per field its widget and, with appearance streams, one or two forms.
        var objects: [String] = []
        var widgets: [Int] = []
        var extra: [String] = []
        var next = 8
        var widgetObjects: [String] = []
        for field in fields {
            let widgetNumber = next
            next += 1
            widgets.append(widgetNumber)
            var appearance = ""
            switch field.kind {
            case .text:
                if appearanceStreams {
                    appearance = "/AP << /N \(next) 0 R >>"
                    extra.append(Self.formXObject(field, content: Self.textAppearance(field)))
                    next += 1
                }
            case .checkBox:
                appearance = "/AP << /N << /Yes \(next) 0 R /Off \(next + 1) 0 R >> >>"
                extra.append(Self.formXObject(field, content: Self.checkAppearance(field, on: true)))
                extra.append(Self.formXObject(field, content: Self.checkAppearance(field, on: false)))
                next += 2
            }
            widgetObjects.append(Self.widget(field, appearance: appearance))
        }
        var content = ""
        for label in labels {
            content += "BT /F1 10 Tf 0 g \(Self.n(label.x)) \(Self.n(label.y)) Td (\(Self.escaped(label.text))) Tj ET\n"
        }
        let refs = widgets.map { "\($0) 0 R" }.joined(separator: " ")
        objects.append("<< /Type /Catalog /Pages 2 0 R /AcroForm 6 0 R >>")
        objects.append("<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
        objects.append(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
                + "/Resources << /Font << /F1 5 0 R >> >> /Annots [\(refs)] >>")
        objects.append("<< /Length \(content.utf8.count) >>\nstream\n\(content)endstream")
        objects.append("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
        objects.append(
            "<< /Fields [\(refs)] /DA (/Helv 0 Tf 0 g) /DR << /Font << /Helv 5 0 R /ZaDb 7 0 R >> >>"
                + (appearanceStreams ? "" : " /NeedAppearances true") + " >>")
        objects.append("<< /Type /Font /Subtype /Type1 /BaseFont /ZapfDingbats >>")
        // Widgets come first, then the appearance forms, matching the numbering above.
        var ordered: [String] = []
        var formIndex = 0
        for (i, field) in fields.enumerated() {
            ordered.append(widgetObjects[i])
            let count: Int
            if case .checkBox = field.kind { count = 2 } else { count = appearanceStreams ? 1 : 0 }
            ordered.append(contentsOf: extra[formIndex..<(formIndex + count)])
            formIndex += count
        }
        return RenderTestSupport.pdf(objects: objects + ordered)
    }

    // MARK: Objects

    private static func widget(_ field: FormField, appearance: String) -> String {
        let rect = "[\(n(field.x)) \(n(field.y)) \(n(field.x + field.width)) \(n(field.y + field.height))]"
        var mk = "/BC [\(colour(field.border))]"
        if let bg = field.background { mk += " /BG [\(colour(bg))]" }
        let common =
            "/Type /Annot /Subtype /Widget /T (\(field.name)) /Rect \(rect) /F 4 /P 3 0 R "
            + "/BS << /W 1 /S /\(field.style.rawValue) >> "
        switch field.kind {
        case .text(let value):
            return
                "<< \(common)/FT /Tx /V (\(escaped(value))) /DA (/Helv \(n(field.fontSize)) Tf 0 g) /MK << \(mk) >> \(appearance) >>"
        case .checkBox(let checked):
            let state = checked ? "/Yes" : "/Off"
            return
                "<< \(common)/FT /Btn /V \(state) /AS \(state) /DA (/ZaDb 0 Tf 0 g) /MK << \(mk) /CA (4) >> \(appearance) >>"
        }
    }

    private static func formXObject(_ field: FormField, content: String) -> String {
        "<< /Type /XObject /Subtype /Form /BBox [0 0 \(n(field.width)) \(n(field.height))] "
            + "/Resources << /Font << /Helv 5 0 R /ZaDb 7 0 R >> >> /Length \(content.utf8.count) >>\n"
            + "stream\n\(content)endstream"
    }

    /// The field's frame as Acrobat draws it: background, border, and for bevelled or inset
    /// fields a second, inner edge in a light and a dark shade.
    static func frame(_ field: FormField) -> String {
        let w = field.width
        let h = field.height
        var s = ""
        if let bg = field.background { s += "\(colour(bg)) rg 0 0 \(n(w)) \(n(h)) re f\n" }
        switch field.style {
        case .underlined:
            s += "\(colour(field.border)) RG 1 w 0 0.5 m \(n(w)) 0.5 l S\n"
            return s
        case .solid, .bevelled, .inset:
            s += "\(colour(field.border)) RG 1 w 0.5 0.5 \(n(w - 1)) \(n(h - 1)) re S\n"
        }
        let (light, dark): (String, String)
        switch field.style {
        case .bevelled:
            let bg = field.background ?? [1, 1, 1]
            light = "1 g"
            dark = "\(colour(bg.map { $0 * 0.5 })) rg"
        case .inset:
            light = "0.5 g"
            dark = "0.75 g"
        default: return s
        }
        // Upper-left L in the light shade, lower-right L in the dark one, each 1 pt thick.
        s +=
            "\(light) 1 1 m 1 \(n(h - 1)) l \(n(w - 1)) \(n(h - 1)) l \(n(w - 2)) \(n(h - 2)) l 2 \(n(h - 2)) l 2 2 l f\n"
        s +=
            "\(dark) \(n(w - 1)) \(n(h - 1)) m \(n(w - 1)) 1 l 1 1 l 2 2 l \(n(w - 2)) 2 l \(n(w - 2)) \(n(h - 2)) l f\n"
        return s
    }

    static func textAppearance(_ field: FormField) -> String {
        let baseline = (field.height - field.fontSize * 0.72) / 2
        return "q\n" + frame(field) + "/Tx BMC q 2 2 \(n(field.width - 4)) \(n(field.height - 4)) re W n "
            + "BT /Helv \(n(field.fontSize)) Tf 0 g 4 \(n(baseline)) Td (\(escaped(field.value ?? ""))) Tj ET Q EMC\nQ\n"
    }

    static func checkAppearance(_ field: FormField, on: Bool) -> String {
        var s = "q\n" + frame(field)
        if on {
            let size = field.height * 0.8
            s +=
                "BT /ZaDb \(n(size)) Tf 0 g \(n((field.width - size * 0.85) / 2)) \(n(field.height * 0.2)) Td (4) Tj ET\n"
        }
        return s + "Q\n"
    }

    // MARK: Formatting

    static func n(_ v: Double) -> String { String(format: "%.4f", v) }

    static func colour(_ c: [Double]) -> String { c.map { n($0) }.joined(separator: " ") }

    static func escaped(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "(", with: "\\(")
            .replacingOccurrences(of: ")", with: "\\)")
    }
}
