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
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        // librdkafka from Debian's librdkafka-dev, found through pkg-config.
        .systemLibrary(
            name: "CRdKafka",
            pkgConfig: "rdkafka",
            providers: [.apt(["librdkafka-dev"])]
        ),
        .target(name: "NagareCore", swiftSettings: swiftSettings),
        .target(name: "NagareWire", dependencies: ["NagareCore"], swiftSettings: swiftSettings),
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
                "NagareCore", "NagareKafka",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "nagare",
            dependencies: [
                "NagareRuntime", "NagareKafka", "NagareCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "NagareCoreTests", dependencies: ["NagareCore"], swiftSettings: swiftSettings),
        .testTarget(name: "NagareWireTests", dependencies: ["NagareWire", "NagareCore"], swiftSettings: swiftSettings),
        .testTarget(
            name: "NagareKafkaTests",
            dependencies: ["NagareKafka", "NagareCore", "CRdKafka"],
            swiftSettings: swiftSettings
        ),
    ]
)
