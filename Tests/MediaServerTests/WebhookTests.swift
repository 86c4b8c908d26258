import Foundation
import Observability
import RTMP
import Testing

@testable import MediaServer

/// Webhooks before publish and play and after they end, against a tiny HTTP server on loopback.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct WebhookTests {
    static let key = "hook-key-0123456789abcdef"

    final class Harness {
        let server: RTMPServer
        let logs = MemoryLogHandler()

        init(webhook: WebhookConfiguration) throws {
            server = try RTMPServer(
                settings: RTMPServer.Settings(
                    rtmp: ListenAddress(host: "127.0.0.1", port: 0), rtmps: nil, tls: nil,
                    applications: [
                        ApplicationConfiguration(
                            name: "live", streamKeys: [StreamKeyConfiguration(stream: "show", key: WebhookTests.key)],
                            webhook: webhook
                        ),
                    ],
                    eventLoops: 1
                ),
                logger: Logger(label: "test", level: .debug, handler: logs)
            )
        }

        var port: Int { server.rtmpAddress!.port }

        deinit { server.shutdown() }
    }

    func playCode(_ client: BlockingClient, _ name: String) throws -> String {
        try client.connect()
        let id = try client.createStream()
        client.session.play(name: name, streamID: id)
        try client.flush()
        let event = try client.waitFor("play status") { event in
            if case .status(_, _, let code, _) = event { return code == "NetStream.Play.Start" || code == "NetStream.Play.Failed" }
            return false
        }
        guard case .status(_, _, let code, _) = event else { return "" }
        return code
    }

    @Test func webhookAllowsAndIsNotifiedOfTheEnd() throws {
        let hook = try WebhookServer { _ in 204 }
        defer { hook.stop() }
        let harness = try Harness(webhook: WebhookConfiguration(url: hook.url))

        let publisher = try BlockingClient(port: harness.port)
        #expect(try publisher.publish(Self.key).code == "NetStream.Publish.Start")
        let player = try BlockingClient(port: harness.port)
        #expect(try playCode(player, "show") == "NetStream.Play.Start")
        player.disconnect()
        publisher.disconnect()

        let requests = hook.waitForRequests(4)
        #expect(requests.count == 4)
        #expect(requests.first?["action"] == "publish")
        #expect(requests.first?["app"] == "live")
        // The public name, never the key.
        #expect(requests.first?["stream"] == "show")
        #expect(requests.first?["client"]?.hasPrefix("127.0.0.1:") == true)
        #expect(Set(requests.compactMap { $0["action"] }) == ["publish", "play", "play_done", "publish_done"])
        #expect(!requests.contains { $0.values.contains(Self.key) })
    }

    @Test func webhookDenialRejectsPublishAndPlay() throws {
        let hook = try WebhookServer { event in event["action"] == "publish" || event["action"] == "play" ? 403 : 200 }
        defer { hook.stop() }
        let harness = try Harness(webhook: WebhookConfiguration(url: hook.url))

        let publisher = try BlockingClient(port: harness.port)
        #expect(try publisher.publish(Self.key).code == "NetStream.Publish.Denied")
        let player = try BlockingClient(port: harness.port)
        #expect(try playCode(player, "show") == "NetStream.Play.Failed")
    }

    @Test func failedWebhookFollowsTheFailurePolicy() throws {
        // The server replies after 1.5 s, past the 300 ms timeout.
        let hook = try WebhookServer(replyDelay: 1.5) { _ in 200 }
        defer { hook.stop() }
        let denying = try Harness(webhook: WebhookConfiguration(url: hook.url, timeoutMilliseconds: 300))
        let denied = try BlockingClient(port: denying.port)
        #expect(try denied.publish(Self.key).code == "NetStream.Publish.Denied")

        let allowing = try Harness(
            webhook: WebhookConfiguration(url: hook.url, timeoutMilliseconds: 300, failurePolicy: .allow)
        )
        let allowed = try BlockingClient(port: allowing.port)
        #expect(try allowed.publish(Self.key).code == "NetStream.Publish.Start")
    }

    @Test func loopServesOthersWhileWaiting() throws {
        // A slow webhook must not stall other connections on the same (only) loop.
        let hook = try WebhookServer(replyDelay: 1.0) { _ in 200 }
        defer { hook.stop() }
        let harness = try Harness(webhook: WebhookConfiguration(url: hook.url, timeoutMilliseconds: 5000))
        let waiting = try BlockingClient(port: harness.port)
        try waiting.connect()
        let id = try waiting.createStream()
        waiting.session.publish(name: Self.key, streamID: id)
        try waiting.flush()

        let started = Date()
        let other = try BlockingClient(port: harness.port)
        try other.connect()
        try other.roundTrip()
        #expect(Date().timeIntervalSince(started) < 0.8)
        try waiting.waitFor("Publish.Start", waiting.status("NetStream.Publish.Start"))
    }
}
