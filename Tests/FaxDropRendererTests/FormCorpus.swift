import Foundation

/// The filled-forms corpus of issue 17, generated: two layouts (a prior authorization and a
/// claim), each with and without appearance streams, each at two offsets on the page, so the
/// same field styles fall at many places of the pixel grid. Every page mixes the four border
/// styles (solid, bevelled, inset, underlined) and several highlight colours, and carries
/// check boxes, half of them checked.
enum FormCorpus {
    struct Page {
        var name: String
        var form: FilledForm
    }

    /// Highlight colours seen on real forms: none, Acrobat's light blue, light gray, pale
    /// yellow, mint, a mid gray.
    static let fills: [[Double]?] = [
        [0.80, 0.85, 1.0], [0.85, 0.85, 0.85], nil, [1.0, 1.0, 0.80], [0.85, 0.95, 0.85], [0.75, 0.75, 0.75],
    ]

    static let authorization: [(label: String, value: String)] = [
        ("Patient name", "Margaret Delgado"),
        ("Date of birth", "03/14/1957"),
        ("Member ID", "MBR 4471 0932"),
        ("Group number", "GRP 20815"),
        ("Prescriber", "Dr. Anil Raman"),
        ("Prescriber NPI", "1457382906"),
        ("Medication", "Ozempic 0.5 mg"),
        ("Diagnosis code", "E11.65"),
        ("Pharmacy phone", "(555) 013-2291"),
        ("Start date", "11/02/2026"),
        ("Quantity", "4 pens"),
        ("Plan name", "Blue Valley Gold"),
    ]

    static let claim: [(label: String, value: String)] = [
        ("Insured name", "Tomasz Kowalczyk"),
        ("Birth date", "08/29/1971"),
        ("Policy number", "PLC 88320417"),
        ("Patient account", "ACCT 556 201"),
        ("Referring provider", "Helen Okafor"),
        ("Service date", "10/17/2026"),
        ("Procedure code", "99214"),
        ("Charges", "$245.00"),
        ("Facility", "Riverside Clinic"),
        ("Employer", "Harbor Freight Lines"),
        ("Claim number", "CLM 7730 1146"),
        ("Signature date", "11/20/2026"),
    ]

    /// Every page of the corpus.
    static func pages() -> [Page] {
        var pages: [Page] = []
        for (layoutIndex, layout) in [authorization, claim].enumerated() {
            for appearanceStreams in [true, false] {
                // Offsets in points that are not whole pixels at 204×196 dpi.
                for (offsetIndex, offset) in [(0.0, 0.0), (5.3, -9.1)].enumerated() {
                    let form = make(
                        layout, twoColumns: layoutIndex == 0, appearanceStreams: appearanceStreams,
                        dx: offset.0 + Double(layoutIndex) * 2.2, dy: offset.1, rotation: offsetIndex + 2 * layoutIndex)
                    let name =
                        "\(layoutIndex == 0 ? "authorization" : "claim")-\(appearanceStreams ? "ap" : "needap")-\(offsetIndex)"
                    pages.append(Page(name: name, form: form))
                }
            }
        }
        return pages
    }

    /// Lays `entries` out as labelled fields (two columns or one), then four check boxes.
    /// `rotation` shifts which style and colour each field gets, so over the corpus every
    /// style meets every colour at several places.
    static func make(
        _ entries: [(label: String, value: String)], twoColumns: Bool, appearanceStreams: Bool, dx: Double, dy: Double,
        rotation: Int
    ) -> FilledForm {
        let styles = FormField.Style.allCases
        var fields: [FormField] = []
        var labels: [(text: String, x: Double, y: Double)] = [
            (twoColumns ? "PRIOR AUTHORIZATION REQUEST" : "HEALTH INSURANCE CLAIM", 72 + dx, 730 + dy)
        ]
        let rows = twoColumns ? (entries.count + 1) / 2 : entries.count
        let rowHeight = twoColumns ? 52.0 : 40.0
        for (i, entry) in entries.enumerated() {
            let column = twoColumns ? i / rows : 0
            let row = twoColumns ? i % rows : i
            let labelX = 60 + Double(column) * 270 + dx
            let top = 690 - Double(row) * rowHeight + dy
            let style = styles[(i + rotation) % styles.count]
            let fill = fills[(i + 2 * rotation) % fills.count]
            let field: FormField
            if twoColumns {
                labels.append((entry.label, labelX, top))
                field = FormField(
                    name: "f\(i)", kind: .text(entry.value), x: labelX, y: top - 28, width: 220, height: 20,
                    style: style, background: fill)
            } else {
                labels.append((entry.label, labelX, top - 14))
                field = FormField(
                    name: "f\(i)", kind: .text(entry.value), x: labelX + 130, y: top - 20, width: 260, height: 22,
                    style: style, background: fill)
            }
            fields.append(field)
        }
        let boxTop = 690 - Double(rows) * rowHeight - 10 + dy
        for j in 0..<4 {
            let x = 60 + Double(j) * 120 + dx
            labels.append(("Option \(j + 1)", x + 18, boxTop + 2))
            fields.append(
                FormField(
                    name: "c\(j)", kind: .checkBox(checked: (j + rotation) % 2 == 0), x: x, y: boxTop, width: 12,
                    height: 12,
                    style: styles[(j + rotation) % styles.count], background: fills[(j + rotation) % fills.count]))
        }
        return FilledForm(fields: fields, labels: labels, appearanceStreams: appearanceStreams)
    }
}
