import Foundation
import Testing

/// End-to-end runs against Debian's ffmpeg over loopback: ffmpeg publishes a file
/// with `-re -c copy`, ffmpeg players receive it over RTMP and RTMPS, and the packets
/// they write (`-f framemd5`) are compared with the file's own.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct FFmpegLiveTests {
    /// Starts an ffmpeg player that writes framemd5 and gives up 3 s after the data stops.
    func startPlayer(_ url: String, name: String) throws -> ExternalProcess {
        try ExternalProcess(
            Samples.ffmpeg,
            ["-hide_banner", "-nostdin", "-loglevel", "error", "-rw_timeout", "4000000", "-i", url,
             "-map", "0", "-c", "copy", "-f", "framemd5", "-"],
            directory: Samples.directory, name: name
        )
    }

    func startPublisher(_ file: URL, _ url: String, name: String) throws -> ExternalProcess {
        try ExternalProcess(
            Samples.ffmpeg,
            ["-hide_banner", "-nostdin", "-loglevel", "error", "-re", "-i", file.path, "-c", "copy", "-f", "flv", url],
            directory: Samples.directory, name: name
        )
    }

    /// Checks that every stream the player received is one contiguous run of the source's
    /// packets of that stream, the video run starting at a keyframe.
    /// - Returns: for each player stream, the index in the source stream where its run starts.
    @discardableResult
    func expectContiguous(_ played: [FramePacket], source: [FramePacket], keyframes: Set<Int>, videoStream: Int) -> [Int: Int] {
        var starts: [Int: Int] = [:]
        let sourceStreams = Dictionary(grouping: source, by: \.stream)
        for (stream, packets) in Dictionary(grouping: played, by: \.stream) {
            let match = sourceStreams.compactMap { sourceStream, sourcePackets -> (Int, Int)? in
                contiguousMatch(packets, in: sourcePackets).map { (sourceStream, $0) }
            }.first
            #expect(match != nil, "player stream \(stream) (\(packets.count) packets) is not a contiguous run of the source")
            guard let (sourceStream, start) = match else { continue }
            if sourceStream == videoStream {
                #expect(keyframes.contains(start), "video starts at packet \(start), which is not a keyframe")
            }
            starts[stream] = start
        }
        return starts
    }

    @Test func rtmpsPublishReachesRTMPAndRTMPSPlayersUnchanged() throws {
        let sample = Samples.h264AAC
        let source = try Samples.packets(of: sample)
        let keyframes = try Samples.keyframeIndices(of: sample)
        let server = try TestServer()
        defer { server.server.shutdown() }

        // Players arrive before the publisher and wait for it.
        let plainPlayer = try startPlayer("\(server.rtmpURL)/show", name: "play-rtmp")
        let tlsPlayer = try startPlayer("\(server.rtmpsURL)/show", name: "play-rtmps")
        usleep(700_000)
        let publisher = try startPublisher(sample, "\(server.rtmpsURL)/\(TestServer.key)", name: "publish")
        #expect(publisher.wait(seconds: 30) == 0, "publisher failed: \(publisher.errorOutput)")
        plainPlayer.wait(seconds: 15)
        tlsPlayer.wait(seconds: 15)

        for player in [plainPlayer, tlsPlayer] {
            let played = FramePacket.parse(player.output)
            #expect(played.count == source.count, "player got \(played.count) of \(source.count) packets: \(player.errorOutput)")
            let starts = expectContiguous(played, source: source, keyframes: keyframes, videoStream: 0)
            #expect(starts.values.allSatisfy { $0 == 0 })
        }
        #expect(!server.logText.contains(TestServer.key))
        #expect(server.logText.contains("stream information: H.264 High 1280x720 30 fps"), "\(server.logText)")
        #expect(server.logText.contains("AAC LC 48000 Hz 2 ch"))
    }

    @Test func bFramesKeepTheirCompositionOffsets() throws {
        let sample = Samples.bFrames
        let source = try Samples.packets(of: sample)
        let keyframes = try Samples.keyframeIndices(of: sample)
        let server = try TestServer()
        defer { server.server.shutdown() }

        let player = try startPlayer("\(server.rtmpsURL)/show", name: "play-bframes")
        usleep(700_000)
        let publisher = try startPublisher(sample, "\(server.rtmpsURL)/\(TestServer.key)", name: "publish-bframes")
        #expect(publisher.wait(seconds: 30) == 0, "publisher failed: \(publisher.errorOutput)")
        player.wait(seconds: 15)

        let played = FramePacket.parse(player.output)
        #expect(played.count == source.count, "player got \(played.count) of \(source.count): \(player.errorOutput)")
        expectContiguous(played, source: source, keyframes: keyframes, videoStream: 0)
    }

    @Test func lateJoinerStartsAtACachedKeyframe() throws {
        let sample = Samples.h264AAC
        let source = try Samples.packets(of: sample)
        let keyframes = try Samples.keyframeIndices(of: sample)
        let server = try TestServer()
        defer { server.server.shutdown() }

        let publisher = try startPublisher(sample, "\(server.rtmpURL)/\(TestServer.key)", name: "publish-late")
        usleep(3_000_000)
        let player = try startPlayer("\(server.rtmpsURL)/show", name: "play-late")
        #expect(publisher.wait(seconds: 30) == 0, "publisher failed: \(publisher.errorOutput)")
        player.wait(seconds: 15)

        let played = FramePacket.parse(player.output)
        #expect(played.count > 0, "late player got nothing: \(player.errorOutput)")
        let starts = expectContiguous(played, source: source, keyframes: keyframes, videoStream: 0)
        // Joining 3 s in, with a keyframe every 2 s, the GOP cache starts the player at the keyframe at 2 s.
        #expect(starts.values.contains(60))
    }

    @Test func secondPublisherIsRejectedAndFirstCarriesOn() throws {
        let sample = Samples.h264AAC
        let source = try Samples.packets(of: sample)
        let keyframes = try Samples.keyframeIndices(of: sample)
        let server = try TestServer()
        defer { server.server.shutdown() }

        let player = try startPlayer("\(server.rtmpURL)/show", name: "play-dup")
        usleep(700_000)
        let first = try startPublisher(sample, "\(server.rtmpsURL)/\(TestServer.key)", name: "publish-first")
        usleep(1_500_000)
        let second = try startPublisher(sample, "\(server.rtmpURL)/\(TestServer.key)", name: "publish-second")
        let secondStatus = second.wait(seconds: 15)
        #expect(secondStatus != 0, "the second publisher was not rejected")
        #expect(first.wait(seconds: 30) == 0, "first publisher failed: \(first.errorOutput)")
        player.wait(seconds: 15)

        let played = FramePacket.parse(player.output)
        #expect(played.count == source.count, "player got \(played.count) of \(source.count)")
        expectContiguous(played, source: source, keyframes: keyframes, videoStream: 0)
    }

    @Test func wrongKeyIsRejectedAndNeverLogged() throws {
        let server = try TestServer()
        defer { server.server.shutdown() }
        let wrongKey = "wrong-key-9f8e7d6c5b4a3210"

        let publisher = try startPublisher(Samples.h264AAC, "\(server.rtmpsURL)/\(wrongKey)", name: "publish-wrong")
        #expect(publisher.wait(seconds: 15) != 0, "a wrong key was accepted")
        #expect(!server.logText.contains(wrongKey))
        #expect(!server.logText.contains(TestServer.key))
        #expect(server.logText.contains("invalid stream key"))
    }
}
