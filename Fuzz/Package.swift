// swift-tools-version:6.0
import PackageDescription

// libFuzzer targets for Sealcast's parsers and protocol state machines. Build them with
//     swift build -c release -Xswiftc -sanitize=fuzzer,address -Xswiftc -use-ld=lld
// or run scripts/fuzz.sh, which also replays the corpora and the committed failure cases.
//
// The main package exports only the MediaServer library, so every target here depends on
// that product and imports the modules beneath it (RTMP, AMF, FLV, Bytes, TLS), which are
// built as its dependencies.
let sealcast = Target.Dependency.product(name: "MediaServer", package: "Sealcast")

let package = Package(
    name: "SealcastFuzz",
    platforms: [.macOS(.v14)],
    dependencies: [
        // NOTE: SwiftPM identifies a path dependency by its folder name, so a checkout whose
        // folder is named "fuzz" clashes with this package ("fuzz" too) and fails to resolve.
        .package(name: "Sealcast", path: "..")
    ],
    targets: [
        .target(name: "FuzzSupport", dependencies: [sealcast]),
        .executableTarget(name: "FuzzHandshake", dependencies: ["FuzzSupport", sealcast]),
        .executableTarget(name: "FuzzChunkDecoder", dependencies: ["FuzzSupport", sealcast]),
        .executableTarget(name: "FuzzAMF0", dependencies: ["FuzzSupport", sealcast]),
        .executableTarget(name: "FuzzAMF3", dependencies: ["FuzzSupport", sealcast]),
        .executableTarget(name: "FuzzFLVTags", dependencies: ["FuzzSupport", sealcast]),
        .executableTarget(name: "FuzzServerSession", dependencies: ["FuzzSupport", sealcast]),
    ]
)
