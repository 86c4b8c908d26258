import Foundation
import RTMP
import Testing

@testable import MediaServer

/// Scaled-down runs of the load cases in docs/security.md: many stalled players next to
/// reading ones, and hundreds of idle or slow handshakes. They check behaviour, not timing.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct LimitsScaleTests {
    @Test func stalledPlayersDoNotHoldBackReadingOnes() throws {
        var limits = LimitsTests.quietLimits()
        limits.playerQueueBytes = 256 << 10
        let harness = try LimitsTests.Harness(limits)
        let publisher = try harness.client()
        let (stream, _) = try publisher.publish("crowd", app: "open")

        var stalled: [BlockingClient] = []
        for _ in 0..<20 {
            let player = try harness.client()
            _ = try player.play("crowd", app: "open")  // then never reads again
            stalled.append(player)
        }
        var readers: [BlockingClient] = []
        for _ in 0..<20 {
            let player = try harness.client()
            _ = try player.play("crowd", app: "open")
            readers.append(player)
        }

        // 6 MB in 120 messages of 50 kB, a keyframe every 20: more than each stalled
        // player's socket buffers and queue hold, so every stalled player must drop.
        let total = 120
        let threads = readers.map { ReaderThread($0, expected: total) }
        for index in 0..<total {
            let tag = UInt8(truncatingIfNeeded: index)
            let payload = index % 20 == 0 ? Media.keyframe(tag, size: 50_000) : Media.interframe(tag, size: 50_000)
            try publisher.send(Media.video(payload, at: UInt32(index * 20), on: stream))
            usleep(20_000)
        }
        let received = threads.map { $0.join(seconds: 30) }

        for (index, count) in received.enumerated() {
            #expect(count == total, "reading player \(index) got \(count) of \(total) messages")
        }
        let dropped = harness.server.metrics.counter(
            "sealcast_messages_dropped_total", dimensions: [("reason", "slow_player")]
        ).value
        #expect(dropped >= 20, "the stalled players dropped only \(dropped) messages")
        // The publisher was never cut off and still gets replies.
        #expect(throws: Never.self) { try publisher.roundTrip() }
        #expect(stalled.count == 20)
    }

    @Test func handshakeTimeoutReclaimsFiveHundredIdleConnections() throws {
        var limits = LimitsTests.quietLimits()
        limits.handshakeTimeoutSeconds = 1
        limits.maximumConnectionsPerAddress = 1_000
        let harness = try LimitsTests.Harness(limits)

        // 480 connections that send nothing and 20 that send one byte every 300 ms.
        var idle: [IdleSocket] = []
        for _ in 0..<480 { idle.append(try IdleSocket(port: harness.port)) }
        var trickling: [IdleSocket] = []
        for _ in 0..<20 { trickling.append(try IdleSocket(port: harness.port)) }
        let deadline = Date().addingTimeInterval(10)
        var sent = 0
        while harness.closed("handshake_timeout") < 500 && Date() < deadline {
            // C0 (version 3), then the start of C1: never a whole handshake.
            for socket in trickling { socket.send(sent == 0 ? 3 : 0) }
            sent += 1
            usleep(300_000)
        }

        #expect(harness.closed("handshake_timeout") == 500)
        #expect(sent >= 3, "the slow clients sent only \(sent) bytes each")
        #expect(idle.allSatisfy { $0.isClosedByServer(within: 1) })
        #expect(trickling.allSatisfy { $0.isClosedByServer(within: 1) })
        #expect(harness.server.metrics.gauge("sealcast_sessions_active").value == 0)

        let client = try harness.client()
        try client.connect()
        #expect(throws: Never.self) { try client.roundTrip() }
    }
}
