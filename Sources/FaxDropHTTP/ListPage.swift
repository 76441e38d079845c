/// One page of a list as the API answers it (`GET /fax`, `GET /inbound`): the page's entries
/// under the list's own name (`rows`, `items`), with `total`, `page` and `per_page`.
struct ListPage<Entry: Encodable>: Encodable {
    var name: String
    var entries: [Entry]
    var total: Int
    var page: Int
    var perPage: Int

    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(entries, forKey: Key(stringValue: name))
        try container.encode(total, forKey: Key(stringValue: "total"))
        try container.encode(page, forKey: Key(stringValue: "page"))
        try container.encode(perPage, forKey: Key(stringValue: "per_page"))
    }
}

extension ListPage {
    /// Page `page` (from 1) of `all`, `perPage` entries a page.
    init(_ name: String, page: Int, perPage: Int, of all: [Entry]) {
        let start = min(all.count, (page - 1) * perPage)
        let entries = Array(all[start..<min(all.count, start + perPage)])
        self.init(name: name, entries: entries, total: all.count, page: page, perPage: perPage)
    }
}
