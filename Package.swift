// swift-tools-version:6.0
//
// FaxDrop — a watched-folder fax gateway.
//
// Licence boundary (SPEC §9): libinotifytools (GPL-2.0-only) and libgs (AGPL-3.0-or-later)
// must never be linked into the same binary. `faxdrop` links CInotifyTools through
// FaxDropWatcher; `faxdrop-render` links CGhostscript through FaxDropRenderer. No target
// that one executable depends on may depend on the other's library. The test bundle
// links the watcher but never libgs: renderer tests run the `faxdrop-render` executable.
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny")
]

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
        .target(name: "FaxDropCore", swiftSettings: strict),
        // MARK: Every system call, wrapped once.
        .target(name: "FaxDropSystem", dependencies: ["CFaxDropSystem", "CNettle"], swiftSettings: strict),
        // MARK: Scheduling as a pure, time-injected state machine.
        .target(name: "FaxDropScheduler", dependencies: ["FaxDropCore"], swiftSettings: strict),
        // MARK: Intake: inotify (GPL-2.0-only libinotifytools) — faxdrop only.
        .target(
            name: "FaxDropWatcher",
            dependencies: [
                "FaxDropCore", "FaxDropSystem", "CInotifyTools", .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // MARK: Reading fax TIFFs back (libtiff): page counts, Class F checks, pages as PNG (libpng).
        .target(name: "FaxDropFaxImage", dependencies: ["FaxDropCore", "CTIFF", "CPNG"], swiftSettings: strict),
        // MARK: Gray page to black and white (pure Swift, no C library): the renderer's image
        // decisions, linked by faxdrop-render and unit-tested on synthetic images.
        // Its per-pixel loops are optimised in debug builds too, so the renderer tests run the
        // debug `faxdrop-render` at release speed where it counts.
        .target(name: "FaxDropBilevel", swiftSettings: strict + [.unsafeFlags(["-O"], .when(configuration: .debug))]),
        // MARK: The renderer engine (AGPL libgs + libtiff) — faxdrop-render only.
        .target(
            name: "FaxDropRenderer",
            dependencies: [
                "FaxDropCore", "FaxDropSystem", "FaxDropFaxImage", "FaxDropBilevel", "CGhostscript", "CTIFF", "CPNG",
                "CJPEG",
            ],
            swiftSettings: strict
        ),
        // MARK: The daemon's side of the renderer: a pool of `faxdrop-render` worker processes.
        .target(
            name: "FaxDropRenderClient",
            dependencies: ["FaxDropCore", "FaxDropSystem", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
        // MARK: Asterisk Manager Interface: framing, typed messages, session state machine, NIO client.
        .target(
            name: "FaxDropAMI",
            dependencies: [
                "FaxDropCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // MARK: FAX_BACKEND=sip: the engine-facing backend on the AMI client, and `check`'s probe.
        .target(
            name: "FaxDropAsterisk",
            dependencies: ["FaxDropCore", "FaxDropAMI", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
        // MARK: The job index: SQLite (GRDB) mirroring sidecars and journals (issue 11).
        .target(
            name: "FaxDropIndex",
            dependencies: [
                "FaxDropCore", "FaxDropSystem", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // MARK: The daemon: spool, journal, sidecars, engine, backends, render pool, HTTP.
        .target(
            name: "FaxDropDaemon",
            dependencies: [
                "FaxDropCore", "FaxDropSystem", "FaxDropScheduler", "FaxDropWatcher", "FaxDropFaxImage", "FaxDropAMI",
                "FaxDropAsterisk", "FaxDropIndex",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // MARK: Telling the world outside: systemd notifications, the result hook, the webhook (libcurl).
        .target(
            name: "FaxDropNotify",
            dependencies: [
                "FaxDropCore", "FaxDropSystem", "FaxDropDaemon", "CCurl",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        // MARK: `faxdrop check`: what would stop the gateway from working here.
        .target(
            name: "FaxDropDiagnostics",
            dependencies: [
                "FaxDropCore", "FaxDropSystem", "FaxDropDaemon", "FaxDropAMI", "FaxDropAsterisk", "FaxDropFaxImage",
                "FaxDropRenderClient", "FaxDropNotify",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        // MARK: The HTTP API, metrics and health (issue 6), served by Hummingbird 2.
        .target(
            name: "FaxDropHTTP",
            dependencies: [
                "FaxDropCore", "FaxDropSystem", "FaxDropDaemon", "FaxDropNotify", "FaxDropIndex",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            swiftSettings: strict
        ),
        // MARK: The web console (issue 11): Hummingbird routes and Mustache pages, mounted on the
        // daemon's HTTP server. Reads the spool; acts through the same requests as the CLI.
        .target(
            name: "FaxDropConsole",
            dependencies: [
                "FaxDropCore", "FaxDropSystem", "FaxDropDaemon", "FaxDropHTTP", "FaxDropIndex", "FaxDropFaxImage",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // MARK: A fake Asterisk (AMI on loopback) that reproduces the captures.
        .target(
            name: "AsteriskSimulator",
            dependencies: [
                "FaxDropCore", "FaxDropAMI", "FaxDropFaxImage",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),

        // MARK: Executables.
        .executableTarget(
            name: "faxdrop",
            dependencies: [
                "FaxDropDaemon", "FaxDropCore", "FaxDropSystem", "FaxDropHTTP", "FaxDropAMI", "FaxDropAsterisk",
                "FaxDropDiagnostics", "FaxDropRenderClient", "FaxDropFaxImage", "FaxDropIndex", "FaxDropConsole",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "faxdrop-render",
            dependencies: ["FaxDropRenderer", "FaxDropCore", "FaxDropSystem"],
            swiftSettings: strict
        ),
        // The rendering benchmark of issue 3 (a command in the README, not a test).
        .executableTarget(
            name: "faxdrop-render-bench",
            dependencies: [
                "FaxDropRenderClient", "FaxDropFaxImage", "FaxDropCore", "FaxDropSystem",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // The scheduler benchmark of issue 14 (a command in the README, not a test).
        .executableTarget(
            name: "faxdrop-scheduler-bench", dependencies: ["FaxDropScheduler", "FaxDropCore"], swiftSettings: strict),
        // The job index benchmark of issue 11 (a command in the README, not a test).
        .executableTarget(
            name: "faxdrop-index-bench",
            dependencies: [
                "FaxDropIndex", "FaxDropCore", "FaxDropSystem", .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "faxdrop-asterisk-sim",
            dependencies: [
                "AsteriskSimulator",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),

        // MARK: Tests.
        // Helpers several test targets share (running built programs, loopback sockets); Foundation only.
        .target(name: "FaxDropTestSupport", path: "Tests/FaxDropTestSupport", swiftSettings: strict),
        .testTarget(name: "FaxDropCoreTests", dependencies: ["FaxDropCore", "FaxDropSystem"], swiftSettings: strict),
        .testTarget(
            name: "FaxDropFaxImageTests", dependencies: ["FaxDropFaxImage", "FaxDropCore", "FaxDropTestSupport"],
            swiftSettings: strict),
        .testTarget(
            name: "FaxDropSchedulerTests", dependencies: ["FaxDropScheduler", "FaxDropCore", "FaxDropTestSupport"],
            swiftSettings: strict),
        .testTarget(
            name: "FaxDropWatcherTests",
            dependencies: [
                "FaxDropWatcher", "FaxDropSystem", "FaxDropCore", .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "FaxDropRendererTests",
            dependencies: [
                "FaxDropCore", "FaxDropSystem", "FaxDropFaxImage", "FaxDropRenderClient", "CPNG", "FaxDropTestSupport",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .testTarget(name: "FaxDropBilevelTests", dependencies: ["FaxDropBilevel"], swiftSettings: strict),
        .testTarget(
            name: "FaxDropAMITests",
            dependencies: [
                "FaxDropAMI", "FaxDropAsterisk", "FaxDropCore", "FaxDropFaxImage", "AsteriskSimulator",
                "FaxDropTestSupport", .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["Fixtures"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "FaxDropIndexTests",
            dependencies: [
                "FaxDropIndex", "FaxDropCore", "FaxDropSystem", .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "FaxDropHTTPTests",
            dependencies: [
                "FaxDropHTTP", "FaxDropNotify", "FaxDropDiagnostics", "FaxDropDaemon", "FaxDropCore", "FaxDropSystem",
                "FaxDropRenderClient", "FaxDropFaxImage", "FaxDropAMI", "AsteriskSimulator", "FaxDropIndex",
                "FaxDropTestSupport", .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "FaxDropConsoleTests",
            dependencies: [
                "FaxDropConsole", "FaxDropDaemon", "FaxDropCore", "FaxDropSystem",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "FaxDropDaemonTests",
            dependencies: [
                "FaxDropDaemon", "FaxDropCore", "FaxDropSystem", "FaxDropFaxImage", "AsteriskSimulator",
                "FaxDropRenderClient", "FaxDropAMI", "FaxDropAsterisk", "FaxDropTestSupport",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
    ]
)
