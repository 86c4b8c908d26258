import AMF
import Foundation
import Observability
import RTMP
import Testing

@testable import MediaServer

/// Synthetic Enhanced RTMP video payloads, annotated per field.
enum EnhancedMedia {
    static let avc1: [UInt8] = [0x61, 0x76, 0x63, 0x31]  // "avc1"
    static let hvc1: [UInt8] = [0x68, 0x76, 0x63, 0x31]  // "hvc1"

    /// An HEVC SequenceStart: IsExHeader | key frame | SequenceStart, "hvc1", a one-byte record.
    static func hevcSequenceStart(_ tag: UInt8) -> [UInt8] { [0x90] + hvc1 + [tag] }
    /// HEVC CodedFrames: IsExHeader | frame type (1 key, 2 inter) | CodedFrames, "hvc1", composition time 0, data.
    static func hevcFrame(_ tag: UInt8, keyframe: Bool) -> [UInt8] {
        [keyframe ? 0x91 : 0xA1] + hvc1 + [0x00, 0x00, 0x00] + [UInt8](repeating: tag, count: 16)
    }

    /// One track of a ManyTracksManyCodecs message: FourCC, track id, UI24 size, then the data.
    static func entry(_ fourCC: [UInt8], track: UInt8, _ data: [UInt8]) -> [UInt8] {
        fourCC + [track, 0x00, 0x00, UInt8(data.count)] + data
    }

    /// A multitrack SequenceStart for one track: IsExHeader | key frame | Multitrack,
    /// then OneTrack | SequenceStart, the FourCC, the track id and a one-byte record.
    static func multitrackSequenceStart(_ fourCC: [UInt8], track: UInt8, _ tag: UInt8) -> [UInt8] {
        [0x96, 0x00] + fourCC + [track, tag]
    }

    /// A multitrack CodedFrames message with an avc1 track 0 and an hvc1 track 1:
    /// IsExHeader | frame type | Multitrack, then ManyTracksManyCodecs | CodedFrames.
    static func multitrackFrame(_ tag: UInt8, keyframe: Bool) -> [UInt8] {
        [keyframe ? 0x96 : 0xA6, 0x21] + avc1Entry(tag) + hevcEntry(tag)
    }

    /// The avc1 track of `multitrackFrame`: composition time 0 and 8 bytes of data.
    static func avc1Entry(_ tag: UInt8) -> [UInt8] {
        entry(avc1, track: 0, [0x00, 0x00, 0x00] + [UInt8](repeating: tag, count: 8))
    }

    /// The hvc1 track of `multitrackFrame`: composition time 0 and 8 bytes of data.
    static func hevcEntry(_ tag: UInt8) -> [UInt8] {
        entry(hvc1, track: 1, [0x00, 0x00, 0x00] + [UInt8](repeating: tag &+ 100, count: 8))
    }
}

/// Pause, receiveAudio/receiveVideo, per-player codec filtering, the Reconnect
/// Request on shutdown, and the GOP cache with Enhanced RTMP and multitrack video.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct PlayControlTests {
    typealias Harness = LiveStreamTests.Harness
    static let key = LiveStreamTests.key

    func waitForMedia(_ player: BlockingClient, count: Int, seconds: Double = 5) throws {
        let deadline = Date().addingTimeInterval(seconds)
        while player.media.count < count && Date() < deadline {
            try player.readOnce()
        }
    }

    /// Sends a stream command from the player and waits until the server has handled it.
    func command(_ player: BlockingClient, _ name: String, _ arguments: [AMF0Value], on stream: MessageStreamID) throws {
        player.session.sendCommand(Command(name: name, transactionID: 0, arguments: arguments), streamID: stream)
        try player.roundTrip()
    }

    func videoPayloads(_ player: BlockingClient) -> [[UInt8]] {
        player.media.filter { $0.typeID == .video }.map(\.payload)
    }

    @Test func pauseStopsAndUnpauseResumesAtKeyframe() throws {
        let harness = try Harness()
        let publisher = try harness.client()
        let (stream, _) = try publisher.publish(Self.key)
        let player = try harness.client()
        let playStream = try player.play("show")
        try publisher.send(Media.video(Media.videoSequenceHeader(0), at: 0, on: stream))
        try publisher.send(Media.video(Media.keyframe(1), at: 0, on: stream))
        try waitForMedia(player, count: 2)

        player.session.sendCommand(Command(name: "pause", transactionID: 0, arguments: [true, 40]), streamID: playStream)
        try player.flush()
        try player.waitFor("Pause.Notify", player.status("NetStream.Pause.Notify"))
        try publisher.send(Media.video(Media.interframe(2), at: 40, on: stream))
        try publisher.send(Media.audio(Media.audioFrame(3), at: 50, on: stream))
        try publisher.send(Media.video(Media.keyframe(4), at: 80, on: stream))
        // The publisher's loop has read the three messages once onBWDone is back. The short
        // sleep lets the hand-off to the player's loop run before the player resumes.
        try publisher.roundTrip()
        usleep(100_000)

        player.session.sendCommand(Command(name: "pause", transactionID: 0, arguments: [false, 40]), streamID: playStream)
        try player.flush()
        try player.waitFor("Unpause.Notify", player.status("NetStream.Unpause.Notify"))
        try publisher.send(Media.video(Media.interframe(5), at: 120, on: stream))
        try publisher.send(Media.video(Media.keyframe(6), at: 160, on: stream))
        try publisher.send(Media.video(Media.interframe(7), at: 200, on: stream))
        try waitForMedia(player, count: 4)

        #expect(videoPayloads(player) == [
            Media.videoSequenceHeader(0), Media.keyframe(1), Media.keyframe(6), Media.interframe(7),
        ])
        #expect(!player.media.contains { $0.typeID == .audio })
    }

    @Test func receiveVideoFalseLeavesAudioOnly() throws {
        let harness = try Harness()
        let publisher = try harness.client()
        let (stream, _) = try publisher.publish(Self.key)
        let player = try harness.client()
        let playStream = try player.play("show")
        try command(player, "receiveVideo", [false], on: playStream)

        try publisher.send(Media.video(Media.videoSequenceHeader(0), at: 0, on: stream))
        try publisher.send(Media.audio(Media.audioSequenceHeader(0), at: 0, on: stream))
        try publisher.send(Media.video(Media.keyframe(1), at: 0, on: stream))
        try publisher.send(Media.audio(Media.audioFrame(2), at: 10, on: stream))
        try publisher.send(Media.video(Media.interframe(3), at: 33, on: stream))
        try publisher.send(Media.audio(Media.audioFrame(4), at: 43, on: stream))
        try waitForMedia(player, count: 4)
        // The sequence headers still arrive, so that video can be turned back on.
        #expect(player.media.map(\.payload) == [
            Media.videoSequenceHeader(0), Media.audioSequenceHeader(0), Media.audioFrame(2), Media.audioFrame(4),
        ])

        try command(player, "receiveVideo", [true], on: playStream)
        try publisher.send(Media.video(Media.interframe(5), at: 66, on: stream))
        try publisher.send(Media.video(Media.keyframe(6), at: 100, on: stream))
        try waitForMedia(player, count: 5)
        #expect(videoPayloads(player) == [Media.videoSequenceHeader(0), Media.keyframe(6)])
    }

    @Test func receiveAudioFalseDropsAudio() throws {
        let harness = try Harness()
        let publisher = try harness.client()
        let (stream, _) = try publisher.publish(Self.key)
        let player = try harness.client()
        let playStream = try player.play("show")
        try command(player, "receiveAudio", [false], on: playStream)

        try publisher.send(Media.video(Media.keyframe(1), at: 0, on: stream))
        try publisher.send(Media.audio(Media.audioFrame(2), at: 10, on: stream))
        try publisher.send(Media.video(Media.interframe(3), at: 33, on: stream))
        try waitForMedia(player, count: 2)
        #expect(player.media.map(\.payload) == [Media.keyframe(1), Media.interframe(3)])
    }

    @Test func seekOnLiveIsAnsweredAndPlayGoesOn() throws {
        let harness = try Harness()
        let publisher = try harness.client()
        let (stream, _) = try publisher.publish(Self.key)
        let player = try harness.client()
        let playStream = try player.play("show")
        player.session.sendCommand(Command(name: "seek", transactionID: 0, arguments: [5000]), streamID: playStream)
        try player.flush()
        try player.waitFor("Seek.Notify", player.status("NetStream.Seek.Notify"))
        try publisher.send(Media.video(Media.keyframe(1), at: 0, on: stream))
        try waitForMedia(player, count: 1)
        #expect(videoPayloads(player) == [Media.keyframe(1)])
    }

    @Test func avc1PlayerGetsNoHevcTrack() throws {
        let harness = try Harness()
        let publisher = try harness.client()
        let (stream, _) = try publisher.publish(Self.key)
        var configuration = ClientSession.Configuration()
        configuration.enhancedCapabilities = EnhancedCapabilities(fourCcList: ["avc1"])
        let filtered = try harness.client(configuration)
        _ = try filtered.play("show")
        let legacy = try harness.client()
        _ = try legacy.play("show")

        let sent = [
            Media.videoSequenceHeader(0),  // legacy AVC: always passes
            EnhancedMedia.hevcSequenceStart(1),
            EnhancedMedia.hevcFrame(2, keyframe: true),
            EnhancedMedia.multitrackFrame(3, keyframe: true),
            Media.keyframe(4),
        ]
        for (index, payload) in sent.enumerated() {
            try publisher.send(Media.video(payload, at: UInt32(index * 40), on: stream))
        }
        try waitForMedia(legacy, count: 5)
        try waitForMedia(filtered, count: 3)

        #expect(videoPayloads(legacy) == sent)
        #expect(videoPayloads(filtered) == [
            Media.videoSequenceHeader(0),
            [0x96, 0x21] + EnhancedMedia.avc1Entry(3),  // the multitrack message without its hvc1 track
            Media.keyframe(4),
        ])
        #expect(harness.logs.all.contains { $0.message.hasPrefix("codec filter on") })
        #expect(harness.logs.all.contains { $0.message.hasPrefix("codec filter off") })
    }

    @Test func reconnectRequestOnShutdown() throws {
        let harness = try Harness(shutdown: ShutdownConfiguration(reconnectTcUrl: "rtmp://127.0.0.1/live"))
        var configuration = ClientSession.Configuration()
        configuration.enhancedCapabilities = EnhancedCapabilities(capsEx: [.reconnect, .multitrack])
        let enhanced = try harness.client(configuration)
        _ = try enhanced.play("show")
        let legacy = try harness.client()
        _ = try legacy.play("show")

        harness.server.shutdown()
        let event = try enhanced.waitFor("reconnect request") { event in
            if case .reconnectRequest = event { return true }
            return false
        }
        guard case .reconnectRequest(let tcUrl, _) = event else { return }
        #expect(tcUrl == "rtmp://127.0.0.1/live")
        #expect(try legacy.serverCloses(within: 2))
        #expect(!legacy.events.contains { event in
            if case .reconnectRequest = event { return true }
            return false
        })
    }

    @Test func lateJoinerGetsHevcHeaderThenKeyframe() throws {
        let harness = try Harness()
        let publisher = try harness.client()
        let (stream, _) = try publisher.publish(Self.key)
        try publisher.send(Media.video(EnhancedMedia.hevcSequenceStart(0), at: 0, on: stream))
        try publisher.send(Media.video(EnhancedMedia.hevcFrame(1, keyframe: true), at: 0, on: stream))
        try publisher.send(Media.video(EnhancedMedia.hevcFrame(2, keyframe: false), at: 40, on: stream))
        try publisher.send(Media.video(EnhancedMedia.hevcFrame(3, keyframe: true), at: 2000, on: stream))
        try publisher.send(Media.video(EnhancedMedia.hevcFrame(4, keyframe: false), at: 2040, on: stream))
        usleep(200_000)

        let player = try harness.client()
        _ = try player.play("show")
        try waitForMedia(player, count: 3)
        #expect(videoPayloads(player) == [
            EnhancedMedia.hevcSequenceStart(0),
            EnhancedMedia.hevcFrame(3, keyframe: true),
            EnhancedMedia.hevcFrame(4, keyframe: false),
        ])
    }

    @Test func lateJoinerGetsEveryTrackHeaderThenKeyframe() throws {
        let harness = try Harness()
        let publisher = try harness.client()
        let (stream, _) = try publisher.publish(Self.key)
        let headers = [
            EnhancedMedia.multitrackSequenceStart(EnhancedMedia.avc1, track: 0, 0x10),
            EnhancedMedia.multitrackSequenceStart(EnhancedMedia.hvc1, track: 1, 0x11),
        ]
        for header in headers { try publisher.send(Media.video(header, at: 0, on: stream)) }
        try publisher.send(Media.video(EnhancedMedia.multitrackFrame(1, keyframe: true), at: 0, on: stream))
        try publisher.send(Media.video(EnhancedMedia.multitrackFrame(2, keyframe: false), at: 40, on: stream))
        // A new header for track 1 only replaces track 1's, and track 0's stays.
        let newTrack1Header = EnhancedMedia.multitrackSequenceStart(EnhancedMedia.hvc1, track: 1, 0x12)
        try publisher.send(Media.video(newTrack1Header, at: 1990, on: stream))
        try publisher.send(Media.video(EnhancedMedia.multitrackFrame(3, keyframe: true), at: 2000, on: stream))
        try publisher.send(Media.video(EnhancedMedia.multitrackFrame(4, keyframe: false), at: 2040, on: stream))
        usleep(200_000)

        let player = try harness.client()
        _ = try player.play("show")
        try waitForMedia(player, count: 4)
        let video = videoPayloads(player)
        #expect(video == [
            headers[0],
            newTrack1Header,
            EnhancedMedia.multitrackFrame(3, keyframe: true),
            EnhancedMedia.multitrackFrame(4, keyframe: false),
        ])
        #expect(video.dropFirst(2).first == EnhancedMedia.multitrackFrame(3, keyframe: true))
    }
}
