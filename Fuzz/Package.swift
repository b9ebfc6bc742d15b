// swift-tools-version:6.1
// libFuzzer targets for NagareWire's decoders: the bytes a client can send the broker.
//
// A package of its own so that the main package's `swift build` and `swift test` never see the
// sanitizer flags these need. `make fuzz` at the root builds and runs them; see README.md.
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "NagareFuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        // Named explicitly so the product reference below does not depend on the name of the
        // directory the repository was cloned into.
        .package(name: "Nagare", path: ".."),
    ],
    targets: [
        // RequestHeader + request body decoding, as `Broker.respond(to:)` does on every frame.
        .executableTarget(
            name: "FuzzRequestFrame",
            dependencies: [.product(name: "NagareWire", package: "Nagare")],
            swiftSettings: swiftSettings
        ),
        // RecordBatchSplitter + RecordBatch decoding: what Produce's `records` field goes through.
        .executableTarget(
            name: "FuzzRecordBatch",
            dependencies: [.product(name: "NagareWire", package: "Nagare")],
            swiftSettings: swiftSettings
        ),
        // Writes the seed corpora under Corpus/ from NagareWire's encoders. Built without
        // sanitizers (`swift run GenerateCorpus`), never by `make fuzz`.
        .executableTarget(
            name: "GenerateCorpus",
            dependencies: [.product(name: "NagareWire", package: "Nagare")],
            swiftSettings: swiftSettings
        ),
    ]
)
