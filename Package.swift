// swift-tools-version:6.0
//
// FaxDrop — a watched-folder fax gateway.
//
// Licence boundary (SPEC §9): libinotifytools (GPL-2.0-only) and libgs (AGPL-3.0-or-later)
// must never be linked into the same binary. `faxdrop` links CInotifyTools through
// FaxDropWatcher; `faxdrop-render` links CGhostscript through FaxDropRenderer. No target
// that one executable depends on may depend on the other's library. The test bundle
// links the watcher but never libgs: renderer tests run the `faxdrop-render` executable.
import CompilerPluginSupport
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny")
]

// The products FaxDrop's targets use, named once.
let logging: Target.Dependency = .product(name: "Logging", package: "swift-log")
let nioCore: Target.Dependency = .product(name: "NIOCore", package: "swift-nio")
let nioPosix: Target.Dependency = .product(name: "NIOPosix", package: "swift-nio")
let argumentParser: Target.Dependency = .product(name: "ArgumentParser", package: "swift-argument-parser")
let hummingbird: Target.Dependency = .product(name: "Hummingbird", package: "hummingbird")

/// A FaxDrop module (library, executable or tests), built with the strict settings.
func module(_ name: String, _ dependencies: [Target.Dependency] = [], extra: [SwiftSetting] = []) -> Target {
    .target(name: name, dependencies: dependencies, swiftSettings: strict + extra)
}
func executable(_ name: String, _ dependencies: [Target.Dependency]) -> Target {
    .executableTarget(name: name, dependencies: dependencies, swiftSettings: strict)
}
func tests(_ name: String, _ dependencies: [Target.Dependency], exclude: [String] = []) -> Target {
    .testTarget(name: name, dependencies: dependencies, exclude: exclude, swiftSettings: strict)
}

let package = Package(
    name: "FaxDrop",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "faxdrop", targets: ["faxdrop"]),
        .executable(name: "faxdrop-render", targets: ["faxdrop-render"]),
        .executable(name: "faxdrop-asterisk-sim", targets: ["faxdrop-asterisk-sim"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.80.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        // The job index (issue 11), over Debian's libsqlite3 (libsqlite3-dev).
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        // `@PublicInit`'s compiler plugin (build time only).
        .package(url: "https://github.com/swiftlang/swift-syntax", from: "603.0.1"),
    ],
    targets: [
        // MARK: C libraries, one shim target each.
        .systemLibrary(name: "CInotifyTools", pkgConfig: nil, providers: [.apt(["libinotifytools0-dev"])]),
        .systemLibrary(name: "CGhostscript", providers: [.apt(["libgs-dev"])]),
        .systemLibrary(name: "CTIFF", pkgConfig: "libtiff-4", providers: [.apt(["libtiff-dev"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CJPEG", pkgConfig: "libjpeg", providers: [.apt(["libjpeg-dev"])]),
        .target(name: "CFaxDropSystem"),
        .systemLibrary(name: "CNettle", pkgConfig: "nettle", providers: [.apt(["nettle-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-gnutls-dev"])]),

        // MARK: Pure model: codes, numbers, ids, sidecar, configuration, render protocol.
        // `@PublicInit` (memberwise public inits), a compiler plugin: runs at build time only.
        .macro(
            name: "FaxDropMacros",
            dependencies: [
                .product(name: "SwiftSyntaxMacros", package: "swift-syntax"),
                .product(name: "SwiftCompilerPlugin", package: "swift-syntax"),
            ]),
        module("FaxDropCore", ["FaxDropMacros"]),
        // MARK: Every system call, wrapped once.
        module("FaxDropSystem", ["CFaxDropSystem", "CNettle"]),
        // MARK: Scheduling as a pure, time-injected state machine.
        module("FaxDropScheduler", ["FaxDropCore"]),
        // MARK: Intake: inotify (GPL-2.0-only libinotifytools) — faxdrop only.
        module("FaxDropWatcher", ["FaxDropCore", "FaxDropSystem", "CInotifyTools", logging]),
        // MARK: Reading fax TIFFs back (libtiff): page counts, Class F checks, pages as PNG (libpng).
        module("FaxDropFaxImage", ["FaxDropCore", "CTIFF", "CPNG"]),
        // MARK: Gray page to black and white (pure Swift, no C library): the renderer's image
        // decisions, linked by faxdrop-render and unit-tested on synthetic images.
        // Its per-pixel loops are optimised in debug builds too, so the renderer tests run the
        // debug `faxdrop-render` at release speed where it counts.
        module("FaxDropBilevel", extra: [.unsafeFlags(["-O"], .when(configuration: .debug))]),
        // MARK: The renderer engine (AGPL libgs + libtiff) — faxdrop-render only.
        module(
            "FaxDropRenderer",
            [
                "FaxDropCore", "FaxDropSystem", "FaxDropFaxImage", "FaxDropBilevel", "CGhostscript", "CTIFF", "CPNG",
                "CJPEG",
            ]),
        // MARK: The daemon's side of the renderer: a pool of `faxdrop-render` worker processes.
        module("FaxDropRenderClient", ["FaxDropCore", "FaxDropSystem", logging]),
        // MARK: Asterisk Manager Interface: framing, typed messages, session state machine, NIO client.
        module("FaxDropAMI", ["FaxDropCore", nioCore, nioPosix, logging]),
        // MARK: FAX_BACKEND=sip: the engine-facing backend on the AMI client, and `check`'s probe.
        module("FaxDropAsterisk", ["FaxDropCore", "FaxDropAMI", logging]),
        // MARK: The job index: SQLite (GRDB) mirroring sidecars and journals (issue 11).
        module(
            "FaxDropIndex", ["FaxDropCore", "FaxDropSystem", .product(name: "GRDB", package: "GRDB.swift"), logging]),
        // MARK: The daemon: spool, journal, sidecars, engine, backends, render pool, HTTP.
        module(
            "FaxDropDaemon",
            [
                "FaxDropCore", "FaxDropSystem", "FaxDropScheduler", "FaxDropWatcher", "FaxDropFaxImage", "FaxDropAMI",
                "FaxDropAsterisk", "FaxDropIndex", logging, nioPosix,
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),
        // MARK: Telling the world outside: systemd notifications, the result hook, the webhook (libcurl).
        module("FaxDropNotify", ["FaxDropCore", "FaxDropSystem", "FaxDropDaemon", "CCurl", logging, nioPosix]),
        // MARK: `faxdrop check`: what would stop the gateway from working here.
        module(
            "FaxDropDiagnostics",
            [
                "FaxDropCore", "FaxDropSystem", "FaxDropDaemon", "FaxDropAMI", "FaxDropAsterisk", "FaxDropFaxImage",
                "FaxDropRenderClient", "FaxDropNotify", logging, nioCore, nioPosix,
            ]),
        // MARK: The HTTP API, metrics and health (issue 6), served by Hummingbird 2.
        module(
            "FaxDropHTTP",
            [
                "FaxDropCore", "FaxDropSystem", "FaxDropDaemon", "FaxDropNotify", "FaxDropIndex", logging, nioCore,
                nioPosix, .product(name: "NIOHTTP1", package: "swift-nio"), hummingbird,
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ]),
        // MARK: The web console (issue 11): Hummingbird routes and Mustache pages, mounted on the
        // daemon's HTTP server. Reads the spool; acts through the same requests as the CLI.
        module(
            "FaxDropConsole",
            [
                "FaxDropCore", "FaxDropSystem", "FaxDropDaemon", "FaxDropHTTP", "FaxDropIndex", "FaxDropFaxImage",
                hummingbird, .product(name: "Mustache", package: "swift-mustache"), nioCore, logging,
            ]),
        // MARK: A fake Asterisk (AMI on loopback) that reproduces the captures.
        module("AsteriskSimulator", ["FaxDropCore", "FaxDropAMI", "FaxDropFaxImage", nioCore, nioPosix, logging]),

        // MARK: Executables.
        executable(
            "faxdrop",
            [
                "FaxDropDaemon", "FaxDropCore", "FaxDropSystem", "FaxDropHTTP", "FaxDropAMI", "FaxDropAsterisk",
                "FaxDropDiagnostics", "FaxDropRenderClient", "FaxDropFaxImage", "FaxDropIndex", "FaxDropConsole",
                argumentParser, hummingbird, logging,
            ]),
        executable("faxdrop-render", ["FaxDropRenderer", "FaxDropCore", "FaxDropSystem"]),
        // The rendering benchmark of issue 3 (a command in the README, not a test).
        executable(
            "faxdrop-render-bench", ["FaxDropRenderClient", "FaxDropFaxImage", "FaxDropCore", "FaxDropSystem", logging]),
        // The scheduler benchmark of issue 14 (a command in the README, not a test).
        executable("faxdrop-scheduler-bench", ["FaxDropScheduler", "FaxDropCore"]),
        // The job index benchmark of issue 11 (a command in the README, not a test).
        executable("faxdrop-index-bench", ["FaxDropIndex", "FaxDropCore", "FaxDropSystem", logging]),
        executable("faxdrop-asterisk-sim", ["AsteriskSimulator", argumentParser, logging]),

        // MARK: Tests.
        // Helpers several test targets share (running built programs, loopback sockets, a seeded
        // generator); Foundation only.
        .target(name: "FaxDropTestSupport", path: "Tests/FaxDropTestSupport", swiftSettings: strict),
        tests("FaxDropCoreTests", ["FaxDropCore", "FaxDropSystem"]),
        tests("FaxDropFaxImageTests", ["FaxDropFaxImage", "FaxDropCore", "FaxDropTestSupport"]),
        tests("FaxDropSchedulerTests", ["FaxDropScheduler", "FaxDropCore", "FaxDropTestSupport"]),
        tests("FaxDropWatcherTests", ["FaxDropWatcher", "FaxDropSystem", "FaxDropCore", logging]),
        tests(
            "FaxDropRendererTests",
            [
                "FaxDropCore", "FaxDropSystem", "FaxDropFaxImage", "FaxDropRenderClient", "CPNG", "FaxDropTestSupport",
                logging,
            ]),
        tests("FaxDropBilevelTests", ["FaxDropBilevel"]),
        tests(
            "FaxDropAMITests",
            [
                "FaxDropAMI", "FaxDropAsterisk", "FaxDropCore", "FaxDropFaxImage", "AsteriskSimulator",
                "FaxDropTestSupport", logging,
            ],
            exclude: ["Fixtures"]),
        tests("FaxDropIndexTests", ["FaxDropIndex", "FaxDropCore", "FaxDropSystem", logging]),
        tests(
            "FaxDropHTTPTests",
            [
                "FaxDropHTTP", "FaxDropNotify", "FaxDropDiagnostics", "FaxDropDaemon", "FaxDropCore", "FaxDropSystem",
                "FaxDropRenderClient", "FaxDropFaxImage", "FaxDropAMI", "AsteriskSimulator", "FaxDropIndex",
                "FaxDropTestSupport", logging,
                hummingbird,
            ]),
        tests(
            "FaxDropConsoleTests",
            [
                "FaxDropConsole", "FaxDropDaemon", "FaxDropCore", "FaxDropSystem", hummingbird,
                .product(name: "HummingbirdTesting", package: "hummingbird"), nioCore, logging,
            ]),
        tests(
            "FaxDropDaemonTests",
            [
                "FaxDropDaemon", "FaxDropCore", "FaxDropSystem", "FaxDropFaxImage", "AsteriskSimulator",
                "FaxDropRenderClient", "FaxDropAMI", "FaxDropAsterisk", "FaxDropTestSupport", logging,
            ]),
    ]
)
