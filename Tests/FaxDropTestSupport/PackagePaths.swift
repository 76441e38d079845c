import Foundation

/// Where the package and what `swift build` built from it are.
public enum PackagePaths {
    /// The package root (where Package.swift is).
    public static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// The executable product `name`: beside the test bundle, or else in `.build/debug`.
    public static func executable(_ name: String) -> String {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent(name).path
        return FileManager.default.isExecutableFile(atPath: beside) ? beside : root + "/.build/debug/" + name
    }
}
