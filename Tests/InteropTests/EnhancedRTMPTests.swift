import Foundation
import Testing

/// Enhanced RTMP end to end with ffmpeg 9.0.2, which publishes and plays HEVC, AV1, VP9,
/// Opus and multitrack streams. `scripts/test.sh` installs it from PyPI (imageio-ffmpeg
/// 0.8.1) and passes its path in `SEALCAST_FFMPEG9`.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct EnhancedRTMPTests {
    static let ffmpeg9: String? = {
        guard let path = ProcessInfo.processInfo.environment["SEALCAST_FFMPEG9"],
            FileManager.default.isExecutableFile(atPath: path)
        else { return nil }
        return path
    }()

    static let source = "-f lavfi -i testsrc2=size=640x360:rate=30 -f lavfi -i sine=frequency=440:sample_rate=48000:beep_factor=4 -t 4"

    /// Samples made once per run with ffmpeg 9: 4 s, 640x360 30 fps, a keyframe every second.
    static let samples: [String: [String]] = [
        "hevc-aac": source.split(separator: " ").map(String.init) + [
            "-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "keyint=30:min-keyint=30:bframes=3:log-level=error",
            "-b:v", "600k", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "96k", "-ac", "2",
        ],
        "av1-opus": source.split(separator: " ").map(String.init) + [
            "-c:v", "libsvtav1", "-preset", "10", "-g", "30", "-b:v", "500k", "-pix_fmt", "yuv420p",
            "-svtav1-params", "log-level=0", "-c:a", "libopus", "-b:a", "96k", "-ac", "2",
        ],
        "vp9-opus": source.split(separator: " ").map(String.init) + [
            "-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-g", "30", "-b:v", "500k",
            "-pix_fmt", "yuv420p", "-c:a", "libopus", "-b:a", "96k", "-ac", "2",
        ],
        "multitrack-hevc-aac": [
            "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30", "-f", "lavfi", "-i", "testsrc=size=320x180:rate=30",
            "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-f", "lavfi", "-i", "sine=frequency=880:sample_rate=48000",
            "-t", "4", "-map", "0:v", "-map", "1:v", "-map", "2:a", "-map", "3:a",
            "-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "keyint=30:log-level=error", "-b:v", "400k",
            "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "64k",
        ],
    ]

    static func sample(_ name: String, ffmpeg: String) throws -> URL {
        let url = Samples.directory.appendingPathComponent("ertmp-\(name).flv")
        if !FileManager.default.fileExists(atPath: url.path) {
            // Written under a unique name and renamed, so a suite running at the same time
            // never opens a half-written sample.
            let partial = Samples.directory.appendingPathComponent("ertmp-\(name)-\(UUID().uuidString).flv")
            _ = try run(
                ffmpeg, ["-hide_banner", "-nostdin", "-loglevel", "error", "-y"] + samples[name]! + ["-f", "flv", partial.path],
                directory: Samples.directory, name: "make-ertmp-\(name)"
            )
            _ = rename(partial.path, url.path)
        }
        return url
    }

    /// Packets per stream as ffmpeg 9 sees them, audio and video only.
    static func packetsByStream(_ framemd5: String) -> [[FramePacket]] {
        let packets = FramePacket.parse(framemd5)
        let streams = Array(Set(packets.map(\.stream))).sorted()
        return streams.map { stream in packets.filter { $0.stream == stream } }
    }

    @Test(arguments: ["hevc-aac", "av1-opus", "vp9-opus", "multitrack-hevc-aac"])
    func ffmpeg9StreamPassesUnchanged(_ name: String) throws {
        guard let ffmpeg = Self.ffmpeg9 else {
            Issue.record("SEALCAST_FFMPEG9 is not set: run the tests with scripts/test.sh, which installs ffmpeg 9")
            return
        }
        let file = try Self.sample(name, ffmpeg: ffmpeg)
        let source = Self.packetsByStream(try run(
            ffmpeg, ["-hide_banner", "-nostdin", "-loglevel", "error", "-i", file.path, "-map", "0", "-c", "copy", "-f", "framemd5", "-"],
            directory: Samples.directory, name: "framemd5-ertmp-\(name)"
        ))
        let server = try TestServer()
        defer { server.server.shutdown() }

        var players: [ExternalProcess] = []
        // ffmpeg 9 verifies certificates by default, and the test's certificate is self-signed.
        for (scheme, url, tls) in [("rtmp", server.rtmpURL, []), ("rtmps", server.rtmpsURL, ["-tls_verify", "0"])] {
            players.append(try ExternalProcess(
                ffmpeg,
                ["-hide_banner", "-nostdin", "-loglevel", "error"] + tls + ["-rw_timeout", "4000000",
                 "-i", "\(url)/show", "-map", "0", "-c", "copy", "-f", "framemd5", "-"],
                directory: Samples.directory, name: "play-ertmp-\(name)-\(scheme)"
            ))
        }
        usleep(700_000)
        let publisher = try ExternalProcess(
            ffmpeg,
            ["-hide_banner", "-nostdin", "-loglevel", "error", "-re", "-i", file.path, "-map", "0", "-c", "copy",
             "-tls_verify", "0", "-f", "flv", "\(server.rtmpsURL)/\(TestServer.key)"],
            directory: Samples.directory, name: "publish-ertmp-\(name)"
        )
        #expect(publisher.wait(seconds: 30) == 0, "publisher failed: \(publisher.errorOutput)")

        for player in players {
            player.wait(seconds: 15)
            let played = Self.packetsByStream(player.output)
            #expect(played.count == source.count, "\(name): player has \(played.count) of \(source.count) streams")
            for (index, packets) in played.enumerated() where index < source.count {
                #expect(packets == source[index], "\(name): stream \(index) differs from the file")
            }
        }
    }
}
