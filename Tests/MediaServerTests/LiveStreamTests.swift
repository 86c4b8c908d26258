import AMF
import Foundation
import Observability
import RTMP
import Testing

@testable import MediaServer

/// In-process runs of the server on loopback with scripted publishers and players.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct LiveStreamTests {
    static let key = "live-key-0123456789abcdef"

    final class Harness {
        let server: RTMPServer
        let logs = MemoryLogHandler()

        init(limits: LimitsConfiguration = LimitsConfiguration(), shutdown: ShutdownConfiguration = .init()) throws {
            server = try RTMPServer(
                settings: RTMPServer.Settings(
                    rtmp: ListenAddress(host: "127.0.0.1", port: 0), rtmps: nil, tls: nil,
                    applications: [ApplicationConfiguration(
                        name: "live", streamKeys: [StreamKeyConfiguration(stream: "show", key: LiveStreamTests.key)]
                    )],
                    limits: limits, eventLoops: 2, shutdown: shutdown
                ),
                logger: Logger(label: "test", level: .debug, handler: logs)
            )
        }

        var port: Int { server.rtmpAddress!.port }

        func client(_ configuration: ClientSession.Configuration = .init()) throws -> BlockingClient {
            try BlockingClient(port: port, configuration: configuration)
        }

        deinit { server.shutdown() }
    }

    /// Publishes metadata, both sequence headers and two groups of pictures.
    func publishTwoGroups(_ publisher: BlockingClient, stream: MessageStreamID, tag: UInt8 = 0) throws {
        try publisher.send(Media.data(Media.metadata(width: 1280), on: stream))
        try publisher.send(Media.video(Media.videoSequenceHeader(tag), at: 0, on: stream))
        try publisher.send(Media.audio(Media.audioSequenceHeader(tag), at: 0, on: stream))
        try publisher.send(Media.video(Media.keyframe(tag &+ 1), at: 0, on: stream))
        try publisher.send(Media.audio(Media.audioFrame(tag &+ 2), at: 10, on: stream))
        try publisher.send(Media.video(Media.interframe(tag &+ 3), at: 33, on: stream))
        try publisher.send(Media.video(Media.keyframe(tag &+ 4), at: 2000, on: stream))
        try publisher.send(Media.audio(Media.audioFrame(tag &+ 5), at: 2010, on: stream))
        try publisher.send(Media.video(Media.interframe(tag &+ 6), at: 2033, on: stream))
    }

    func waitForMedia(_ player: BlockingClient, count: Int, seconds: Double = 5) throws {
        let deadline = Date().addingTimeInterval(seconds)
        while player.media.count < count && Date() < deadline {
            try player.readOnce()
        }
    }

    @Test func lateJoinerGetsMetadataHeadersAndLastGroupAtOnce() throws {
        let harness = try Harness()
        let publisher = try harness.client()
        let (stream, code) = try publisher.publish(Self.key)
        #expect(code == "NetStream.Publish.Start")
        try publishTwoGroups(publisher, stream: stream)
        usleep(200_000)

        let player = try harness.client()
        let playStream = try player.play("show")
        try waitForMedia(player, count: 6)

        let media = player.media
        #expect(media.count == 6)
        guard media.count == 6 else { return }
        // onMetaData without @setDataFrame, then the sequence headers, then the group from the keyframe at 2 s.
        #expect(try AMF0Decoder.decodeAll(media[0].payload).first == "onMetaData")
        #expect(media[1].payload == Media.videoSequenceHeader(0))
        #expect(media[2].payload == Media.audioSequenceHeader(0))
        #expect(media[3].payload == Media.keyframe(4))
        #expect(media[3].timestamp == 2000)
        #expect(media[4].payload == Media.audioFrame(5))
        #expect(media[5].payload == Media.interframe(6))
        #expect(media.allSatisfy { $0.streamID == playStream })
    }

    @Test func waitingPlayerStartsWhenThePublisherArrives() throws {
        let harness = try Harness()
        let player = try harness.client()
        _ = try player.play("show")

        let publisher = try harness.client()
        let (stream, _) = try publisher.publish(Self.key)
        try publishTwoGroups(publisher, stream: stream)
        try waitForMedia(player, count: 9)

        let video = player.media.filter { $0.typeID == .video }.map(\.payload)
        #expect(video == [
            Media.videoSequenceHeader(0), Media.keyframe(1), Media.interframe(3), Media.keyframe(4), Media.interframe(6),
        ])
    }

    @Test func playerStaysAcrossAPublisherReconnect() throws {
        let harness = try Harness()
        let player = try harness.client()
        _ = try player.play("show")

        let first = try harness.client()
        let (firstStream, _) = try first.publish(Self.key)
        try publishTwoGroups(first, stream: firstStream, tag: 0)
        try waitForMedia(player, count: 9)
        first.disconnect()
        try player.waitFor("UnpublishNotify", player.status("NetStream.Play.UnpublishNotify"))
        #expect(player.events.contains { event in
            if case .userControl(.streamEOF) = event { return true }
            return false
        })

        let second = try harness.client()
        let (secondStream, code) = try second.publish(Self.key)
        #expect(code == "NetStream.Publish.Start")
        try player.waitFor("PublishNotify", player.status("NetStream.Play.PublishNotify"))
        try publishTwoGroups(second, stream: secondStream, tag: 100)
        try waitForMedia(player, count: 18)

        let video = player.media.filter { $0.typeID == .video }.map(\.payload)
        #expect(Array(video.suffix(5)) == [
            Media.videoSequenceHeader(100), Media.keyframe(101), Media.interframe(103), Media.keyframe(104),
            Media.interframe(106),
        ])
    }

    @Test func secondPublisherGetsBadNameAndFirstContinues() throws {
        let harness = try Harness()
        let first = try harness.client()
        let (stream, _) = try first.publish(Self.key)
        let second = try harness.client()
        let (_, code) = try second.publish(Self.key)
        #expect(code == "NetStream.Publish.BadName")
        #expect(try second.serverCloses(within: 2))

        let player = try harness.client()
        _ = try player.play("show")
        try publishTwoGroups(first, stream: stream)
        try waitForMedia(player, count: 9)
        #expect(player.media.count == 9)
    }

    @Test func wrongKeyIsDeniedAndTheKeyIsNotPlayable() throws {
        let harness = try Harness()
        let intruder = try harness.client()
        let (_, code) = try intruder.publish("show")
        #expect(code == "NetStream.Publish.Denied")

        let publisher = try harness.client()
        let (stream, _) = try publisher.publish(Self.key)
        let snoop = try harness.client()
        try snoop.connect()
        let snoopStream = try snoop.createStream()
        snoop.session.play(name: Self.key, streamID: snoopStream)
        try snoop.flush()
        try snoop.waitFor("StreamNotFound", snoop.status("NetStream.Play.StreamNotFound"))
        try publishTwoGroups(publisher, stream: stream)
        try waitForMedia(snoop, count: 1, seconds: 1)
        #expect(snoop.media.isEmpty, "the secret key was playable as a stream name")

        let logText = harness.logs.all.map { "\($0.message) \($0.metadata)" }.joined(separator: "\n")
        #expect(!logText.contains(Self.key))
    }

    @Test func queryStringIsNotPartOfTheStreamName() throws {
        let harness = try Harness()
        let publisher = try harness.client()
        let (stream, code) = try publisher.publish("\(Self.key)?token=publisher-secret-token")
        #expect(code == "NetStream.Publish.Start")
        let player = try harness.client()
        _ = try player.play("show?token=viewer-secret-token")
        try publishTwoGroups(publisher, stream: stream)
        try waitForMedia(player, count: 9)
        #expect(player.media.count == 9)

        let logText = harness.logs.all.map { "\($0.message) \($0.metadata)" }.joined(separator: "\n")
        #expect(logText.contains("live/show"))
        #expect(!logText.contains("secret-token"))
    }

    @Test func unknownApplicationIsRejectedAtConnect() throws {
        let harness = try Harness()
        let client = try harness.client()
        client.session.connect(app: "nope", tcUrl: "rtmp://127.0.0.1/nope")
        try client.flush()
        let event = try client.waitFor("connect answer") { event in
            if case .connected = event { return true }
            if case .connectRejected = event { return true }
            return false
        }
        guard case .connectRejected = event else {
            Issue.record("connect to an unknown application was accepted")
            return
        }
    }

    @Test func slowPlayerDropsToKeyframesWithoutSlowingOthers() throws {
        var limits = LimitsConfiguration()
        limits.playerQueueBytes = 2 << 20
        let harness = try Harness(limits: limits)
        let publisher = try harness.client()
        let (stream, _) = try publisher.publish(Self.key)
        let stalled = try harness.client()
        _ = try stalled.play("show")  // then never reads again
        let reader = try harness.client()
        _ = try reader.play("show")

        // 20 MB in 200 messages, a keyframe every 25, one every 10 ms (80 Mbit/s): far more than
        // the stalled player's socket buffers hold, and a rate the reading player keeps up with.
        let total = 200
        let readerThread = ReaderThread(reader, expected: total + 2)
        try publisher.send(Media.video(Media.videoSequenceHeader(0), at: 0, on: stream))
        try publisher.send(Media.audio(Media.audioSequenceHeader(0), at: 0, on: stream))
        let started = Date()
        for index in 0..<total {
            let tag = UInt8(truncatingIfNeeded: index)
            let payload = index % 25 == 0 ? Media.keyframe(tag, size: 100_000) : Media.interframe(tag, size: 100_000)
            try publisher.send(Media.video(payload, at: UInt32(index * 10), on: stream))
            usleep(10_000)
        }
        let publishSeconds = Date().timeIntervalSince(started)
        let received = readerThread.join(seconds: 30)

        #expect(received == total + 2, "the reading player got \(received) of \(total + 2) messages")
        #expect(publishSeconds < 20, "publishing took \(publishSeconds) s")
        let dropped = harness.server.metrics.counter(
            "sealcast_messages_dropped_total", dimensions: [("reason", "slow_player")]
        ).value
        #expect(dropped > 0, "the stalled player dropped nothing")
        #expect(harness.logs.all.contains { $0.message.hasPrefix("slow player: dropped") })
    }
}

/// Reads a player on its own thread until it has `expected` media messages or time runs out.
final class ReaderThread: @unchecked Sendable {
    private let client: BlockingClient
    private let expected: Int
    private let done = DispatchSemaphore(value: 0)
    private var count = 0

    init(_ client: BlockingClient, expected: Int) {
        self.client = client
        self.expected = expected
        let thread = Thread { [self] in
            let deadline = Date().addingTimeInterval(30)
            while self.client.media.count < expected && Date() < deadline {
                guard (try? self.client.readOnce()) == true else { break }
            }
            count = self.client.media.count
            done.signal()
        }
        thread.start()
    }

    /// Waits for the thread and returns the number of media messages it saw.
    func join(seconds: Double) -> Int {
        _ = done.wait(timeout: .now() + seconds)
        return count
    }
}
