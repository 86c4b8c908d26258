import FLV
import Foundation
import Testing

/// The `sealcast publish`, `play` and `probe` tools against Sealcast, nginx-rtmp and ffmpeg 9.
@Suite(.serialized, .timeLimit(.minutes(4)))
struct ClientToolsTests {
    let live = FFmpegLiveTests()
    var executable: String { CommandLineTests.executable }

    func startSealcastPlay(_ url: String, output: URL, name: String, tls: [String] = []) throws -> ExternalProcess {
        try? FileManager.default.removeItem(at: output)
        return try ExternalProcess(executable, ["play", url, "-o", output.path] + tls, directory: Samples.directory, name: name)
    }

    /// The packets of `file` per audio or video stream, as `ffmpeg` (Debian's or 9) reads them.
    func packetsByStream(_ file: URL, ffmpeg: String) throws -> [[FramePacket]] {
        EnhancedRTMPTests.packetsByStream(try run(
            ffmpeg, ["-hide_banner", "-nostdin", "-loglevel", "error", "-i", file.path, "-map", "0", "-c", "copy", "-f", "framemd5", "-"],
            directory: Samples.directory, name: "framemd5-\(file.lastPathComponent)"
        ))
    }

    @Test(arguments: ["hevc-aac", "av1-opus", "vp9-opus", "multitrack-hevc-aac"])
    func sealcastPlayAndProbeReadEnhancedStreams(_ name: String) throws {
        guard let ffmpeg = EnhancedRTMPTests.ffmpeg9 else {
            Issue.record("SEALCAST_FFMPEG9 is not set: run the tests with scripts/test.sh, which installs ffmpeg 9")
            return
        }
        let file = try EnhancedRTMPTests.sample(name, ffmpeg: ffmpeg)
        let source = try packetsByStream(file, ffmpeg: ffmpeg)
        let server = try TestServer()
        defer { server.server.shutdown() }

        let output = Samples.directory.appendingPathComponent("sealcast-play-\(name).flv")
        let player = try startSealcastPlay("\(server.rtmpsURL)/show", output: output, name: "sealcast-play-\(name)", tls: ["--insecure"])
        usleep(700_000)
        let publisher = try ExternalProcess(
            ffmpeg,
            ["-hide_banner", "-nostdin", "-loglevel", "error", "-re", "-i", file.path, "-map", "0", "-c", "copy",
             "-tls_verify", "0", "-f", "flv", "\(server.rtmpsURL)/\(TestServer.key)"],
            directory: Samples.directory, name: "publish-for-sealcast-play-\(name)"
        )
        usleep(1_500_000)
        let probe = try ExternalProcess(
            executable, ["probe", "\(server.rtmpURL)/show", "--json", "--timeout", "10"],
            directory: Samples.directory, name: "probe-\(name)"
        )
        #expect(probe.wait(seconds: 20) == 0, "probe failed: \(probe.errorOutput)")
        #expect(publisher.wait(seconds: 30) == 0, "publisher failed: \(publisher.errorOutput)")
        #expect(player.wait(seconds: 15) == 0, "sealcast play failed: \(player.errorOutput)")

        let played = try packetsByStream(output, ffmpeg: ffmpeg)
        #expect(played.count == source.count, "\(name): sealcast play wrote \(played.count) of \(source.count) streams")
        for (index, packets) in played.enumerated() where index < source.count {
            #expect(packets == source[index], "\(name): stream \(index) differs from the file")
        }

        let info = try JSONDecoder().decode(StreamInfo.self, from: Data(probe.output.utf8))
        let expected: (video: [(String, Int, Int)], audio: String) = switch name {
        case "hevc-aac": ([("HEVC", 640, 360)], "AAC")
        case "av1-opus": ([("AV1", 640, 360)], "Opus")
        case "vp9-opus": ([("VP9", 640, 360)], "Opus")
        default: ([("HEVC", 640, 360), ("HEVC", 320, 180)], "AAC")
        }
        #expect(info.video.map(\.codec) == expected.video.map(\.0), "\(name): \(probe.output)")
        #expect(info.video.map(\.width) == expected.video.map { $0.1 }, "\(name): \(probe.output)")
        #expect(info.video.map(\.height) == expected.video.map { $0.2 }, "\(name): \(probe.output)")
        #expect(info.audio.first?.codec == expected.audio, "\(name): \(probe.output)")
    }

    @Test func sealcastPublishesToNginxAndSealcastAndPlaysFromBoth() throws {
        #expect(NginxRTMP.isInstalled, "nginx with libnginx-mod-rtmp is missing: run scripts/test.sh")
        guard NginxRTMP.isInstalled else { return }
        let sample = Samples.bFrames
        let source = try Samples.packets(of: sample)
        let nginx = try NginxRTMP()
        let server = try TestServer()
        defer { server.server.shutdown() }

        let fromNginx = Samples.directory.appendingPathComponent("sealcast-play-from-nginx.flv")
        let fromSealcast = Samples.directory.appendingPathComponent("sealcast-play-from-sealcast.flv")
        let nginxPlayer = try startSealcastPlay("\(nginx.url)/show", output: fromNginx, name: "sealcast-play-nginx")
        let sealcastPlayer = try startSealcastPlay(
            "\(server.rtmpsURL)/show", output: fromSealcast, name: "sealcast-play-sealcast", tls: ["--insecure"]
        )
        usleep(700_000)
        let toNginx = try ExternalProcess(
            executable, ["publish", sample.path, "\(nginx.url)/show"], directory: Samples.directory, name: "sealcast-publish-nginx"
        )
        let toSealcast = try ExternalProcess(
            executable, ["publish", sample.path, "\(server.rtmpsURL)/\(TestServer.key)", "--insecure"],
            directory: Samples.directory, name: "sealcast-publish-sealcast"
        )
        #expect(toNginx.wait(seconds: 30) == 0, "publishing to nginx failed: \(toNginx.errorOutput)")
        #expect(toSealcast.wait(seconds: 30) == 0, "publishing to Sealcast failed: \(toSealcast.errorOutput)")
        #expect(nginxPlayer.wait(seconds: 15) == 0, "playing from nginx failed: \(nginxPlayer.errorOutput)")
        #expect(sealcastPlayer.wait(seconds: 15) == 0, "playing from Sealcast failed: \(sealcastPlayer.errorOutput)")

        for (server, file) in [("nginx", fromNginx), ("Sealcast", fromSealcast)] {
            let played = try Samples.packets(of: file)
            #expect(played.count == source.count, "\(server): \(played.count) of \(source.count) packets")
            #expect(played.map(\.hash) == source.map(\.hash), "\(server): packets differ from the file")
        }
    }
}
