import Foundation
import MediaServer
import Network
import Observability
import TLS

/// Media samples made at test time with Debian's ffmpeg, once per test run.
enum Samples {
    static let ffmpeg = "/usr/bin/ffmpeg"
    static let ffprobe = "/usr/bin/ffprobe"

    static let directory: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("sealcast-interop-\(getpid())")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()

    /// 720p30 H.264 High + AAC-LC, a keyframe every 2 s (60 frames, no scene-cut keyframes), 6 s.
    static let h264AAC: URL = make("h264-aac-720p30.flv", [
        "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=30",
        "-f", "lavfi", "-i", "sine=frequency=1000:sample_rate=48000:beep_factor=4", "-t", "6",
        "-c:v", "libx264", "-preset", "veryfast", "-profile:v", "high", "-pix_fmt", "yuv420p",
        "-b:v", "3000k", "-maxrate", "3000k", "-bufsize", "3000k", "-g", "60", "-keyint_min", "60",
        "-sc_threshold", "0", "-bf", "0", "-c:a", "aac", "-b:a", "128k", "-ac", "2", "-ar", "48000",
    ])

    /// 640x360 H.264 with 3 B-frames (negative and positive composition offsets), AAC, 5 s.
    static let bFrames: URL = make("bframes-h264-aac.flv", [
        "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30",
        "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100:beep_factor=4", "-t", "5",
        "-c:v", "libx264", "-preset", "medium", "-profile:v", "high", "-bf", "3", "-b_strategy", "0",
        "-g", "60", "-keyint_min", "60", "-sc_threshold", "0", "-b:v", "800k", "-pix_fmt", "yuv420p",
        "-c:a", "aac", "-b:a", "96k", "-ac", "2",
    ])

    private static func make(_ name: String, _ arguments: [String]) -> URL {
        let url = directory.appendingPathComponent(name)
        if !FileManager.default.fileExists(atPath: url.path) {
            // Written under a unique name and renamed, so that no test opens a half-written sample.
            let partial = directory.appendingPathComponent("\(UUID().uuidString)-\(name)")
            _ = try? run(
                ffmpeg, ["-hide_banner", "-nostdin", "-loglevel", "error", "-y"] + arguments + ["-f", "flv", partial.path],
                directory: directory, name: "make-\(name)"
            )
            _ = rename(partial.path, url.path)
        }
        return url
    }

    /// The packets of a file as `ffmpeg -c copy -f framemd5` sees them.
    static func packets(of file: URL) throws -> [FramePacket] {
        FramePacket.parse(try run(
            ffmpeg, [
                "-hide_banner", "-nostdin", "-loglevel", "error", "-i", file.path, "-map", "0:v", "-map", "0:a",
                "-c", "copy", "-f", "framemd5", "-",
            ],
            directory: directory, name: "framemd5-\(file.lastPathComponent)"
        ))
    }

    /// The indices, among a file's video packets, of its keyframes.
    static func keyframeIndices(of file: URL) throws -> Set<Int> {
        let flags = try run(
            ffprobe, ["-v", "error", "-select_streams", "v", "-show_entries", "packet=flags", "-of", "csv=p=0", file.path],
            directory: directory, name: "keyframes-\(file.lastPathComponent)"
        )
        let lines = flags.split(separator: "\n")
        return Set(lines.indices.filter { lines[$0].hasPrefix("K") })
    }

    /// A self-signed ECDSA certificate for 127.0.0.1, written once.
    static let certificate: (chain: String, key: String) = {
        let chain = directory.appendingPathComponent("cert.pem").path
        let key = directory.appendingPathComponent("key.pem").path
        if let made = try? SelfSignedCertificate.generate(commonName: "localhost", dnsNames: ["localhost"], ipAddresses: ["127.0.0.1"]) {
            FileManager.default.createFile(atPath: chain, contents: Data(made.certificatePEM.utf8))
            FileManager.default.createFile(atPath: key, contents: Data(made.privateKeyPEM.utf8))
        }
        return (chain, key)
    }()
}

/// A server on 127.0.0.1 with kernel-chosen ports, logging into memory.
struct TestServer {
    static let key = "test-key-0123456789abcdef"
    let server: RTMPServer
    let logs = MemoryLogHandler()

    init() throws {
        let tls = try TLSContext(configuration: .server(
            certificateChainFile: Samples.certificate.chain, privateKeyFile: Samples.certificate.key
        ))
        server = try RTMPServer(
            settings: RTMPServer.Settings(
                rtmp: ListenAddress(host: "127.0.0.1", port: 0), rtmps: ListenAddress(host: "127.0.0.1", port: 0),
                tls: tls,
                applications: [ApplicationConfiguration(
                    name: "live", streamKeys: [StreamKeyConfiguration(stream: "show", key: Self.key)]
                )]
            ),
            logger: Logger(label: "test", level: .debug, handler: logs)
        )
    }

    var rtmpURL: String { "rtmp://127.0.0.1:\(server.rtmpAddress!.port)/live" }
    var rtmpsURL: String { "rtmps://127.0.0.1:\(server.rtmpsAddress!.port)/live" }

    /// Every log line with its metadata, for checks that a secret never appears.
    var logText: String {
        logs.all.map { record in
            record.message + " " + record.metadata.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        }.joined(separator: "\n")
    }
}
