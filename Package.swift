// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Sealcast",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "sealcast", targets: ["sealcast"]),
        .library(name: "MediaServer", targets: ["MediaServer"]),
    ],
    targets: [
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"])]
        ),
        .target(name: "CSystem"),
        .target(name: "Bytes"),
        .target(name: "AMF", dependencies: ["Bytes"]),
        .target(name: "FLV", dependencies: ["Bytes", "AMF"]),
        .target(name: "RTMP", dependencies: ["Bytes", "AMF", "FLV"]),
        .target(name: "TLS", dependencies: ["COpenSSL", "Bytes"]),
        .target(name: "Network", dependencies: ["Bytes", "TLS", "CSystem"]),
        .target(name: "Observability"),
        .target(
            name: "MediaServer",
            dependencies: ["RTMP", "FLV", "AMF", "Bytes", "Network", "TLS", "Observability"]
        ),
        .target(
            name: "RTMPClient",
            dependencies: ["RTMP", "FLV", "AMF", "Bytes", "Network", "TLS", "Observability"]
        ),
        .executableTarget(
            name: "sealcast",
            dependencies: ["MediaServer", "RTMPClient", "FLV", "TLS", "Network", "Observability"]
        ),

        .testTarget(name: "BytesTests", dependencies: ["Bytes"]),
        .testTarget(name: "AMFTests", dependencies: ["AMF", "Bytes"]),
        .testTarget(name: "FLVTests", dependencies: ["FLV", "AMF", "Bytes"]),
        .testTarget(name: "RTMPTests", dependencies: ["RTMP", "AMF", "FLV", "Bytes"]),
        .testTarget(name: "TLSTests", dependencies: ["TLS"]),
        .testTarget(name: "NetworkTests", dependencies: ["Network", "TLS", "Bytes", "CSystem"]),
        .testTarget(
            name: "MediaServerTests",
            dependencies: ["MediaServer", "RTMP", "Network", "TLS", "Observability", "Bytes", "AMF"]
        ),
        .testTarget(
            name: "RTMPClientTests",
            dependencies: ["RTMPClient", "MediaServer", "RTMP", "FLV", "Network", "TLS", "Observability", "Bytes"]
        ),
        .testTarget(name: "InteropTests", dependencies: ["MediaServer", "RTMPClient", "FLV", "TLS", "Observability"]),
    ]
)
