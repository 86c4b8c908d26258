import Foundation
import MediaServer
import Network
import Observability
import TLS

/// Media made at test time with Debian's ffmpeg, once per test process.
enum Samples {
    static let ffmpeg = "/usr/bin/ffmpeg"

    static let directory: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("sealcast-client-\(getpid())")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()

    /// 320x240 25 fps H.264 with B-frames, AAC 44.1 kHz stereo, 3 s, a keyframe every second.
    static let h264AAC: URL = make("h264-aac.flv", [
        "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25",
        "-f", "lavfi", "-i", "sine=frequency=660:sample_rate=44100", "-t", "3",
        "-c:v", "libx264", "-preset", "ultrafast", "-bf", "2", "-g", "25", "-keyint_min", "25",
        "-sc_threshold", "0", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "64k", "-ac", "2",
    ])

    private static func make(_ name: String, _ arguments: [String]) -> URL {
        let url = directory.appendingPathComponent(name)
        if !FileManager.default.fileExists(atPath: url.path) {
            _ = try? runToEnd(
                ffmpeg, ["-hide_banner", "-nostdin", "-loglevel", "error", "-y"] + arguments + ["-f", "flv", url.path],
                name: "make-\(name)"
            )
        }
        return url
    }

    /// The audio and video packets of a file or stream as `ffmpeg -c copy -f framemd5` reports them.
    static func packets(of input: String, name: String) throws -> [Packet] {
        Packet.parse(try runToEnd(
            ffmpeg,
            ["-hide_banner", "-nostdin", "-loglevel", "error", "-rw_timeout", "4000000", "-i", input,
             "-c", "copy", "-f", "framemd5", "-"],
            name: name
        ))
    }

    /// A self-signed certificate for 127.0.0.1 and localhost, written once.
    static let certificate: (chain: String, key: String) = {
        let chain = directory.appendingPathComponent("cert.pem").path
        let key = directory.appendingPathComponent("key.pem").path
        if let made = try? SelfSignedCertificate.generate(
            commonName: "localhost", dnsNames: ["localhost"], ipAddresses: ["127.0.0.1"]
        ) {
            _ = FileManager.default.createFile(atPath: chain, contents: Data(made.certificatePEM.utf8))
            _ = FileManager.default.createFile(atPath: key, contents: Data(made.privateKeyPEM.utf8))
        }
        return (chain, key)
    }()
}

/// One audio or video packet line of framemd5 output: `stream, dts, pts, duration, size, hash`.
/// Packets compare by media type, size and hash, because live demuxers number streams in the
/// order their first packets arrive.
struct Packet: Equatable, CustomStringConvertible {
    var isVideo: Bool
    var size: Int
    var hash: String

    var description: String { "\(isVideo ? "video" : "audio") \(size) \(hash.prefix(8))" }

    static func parse(_ text: String) -> [Packet] {
        var videoStreams = Set<Int>()
        var audioStreams = Set<Int>()
        var packets: [Packet] = []
        for line in text.split(separator: "\n") {
            if line.hasPrefix("#media_type") {
                let number = Int(line.dropFirst("#media_type ".count).prefix { $0.isNumber }) ?? -1
                if line.hasSuffix(": video") { videoStreams.insert(number) }
                if line.hasSuffix(": audio") { audioStreams.insert(number) }
                continue
            }
            guard !line.hasPrefix("#") else { continue }
            let fields = line.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            guard fields.count == 6, let stream = Int(fields[0]), let size = Int(fields[4]) else { continue }
            guard videoStreams.contains(stream) || audioStreams.contains(stream) else { continue }
            packets.append(Packet(isVideo: videoStreams.contains(stream), size: size, hash: fields[5]))
        }
        return packets
    }
}

/// An in-process server on 127.0.0.1 with kernel-picked RTMP and RTMPS ports.
final class TestServer {
    static let key = "client-test-key-0123456789"
    let server: RTMPServer
    let logs = MemoryLogHandler()

    init(rtmpPort: Int = 0) throws {
        let tls = try TLSContext(configuration: .server(
            certificateChainFile: Samples.certificate.chain, privateKeyFile: Samples.certificate.key
        ))
        server = try RTMPServer(
            settings: RTMPServer.Settings(
                rtmp: ListenAddress(host: "127.0.0.1", port: rtmpPort),
                rtmps: ListenAddress(host: "127.0.0.1", port: 0),
                tls: tls,
                applications: [ApplicationConfiguration(
                    name: "live", streamKeys: [StreamKeyConfiguration(stream: "show", key: Self.key)]
                )],
                eventLoops: 1
            ),
            logger: Logger(label: "test-server", level: .debug, handler: logs)
        )
    }

    deinit { server.shutdown() }

    /// Waits up to `seconds` until the server logged `message` at least `count` times.
    func waitForLog(_ message: String, count: Int, seconds: Double = 30) async -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if logs.all.filter({ $0.message == message }).count >= count { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return false
    }

    var rtmpPort: Int { server.rtmpAddress!.port }
    var rtmpsPort: Int { server.rtmpsAddress!.port }
    var publishURL: String { "rtmp://127.0.0.1:\(rtmpPort)/live/\(Self.key)" }
    var playURL: String { "rtmp://127.0.0.1:\(rtmpPort)/live/show" }
    var rtmpsPublishURL: String { "rtmps://127.0.0.1:\(rtmpsPort)/live/\(Self.key)" }
    var rtmpsPlayURL: String { "rtmps://127.0.0.1:\(rtmpsPort)/live/show" }
}

/// A child process whose output goes to files, stopped by its PID when a wait runs out.
final class ChildProcess: @unchecked Sendable {
    let process = Process()
    let outputFile: URL
    let errorFile: URL

    init(_ executable: String, _ arguments: [String], name: String) throws {
        outputFile = Samples.directory.appendingPathComponent("\(name).out")
        errorFile = Samples.directory.appendingPathComponent("\(name).err")
        _ = FileManager.default.createFile(atPath: outputFile.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errorFile.path, contents: nil)
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: outputFile)
        process.standardError = try FileHandle(forWritingTo: errorFile)
        try process.run()
    }

    /// Waits up to `seconds`, then sends SIGINT, then SIGKILL, by PID.
    /// - Returns: the exit status, or `nil` when the process had to be stopped.
    @discardableResult
    func wait(seconds: Double) -> Int32? {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if !process.isRunning { return process.terminationStatus }
        stop()
        return nil
    }

    /// Waits like `wait(seconds:)`, but sleeps the task instead of blocking a thread of the
    /// concurrency pool, which other tasks of the test (such as a publisher) need.
    @discardableResult
    func waitAsync(seconds: Double) async -> Int32? {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        if !process.isRunning { return process.terminationStatus }
        stop()
        return nil
    }

    /// Stops the process by its PID: SIGINT, then SIGKILL after a second.
    func stop() {
        for signal in [SIGINT, SIGKILL] where process.isRunning {
            kill(process.processIdentifier, signal)
            let deadline = Date().addingTimeInterval(1)
            while process.isRunning && Date() < deadline { usleep(20_000) }
        }
        process.waitUntilExit()
    }

    var output: String { (try? String(contentsOf: outputFile, encoding: .utf8)) ?? "" }
    var errorOutput: String { (try? String(contentsOf: errorFile, encoding: .utf8)) ?? "" }
}

/// Runs a command within `seconds` and returns its standard output.
func runToEnd(_ executable: String, _ arguments: [String], name: String, seconds: Double = 60) throws -> String {
    let child = try ChildProcess(executable, arguments, name: name)
    let status = child.wait(seconds: seconds)
    guard status == 0 else {
        throw TestFailure("\(name) exited with \(status.map(String.init) ?? "a timeout"): \(child.errorOutput.suffix(1500))")
    }
    return child.output
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
