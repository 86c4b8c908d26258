import Foundation
import Testing

@testable import RTMPClient

/// The load generator end to end against an in-process server, with a file made by ffmpeg.
@Suite(.serialized, .timeLimit(.minutes(1)))
struct BenchFanoutTests {
    @Test func threePlayersKeepUp() async throws {
        let server = try TestServer()
        let media = try BenchMedia(flv: [UInt8](Data(contentsOf: Samples.h264AAC)))
        #expect(media.mediaBytesPerSecond > 10_000)

        // The players play live/show; the bench publishes with the secret key.
        var options = FanoutBench.Options(target: try BenchTarget(server.playURL), players: 3, media: media)
        options.publishKey = TestServer.key
        options.duration = 3
        options.warmup = 1
        options.ramp = 0.3
        options.publisherWait = 1
        options.server = .pids([getpid()])
        let result = try await FanoutBench.run(options)

        #expect(result.publisherFailure == nil)
        #expect(result.errors.isEmpty, "\(result.errors)")
        #expect(result.playersOk == 3)
        #expect(result.keptUp == 3)
        #expect((result.bytes?.min ?? 0) > 0)
        #expect(abs(result.duration - 3) < 0.5)
        #expect(result.firstKeyframeMs?.count == 3)
        #expect((result.e2eDelayMs?.count ?? 0) > 50, "each player measured its video frames' delays")
        #expect((result.mediaRatio?.min ?? 0) >= 0.95)
        #expect((result.timestampRatio?.min ?? 0) >= 0.95)
        // The bench's own process never counts as the server.
        #expect(!result.serverPids.contains(getpid()))
    }

    @Test func startupRecordsEveryPhase() async throws {
        let server = try TestServer()
        let media = try BenchMedia(flv: [UInt8](Data(contentsOf: Samples.h264AAC)))
        var options = StartupBench.Options(target: try BenchTarget(server.rtmpsPlayURL), media: media)
        options.publishKey = TestServer.key
        options.count = 3
        options.publisherWait = 1
        options.gap = 0.05...0.1
        let result = try await StartupBench.run(options)
        #expect(result.ok == 3, "\(result.errors)")
        let tls = try #require(result.phases["tls"])
        let keyframe = try #require(result.phases["first_keyframe"])
        #expect(tls.p50 > 0)
        #expect(keyframe.p50 >= tls.p50)
        #expect(result.phases.keys.sorted() == StartupBench.phaseNames.sorted())
    }

    @Test func handshakesCountConnects() async throws {
        let server = try TestServer()
        var options = HandshakeBench.Options(target: try BenchTarget("rtmp://127.0.0.1:\(server.rtmpPort)/live", requiresStreamName: false))
        options.concurrency = 2
        options.duration = 1
        let result = try await HandshakeBench.run(options)
        #expect(result.ok > 10, "\(result.errors)")
        #expect(result.failed == 0)
        #expect(result.phases["connect_result"] != nil)
        #expect(result.phases["tls"] == nil)
    }
}
