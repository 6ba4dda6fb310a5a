// swift-tools-version:6.2
// Riposte — incident-response orchestration. Module layout: see ARCHITECTURE.md.
import PackageDescription

/// Strict settings every Swift target shares (as hummingbird and postgres-nio do).
let strict: [SwiftSetting] = [
    "ExistentialAny", "MemberImportVisibility", "InternalImportsByDefault", "NonisolatedNonsendingByDefault",
].map { .enableUpcomingFeature($0) }

func system(_ name: String, pkgConfig: String, apt: String) -> Target {
    .systemLibrary(name: name, pkgConfig: pkgConfig, providers: [.apt([apt])])
}

let package = Package(
    name: "Riposte",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "riposte", targets: ["riposte"])
    ],
    targets: [
        system("CMicroHTTPD", pkgConfig: "libmicrohttpd", apt: "libmicrohttpd-dev"),
        system("CSQLite", pkgConfig: "sqlite3", apt: "libsqlite3-dev"),
        system("COpenSSL", pkgConfig: "libcrypto", apt: "libssl-dev"),
        system("CArgon2", pkgConfig: "libargon2", apt: "libargon2-dev"),
        system("CZstd", pkgConfig: "libzstd", apt: "libzstd-dev"),
        system("CMaxMindDB", pkgConfig: "libmaxminddb", apt: "libmaxminddb-dev"),

        .target(name: "RiposteCore", swiftSettings: strict),
        .target(name: "RiposteRuntime", dependencies: ["RiposteCore", "COpenSSL", "CArgon2"], swiftSettings: strict),
        .target(name: "RiposteHTTP", dependencies: ["RiposteRuntime", "CMicroHTTPD"], swiftSettings: strict),
        .target(
            name: "RiposteStoreSQLite", dependencies: ["RiposteCore", "RiposteRuntime", "CSQLite", "CZstd"],
            swiftSettings: strict),
        .target(name: "RiposteIngest", dependencies: ["RiposteCore", "RiposteRuntime"], swiftSettings: strict),
        .target(name: "RiposteIntel", dependencies: ["RiposteCore", "RiposteRuntime", "CMaxMindDB"], swiftSettings: strict),
        .target(
            name: "RiposteWeb",
            dependencies: ["RiposteCore", "RiposteRuntime", "RiposteHTTP", "RiposteIngest", "RiposteIntel"],
            swiftSettings: strict
        ),
        .target(
            name: "RiposteApp",
            dependencies: [
                "RiposteCore", "RiposteRuntime", "RiposteHTTP", "RiposteStoreSQLite", "RiposteIngest",
                "RiposteIntel", "RiposteWeb",
            ],
            swiftSettings: strict
        ),
        .executableTarget(name: "riposte", dependencies: ["RiposteApp"], swiftSettings: strict),
        .target(
            name: "RiposteTesting",
            dependencies: ["RiposteCore", "RiposteRuntime", "RiposteHTTP"],
            swiftSettings: strict
        ),

        .testTarget(name: "RiposteCoreTests", dependencies: ["RiposteCore", "RiposteTesting"], swiftSettings: strict),
        .testTarget(
            name: "RiposteRuntimeTests",
            dependencies: ["RiposteRuntime", "RiposteCore", "RiposteHTTP", "RiposteTesting"],
            swiftSettings: strict
        ),
        .testTarget(name: "RiposteHTTPTests", dependencies: ["RiposteHTTP", "RiposteRuntime"], swiftSettings: strict),
        .testTarget(
            name: "RiposteStoreSQLiteTests",
            dependencies: ["RiposteStoreSQLite", "RiposteTesting", "RiposteCore", "RiposteRuntime"],
            exclude: ["Golden"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "RiposteIngestTests",
            dependencies: ["RiposteIngest", "RiposteCore", "RiposteRuntime", "RiposteHTTP", "RiposteTesting"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "RiposteIntelTests",
            dependencies: ["RiposteIntel", "RiposteCore", "RiposteRuntime", "RiposteHTTP", "RiposteTesting"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "RiposteWebTests",
            dependencies: [
                "RiposteApp", "RiposteWeb", "RiposteCore", "RiposteRuntime", "RiposteHTTP", "RiposteIngest",
                "RiposteIntel", "RiposteTesting",
            ],
            swiftSettings: strict
        ),

        // Release-mode benchmarks: `swift run -c release <name>`; see Benchmarks/README.md.
        .executableTarget(
            name: "IntelIndexBenchmark",
            dependencies: [
                "RiposteIntel", "RiposteCore", "RiposteRuntime", "RiposteStoreSQLite", "RiposteTesting", "RiposteWeb",
            ],
            path: "Benchmarks/IntelIndexBenchmark",
            swiftSettings: strict
        ),
        .executableTarget(
            name: "IngestBenchmark",
            dependencies: ["RiposteApp", "RiposteCore", "RiposteRuntime", "RiposteTesting", "RiposteWeb"],
            path: "Benchmarks/IngestBenchmark",
            swiftSettings: strict
        ),
        .executableTarget(
            name: "IncidentListBenchmark",
            dependencies: ["RiposteApp", "RiposteStoreSQLite", "RiposteCore", "RiposteRuntime", "RiposteTesting", "RiposteWeb"],
            path: "Benchmarks/IncidentListBenchmark",
            swiftSettings: strict
        ),
        .executableTarget(
            name: "LineParserBenchmark",
            dependencies: ["RiposteIngest", "RiposteCore", "RiposteTesting"],
            path: "Benchmarks/LineParserBenchmark",
            swiftSettings: strict
        ),
        .executableTarget(
            name: "SyslogBenchmark",
            dependencies: ["RiposteApp", "RiposteCore", "RiposteIngest", "RiposteRuntime", "RiposteTesting"],
            path: "Benchmarks/SyslogBenchmark",
            swiftSettings: strict
        ),
        .executableTarget(
            name: "JSONSourceBenchmark",
            dependencies: ["RiposteIngest", "RiposteCore", "RiposteTesting"],
            path: "Benchmarks/JSONSourceBenchmark",
            swiftSettings: strict
        ),
        .executableTarget(
            name: "TAXIIBenchmark",
            dependencies: ["RiposteIntel", "RiposteCore", "RiposteRuntime", "RiposteHTTP", "RiposteTesting"],
            path: "Benchmarks/TAXIIBenchmark",
            swiftSettings: strict
        ),
        .executableTarget(
            name: "RetroHuntBenchmark",
            dependencies: ["RiposteWeb", "RiposteStoreSQLite", "RiposteCore", "RiposteRuntime", "RiposteTesting"],
            path: "Benchmarks/RetroHuntBenchmark",
            swiftSettings: strict
        ),
        .executableTarget(
            name: "STIXImportBenchmark",
            dependencies: ["RiposteIntel", "RiposteCore", "RiposteTesting"],
            path: "Benchmarks/STIXImportBenchmark",
            swiftSettings: strict
        ),
        .executableTarget(
            name: "ExtractorBenchmark",
            dependencies: ["RiposteCore", "RiposteTesting"],
            path: "Benchmarks/ExtractorBenchmark",
            swiftSettings: strict
        ),
        .executableTarget(
            name: "PollerBenchmark",
            dependencies: ["RiposteApp", "RiposteCore", "RiposteIngest", "RiposteRuntime", "RiposteTesting"],
            path: "Benchmarks/PollerBenchmark",
            swiftSettings: strict
        ),
        .executableTarget(
            name: "GroupingBenchmark",
            dependencies: ["RiposteStoreSQLite", "RiposteIngest", "RiposteCore", "RiposteRuntime", "RiposteTesting"],
            path: "Benchmarks/GroupingBenchmark",
            swiftSettings: strict
        ),
        .executableTarget(
            name: "EnrichmentBenchmark",
            dependencies: ["RiposteApp", "RiposteIntel", "RiposteCore", "RiposteRuntime", "RiposteTesting"],
            path: "Benchmarks/EnrichmentBenchmark",
            swiftSettings: strict
        ),
        .executableTarget(
            name: "StartupBenchmark",
            dependencies: ["RiposteTesting"],
            path: "Benchmarks/StartupBenchmark",
            swiftSettings: strict
        ),
    ],
    swiftLanguageModes: [.v6]
)
