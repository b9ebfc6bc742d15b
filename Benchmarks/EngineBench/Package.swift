// swift-tools-version:6.1
// The engine without I/O, timed in release: `swift run -c release --package-path Benchmarks/EngineBench`.
// A separate package so that `swift build` of the main package never builds it.
import PackageDescription

let package = Package(
    name: "EngineBench",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "Nagare", path: "../..")],
    targets: [
        .executableTarget(
            name: "EngineBench",
            dependencies: [
                .product(name: "NagareEngine", package: "Nagare"),
                .product(name: "NagareCore", package: "Nagare"),
            ]
        ),
    ]
)
