// swift-tools-version:6.1
// The analytics store's query latency on one day of minute rollups (about 7 million rows), timed
// in release: `swift run -c release --package-path Benchmarks/StoreBench`. Benchmarks/store_queries.py
// runs it and the same queries in duckdb. A separate package so that `swift build` of the main
// package never builds it.
import PackageDescription

let package = Package(
    name: "StoreBench",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "Nagare", path: "../..")],
    targets: [
        .executableTarget(
            name: "StoreBench",
            dependencies: [
                .product(name: "NagareStore", package: "Nagare"),
                .product(name: "NagareCore", package: "Nagare"),
            ]
        ),
    ]
)
