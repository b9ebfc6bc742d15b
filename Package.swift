// swift-tools-version:6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "Nagare",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "nagare", targets: ["nagare"]),
        .library(name: "NagareKafka", targets: ["NagareKafka"]),
        .library(name: "NagareWire", targets: ["NagareWire"]),
        .library(name: "NagareBroker", targets: ["NagareBroker"]),
        .library(name: "NagareCore", targets: ["NagareCore"]),
        .library(name: "NagareEngine", targets: ["NagareEngine"]),
        .library(name: "NagareStore", targets: ["NagareStore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        // `nagare bench`'s latency percentiles.
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
    ],
    targets: [
        // librdkafka from Debian's librdkafka-dev, found through pkg-config.
        .systemLibrary(
            name: "CRdKafka",
            pkgConfig: "rdkafka",
            providers: [.apt(["librdkafka-dev"])]
        ),
        .target(name: "NagareCore", swiftSettings: swiftSettings),
        // The CPU's CRC-32C instruction, for the broker's check of every produced batch.
        .target(name: "CCRC32C"),
        // glibc malloc's thresholds (`mallopt`), for the long-running processes.
        .target(name: "CAllocator"),
        .target(name: "NagareWire", dependencies: ["NagareCore", "CCRC32C"], swiftSettings: swiftSettings),
        // Durable partition logs: segments, indexes, recovery, retention, compaction. No NIO, so
        // it is tested on its own.
        .target(name: "NagareLog", dependencies: ["NagareCore", "NagareWire"], swiftSettings: swiftSettings),
        // The stream processor: pipeline model, operators, per-partition tasks. No librdkafka and no
        // NIO: it sees sources and sinks through protocols that NagareRuntime binds to Kafka.
        .target(
            name: "NagareEngine",
            dependencies: ["NagareCore", .product(name: "Yams", package: "Yams")],
            swiftSettings: swiftSettings
        ),
        // The analytics store: rollup ingestion into SQLite (GRDB), an in-memory columnar index,
        // Druid native queries. No Kafka and no HTTP: NagareRuntime and NagareHTTP bind it.
        .target(
            name: "NagareStore",
            dependencies: [
                "NagareCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: swiftSettings
        ),
        // HTTP routes over the store: the Druid native query endpoint and datasource metadata. The
        // dashboard and /metrics plug into the same router later.
        .target(
            name: "NagareHTTP",
            dependencies: [
                "NagareStore", "NagareCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            // The dashboard's files are compiled in (DashboardAssets.swift, scripts/embed-dashboard.py)
            // so that a copied binary needs no resource bundle beside it.
            exclude: ["Dashboard"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "NagareBroker",
            dependencies: [
                "NagareCore", "NagareWire", "NagareLog",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "NagareKafka",
            dependencies: [
                "CRdKafka", "NagareCore",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "NagareRuntime",
            dependencies: [
                "NagareCore", "NagareKafka", "NagareBroker", "NagareEngine", "NagareStore", "NagareHTTP", "CAllocator",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "nagare",
            dependencies: [
                "NagareRuntime", "NagareKafka", "NagareCore", "NagareStore", "NagareHTTP",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "NagareCoreTests", dependencies: ["NagareCore"], swiftSettings: swiftSettings),
        .testTarget(name: "NagareWireTests", dependencies: ["NagareWire", "NagareCore"], swiftSettings: swiftSettings),
        .testTarget(name: "NagareEngineTests", dependencies: ["NagareEngine", "NagareCore"], swiftSettings: swiftSettings),
        .testTarget(name: "NagareStoreTests", dependencies: ["NagareStore", "NagareCore"], swiftSettings: swiftSettings),
        .testTarget(
            name: "NagareHTTPTests",
            dependencies: [
                "NagareHTTP", "NagareStore", "NagareCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "NagareLogTests", dependencies: ["NagareLog", "NagareWire", "NagareCore"], swiftSettings: swiftSettings),
        .testTarget(
            name: "NagareBrokerTests",
            dependencies: ["NagareBroker", "NagareWire", "NagareLog", "NagareCore"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "NagareKafkaTests",
            dependencies: ["NagareKafka", "NagareCore", "CRdKafka"],
            swiftSettings: swiftSettings
        ),
    ]
)
