/// Names in the drop zone that FaxDrop never touches (SPEC §1): hidden and lock files,
/// partial downloads and uploads, and the litter of desktop file managers.
public enum IgnoreRules {
    public static func isIgnored(_ name: String) -> Bool {
        if name.hasPrefix(".") || name.hasPrefix("~$") { return true }  // also covers ._* and .DS_Store
        let lower = name.lowercased()
        for suffix in [".tmp", ".part", ".crdownload"] where lower.hasSuffix(suffix) { return true }
        return lower == "thumbs.db" || lower == "desktop.ini"
    }
}
