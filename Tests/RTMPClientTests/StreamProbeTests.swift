import FLV
import Foundation
import Network
import Testing

@testable import RTMPClient

/// `StreamProbe` and `sealcast probe` against a stream published from the ffmpeg sample.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct StreamProbeTests {
    /// Starts publishing the sample in a loop at real-time pace, until the task is cancelled.
    func startPublishing(_ server: TestServer, group: EventLoopGroup) async throws -> Task<Void, Never> {
        let publisher = try PublishClient(configuration: ClientConfiguration(url: try RTMPURL(server.publishURL)), group: group)
        try await publisher.connect()
        let messages = try publishMessages(of: Samples.h264AAC)
        return Task {
            let start = ContinuousClock.now
            do {
                for loop in 0..<20 {
                    for message in messages where loop == 0 || message.typeID != .dataAMF0 {
                        var message = message
                        message.timestamp += UInt32(loop * 3080)
                        try await Task.sleep(until: start + .milliseconds(Int64(message.timestamp)), clock: .continuous)
                        try await publisher.send(message)
                    }
                }
            } catch {
                // Cancelled by the test, which is done with the stream.
            }
            await publisher.close()
        }
    }

    @Test func probeDescribesTheSample() async throws {
        let server = try TestServer()
        let group = EventLoopGroup(numberOfThreads: 1)
        defer { group.shutdown() }
        let publishing = try await startPublishing(server, group: group)

        let info = try await StreamProbe.probe(
            configuration: ClientConfiguration(url: try RTMPURL(server.playURL)), group: group, timeout: .seconds(30)
        )
        #expect(info.video.count == 1)
        #expect(info.video.first?.codec == "H.264")
        #expect(info.video.first?.width == 320)
        #expect(info.video.first?.height == 240)
        #expect(info.audio.count == 1)
        #expect(info.audio.first?.codec == "AAC")
        #expect(info.audio.first?.sampleRate == 44100)
        #expect(info.audio.first?.channels == 2)
        #expect(info.metadata["encoder"]?.hasPrefix("Lavf") == true)
        publishing.cancel()
        _ = await publishing.result
    }

    @Test func probeOfAnIdleStreamTimesOut() async throws {
        let server = try TestServer()
        let group = EventLoopGroup(numberOfThreads: 1)
        defer { group.shutdown() }

        let error = await #expect(throws: RTMPClientError.timedOut) {
            try await StreamProbe.probe(
                configuration: ClientConfiguration(url: try RTMPURL(server.playURL)), group: group, timeout: .milliseconds(300)
            )
        }
        #expect(error?.description.contains("publisher is live") == true, "\(String(describing: error))")
    }

    @Test func probeCommandPrintsJSON() async throws {
        let server = try TestServer()
        let group = EventLoopGroup(numberOfThreads: 1)
        defer { group.shutdown() }
        let publishing = try await startPublishing(server, group: group)

        let probe = try ChildProcess(
            CommandLineClientTests.executable, ["probe", server.playURL, "--json", "--timeout", "30"], name: "cli-probe"
        )
        #expect(await probe.waitAsync(seconds: 40) == 0, "\(probe.errorOutput)")
        let info = try JSONDecoder().decode(StreamInfo.self, from: Data(probe.output.utf8))
        #expect(info.video.first?.codec == "H.264")
        #expect(info.audio.first?.codec == "AAC")
        publishing.cancel()
        _ = await publishing.result
    }
}
