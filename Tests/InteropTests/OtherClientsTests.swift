import Foundation
import Testing

/// End-to-end runs with the other real clients Debian packages: GStreamer's
/// `rtmp2sink` as a publisher and librtmp's `rtmpdump` as a player (it keeps
/// 128-byte chunks and sends its own command flow).
@Suite(.serialized, .timeLimit(.minutes(2)))
struct OtherClientsTests {
    let live = FFmpegLiveTests()

    @Test func gstreamerPublishesOverRTMPS() throws {
        let sample = Samples.bFrames
        let source = try Samples.packets(of: sample)
        let keyframes = try Samples.keyframeIndices(of: sample)
        let server = try TestServer()
        defer { server.server.shutdown() }

        let player = try live.startPlayer("\(server.rtmpURL)/show", name: "play-gstreamer")
        usleep(700_000)
        let pipeline = [
            "-q", "filesrc", "location=\(sample.path)", "!", "flvdemux", "name=demuxer",
            "demuxer.video", "!", "queue", "!", "h264parse", "!", "flvmux", "name=muxer", "streamable=true", "!",
            "rtmp2sink", "location=\(server.rtmpsURL)/\(TestServer.key)", "tls-validation-flags=0",
            "demuxer.audio", "!", "queue", "!", "aacparse", "!", "muxer.",
        ]
        let publisher = try ExternalProcess("/usr/bin/gst-launch-1.0", pipeline, directory: Samples.directory, name: "publish-gstreamer")
        #expect(publisher.wait(seconds: 30) == 0, "GStreamer failed: \(publisher.errorOutput)")
        player.wait(seconds: 15)

        let played = FramePacket.parse(player.output)
        #expect(played.count == source.count, "player got \(played.count) of \(source.count): \(player.errorOutput)")
        live.expectContiguous(played, source: source, keyframes: keyframes, videoStream: 0)
    }

    @Test func rtmpdumpPlaysOverRTMP() throws {
        let sample = Samples.bFrames
        let source = try Samples.packets(of: sample)
        let server = try TestServer()
        defer { server.server.shutdown() }

        let output = Samples.directory.appendingPathComponent("rtmpdump.flv")
        try? FileManager.default.removeItem(at: output)
        let player = try ExternalProcess(
            "/usr/bin/rtmpdump", ["-q", "-r", "\(server.rtmpURL)/show", "--live", "-o", output.path],
            directory: Samples.directory, name: "play-rtmpdump"
        )
        usleep(700_000)
        let publisher = try live.startPublisher(sample, "\(server.rtmpsURL)/\(TestServer.key)", name: "publish-for-rtmpdump")
        #expect(publisher.wait(seconds: 30) == 0, "publisher failed: \(publisher.errorOutput)")
        // rtmpdump ends by itself when the publisher leaves (Stream EOF, UnpublishNotify).
        #expect(player.wait(seconds: 15) != nil, "rtmpdump did not stop after the publisher left")

        let played = try Samples.packets(of: output)
        #expect(played.count == source.count, "rtmpdump got \(played.count) of \(source.count)")
        #expect(played.map(\.hash) == source.map(\.hash))
    }
}
