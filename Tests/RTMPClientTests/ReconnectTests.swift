import FLV
import Foundation
import Network
import RTMP
import Testing

@testable import RTMPClient

/// A publisher that loses its server: the backoff schedule it follows and how it resumes.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct ReconnectTests {
    @Test func attemptsFollowTheScheduleThenGiveUp() async throws {
        var server: TestServer? = try TestServer()
        let url = try RTMPURL(server!.publishURL)
        let group = EventLoopGroup(numberOfThreads: 1)
        defer { group.shutdown() }
        let clock = RecordingClock()
        let policy = ReconnectPolicy(maximumAttempts: 4, initialDelay: .seconds(1), maximumDelay: .seconds(3), jitter: 0.5)
        let publisher = try PublishClient(
            configuration: ClientConfiguration(url: url),
            reconnectPolicy: policy,
            group: group,
            clock: clock,
            randomNumberGenerator: SeededGenerator(state: 99)
        )
        try await publisher.connect()
        let messages = try publishMessages(of: Samples.h264AAC)
        try await publishAll(Array(messages.prefix(10)), with: publisher)

        // The server goes away, so every reconnect is refused.
        server = nil
        var error: RTMPClientError?
        for message in messages.dropFirst(10) {
            do {
                try await publisher.send(message)
            } catch let failure {
                error = failure
                break
            }
        }

        var generator = SeededGenerator(state: 99)
        let expected = (1...4).map { policy.delay(beforeAttempt: $0, using: &generator) }
        #expect(clock.sleeps == expected)
        #expect(zip(clock.sleeps, [1.0, 2.0, 3.0, 3.0]).allSatisfy { sleep, base in
            sleep <= .seconds(base) && sleep >= .seconds(base / 2)
        })
        #expect(error == .connectionFailed)
        #expect(error?.description.contains("after 4 attempts") == true, "\(String(describing: error))")
        #expect(publisher.reconnectCount == 0)
    }

    @Test func resumedPublishStartsWithHeadersAndAKeyframe() async throws {
        var first: TestServer? = try TestServer()
        let port = first!.rtmpPort
        let group = EventLoopGroup(numberOfThreads: 1)
        defer { group.shutdown() }
        let policy = ReconnectPolicy(maximumAttempts: 5, initialDelay: .milliseconds(50), maximumDelay: .milliseconds(200))
        let publisher = try PublishClient(
            configuration: ClientConfiguration(url: try RTMPURL(first!.publishURL)),
            reconnectPolicy: policy,
            group: group
        )
        try await publisher.connect()
        let messages = try publishMessages(of: Samples.h264AAC)
        let keyframes = messages.indices.filter {
            MediaClassifier.classify(typeID: messages[$0].typeID.rawValue, payload: messages[$0].payload) == .videoKeyframe
        }
        #expect(keyframes.count >= 3)
        let split = keyframes[1] - 5
        try await publishAll(Array(messages[..<split]), with: publisher)

        // A new server on the same (kernel-picked) port, with a player waiting on it.
        first = nil
        let second = try TestServer(rtmpPort: port)
        let (player, recording) = try await startPlayer(second.playURL, group: group)
        try await publishAll(Array(messages[split...]), with: publisher)
        await publisher.close()
        #expect(publisher.reconnectCount == 1)

        #expect(await eventually(seconds: 30) { recording.publisherEnded })
        let media = recording.media
        let kinds = media.map { MediaClassifier.classify(typeID: $0.typeID.rawValue, payload: $0.payload) }
        #expect(kinds.first == .metadata)
        #expect(kinds.dropFirst().prefix(2).allSatisfy {
            if case .videoSequenceHeader = $0 { return true }
            if case .audioSequenceHeader = $0 { return true }
            return false
        })
        #expect(kinds.dropFirst(3).first == .videoKeyframe)
        // From that keyframe on, the player gets the file's messages in order.
        let resumed = media.dropFirst(3).map(\.payload)
        let fromKeyframe = messages[keyframes[1]...].map(\.payload)
        #expect(resumed == Array(fromKeyframe), "\(resumed.count) resumed, \(fromKeyframe.count) expected")
        await player.close()
    }

    @Test func rejectedKeyIsNotRetried() {
        let denied = RTMPClientError.rejected("publish", code: "NetStream.Publish.Denied", description: "invalid stream key")
        let busy = RTMPClientError.rejected("publish", code: "NetStream.Publish.BadName", description: "already publishing")
        #expect(!PublishClient.isWorthRetrying(denied))
        #expect(PublishClient.isWorthRetrying(busy))
        #expect(PublishClient.isWorthRetrying(.connectionFailed))
        #expect(!PublishClient.isWorthRetrying(.tlsVerificationFailed))
    }
}
