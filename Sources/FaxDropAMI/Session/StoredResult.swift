/// The copy of a FaxResult the dialplan keeps in AstDB (`FaxDrop/<call-id>`), so a
/// result that arrived while FaxDrop was disconnected is not lost: `Key=value` pairs
/// joined by `&`, each value percent-encoded by the dialplan's `URIENCODE()`.
public enum StoredResult {
    public static let family = "FaxDrop"

    public static func parse(_ value: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in value.split(separator: "&") {
            guard let eq = pair.firstIndex(of: "=") else { continue }
            fields[String(pair[..<eq])] = PercentEncoding.decode(String(pair[pair.index(after: eq)...]))
        }
        return fields
    }

    public static func encode(_ fields: [(String, String)]) -> String {
        fields.map { "\($0.0)=\(PercentEncoding.encode($0.1))" }.joined(separator: "&")
    }
}
