import FLV
import Foundation
import Network
import RTMP
import TLS
import Testing

@testable import RTMPClient

/// The clients against an in-process server on loopback, with a file made by ffmpeg.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct ClientLoopbackTests {
    @Test func publishedFilePlaysBackUnchanged() async throws {
        let source = try Samples.packets(of: Samples.h264AAC.path, name: "source-framemd5")
        #expect(source.count > 100)
        let server = try TestServer()
        let group = EventLoopGroup(numberOfThreads: 1)
        defer { group.shutdown() }

        // Both players arrive before the publisher, so they get every packet. The timeouts are
        // generous because a full parallel test run can stall this test for many seconds.
        let (player, recording) = try await startPlayer(server.playURL, group: group)
        let ffmpegPlayer = try ChildProcess(
            Samples.ffmpeg,
            ["-hide_banner", "-nostdin", "-loglevel", "error", "-rw_timeout", "20000000", "-i", server.playURL,
             "-c", "copy", "-f", "framemd5", "-"],
            name: "ffmpeg-play"
        )
        #expect(await server.waitForLog("play started", count: 2), "the ffmpeg player did not start playing")

        let publisher = try PublishClient(configuration: ClientConfiguration(url: try RTMPURL(server.publishURL)), group: group)
        try await publisher.connect()
        // Paced as ffmpeg -re sends: a burst made ffmpeg 5.1's player skip packets on a busy machine.
        try await publishAll(try publishMessages(of: Samples.h264AAC), with: publisher, realTime: true)
        await publisher.close()

        #expect(await eventually(seconds: 30) { recording.publisherEnded })
        #expect(!server.logs.all.contains { $0.message.hasPrefix("slow player") })
        await player.close()
        let recorded = Samples.directory.appendingPathComponent("recorded.flv")
        try Data(recording.file).write(to: recorded)
        let played = try Samples.packets(of: recorded.path, name: "recorded-framemd5")
        #expect(played == source, "client player: \(played.count) of \(source.count) packets")

        #expect(await ffmpegPlayer.waitAsync(seconds: 40) == 0, "ffmpeg player failed: \(ffmpegPlayer.errorOutput)")
        let ffmpegPlayed = Packet.parse(ffmpegPlayer.output)
        #expect(ffmpegPlayed == source, "ffmpeg player: \(ffmpegPlayed.count) of \(source.count) packets")
    }

    @Test func playerSeesMetadataAndHeadersFirst() async throws {
        let server = try TestServer()
        let group = EventLoopGroup(numberOfThreads: 1)
        defer { group.shutdown() }
        let (player, recording) = try await startPlayer(server.playURL, group: group)
        let publisher = try PublishClient(configuration: ClientConfiguration(url: try RTMPURL(server.publishURL)), group: group)
        try await publisher.connect()
        let messages = try publishMessages(of: Samples.h264AAC)
        try await publishAll(Array(messages.prefix(20)), with: publisher)

        #expect(await eventually(seconds: 30) { recording.media.count >= 20 })
        let media = recording.media
        #expect(media.first.map { Metadata.startsWithString(Metadata.onMetaData, in: $0.payload) } == true)
        #expect(media.dropFirst().prefix(2).map(\.typeID).sorted { $0.rawValue < $1.rawValue } == [.audio, .video])
        #expect(zip(media.dropFirst(), messages.dropFirst()).allSatisfy { $0.payload == $1.payload && $0.timestamp == $1.timestamp })
        await publisher.close()
        await player.close()
    }

    // MARK: - Errors

    @Test func wrongKeyIsRejectedWithItsStatusCode() async throws {
        let server = try TestServer()
        let group = EventLoopGroup(numberOfThreads: 1)
        defer { group.shutdown() }
        let url = try RTMPURL("rtmp://127.0.0.1:\(server.rtmpPort)/live/not-the-key-0000000000")
        let publisher = try PublishClient(configuration: ClientConfiguration(url: url), group: group)

        let error = await #expect(throws: RTMPClientError.publishRejected) { try await publisher.connect() }
        #expect(error?.statusCode == "NetStream.Publish.Denied")
        #expect(error?.description.contains("NetStream.Publish.Denied") == true)
        #expect(error?.description.contains("not-the-key") == false)
    }

    @Test func unknownApplicationIsRejected() async throws {
        let server = try TestServer()
        let group = EventLoopGroup(numberOfThreads: 1)
        defer { group.shutdown() }
        let url = try RTMPURL("rtmp://127.0.0.1:\(server.rtmpPort)/nothing/show")
        let player = try PlayClient(configuration: ClientConfiguration(url: url), group: group) { _ in }

        let error = await #expect(throws: RTMPClientError.self) { try await player.start() }
        #expect(error == .connectRejected || error == .playRejected, "\(String(describing: error))")
    }

    @Test func closedPortReportsConnectionRefused() async throws {
        let port = try TestServer().rtmpPort  // the server shuts down when it goes out of scope
        let group = EventLoopGroup(numberOfThreads: 1)
        defer { group.shutdown() }
        let url = try RTMPURL("rtmp://127.0.0.1:\(port)/live/show")
        let player = try PlayClient(configuration: ClientConfiguration(url: url), group: group) { _ in }

        let error = await #expect(throws: RTMPClientError.connectionFailed) { try await player.start() }
        #expect(error?.description.contains("refused") == true, "\(String(describing: error))")
    }

    @Test func silentServerTimesOut() async throws {
        let listener = try SilentListener()
        let group = EventLoopGroup(numberOfThreads: 1)
        defer { group.shutdown() }
        var configuration = ClientConfiguration(url: try RTMPURL("rtmp://127.0.0.1:\(listener.port)/live/show"))
        configuration.responseTimeout = .milliseconds(300)
        let player = try PlayClient(configuration: configuration, group: group) { _ in }

        let started = ContinuousClock.now
        let error = await #expect(throws: RTMPClientError.timedOut) { try await player.start() }
        #expect(ContinuousClock.now - started < .seconds(20), "the 300 ms response timeout did not end the attempt")
        #expect(error?.description.contains("handshake") == true, "\(String(describing: error))")
    }

    // MARK: - RTMPS

    func rtmpsPlay(_ tls: ClientTLSOptions, server: TestServer, group: EventLoopGroup) async throws {
        let player = try PlayClient(
            configuration: ClientConfiguration(url: try RTMPURL(server.rtmpsPlayURL), tls: tls),
            group: group
        ) { _ in }
        try await player.start()
        await player.close()
    }

    static func certificatePin() throws -> [UInt8] {
        try ClientTLSOptions.parseFingerprint(
            try SelfSignedCertificate.fingerprintSHA256(certificatePEMFile: Samples.certificate.chain)
        )
    }

    @Test func rtmpsMatchingPinConnects() async throws {
        let server = try TestServer()
        let group = EventLoopGroup(numberOfThreads: 1)
        defer { group.shutdown() }
        try await rtmpsPlay(ClientTLSOptions(pinnedSHA256: try Self.certificatePin()), server: server, group: group)
    }

    @Test func rtmpsWrongPinFails() async throws {
        let server = try TestServer()
        let group = EventLoopGroup(numberOfThreads: 1)
        defer { group.shutdown() }
        var pin = try Self.certificatePin()
        pin[0] ^= 0xFF

        let error = await #expect(throws: RTMPClientError.tlsVerificationFailed) {
            try await rtmpsPlay(ClientTLSOptions(pinnedSHA256: pin), server: server, group: group)
        }
        #expect(error?.description.contains("pinned") == true, "\(String(describing: error))")
    }

    @Test func rtmpsInsecureConnects() async throws {
        let server = try TestServer()
        let group = EventLoopGroup(numberOfThreads: 1)
        defer { group.shutdown() }
        try await rtmpsPlay(ClientTLSOptions(insecure: true), server: server, group: group)
    }

    @Test func rtmpsCAFileConnects() async throws {
        let server = try TestServer()
        let group = EventLoopGroup(numberOfThreads: 1)
        defer { group.shutdown() }
        try await rtmpsPlay(ClientTLSOptions(caFile: Samples.certificate.chain), server: server, group: group)
    }

    @Test func rtmpsSelfSignedFailsDefaultVerification() async throws {
        let server = try TestServer()
        let group = EventLoopGroup(numberOfThreads: 1)
        defer { group.shutdown() }

        let error = await #expect(throws: RTMPClientError.tlsVerificationFailed) {
            try await rtmpsPlay(ClientTLSOptions(), server: server, group: group)
        }
        let text = error?.description ?? ""
        #expect(text.contains("self-signed") || text.contains("self signed"), "\(text)")
        #expect(text.contains("--pin"), "\(text)")
    }

    @Test func rtmpsPublishReachesRTMPPlayer() async throws {
        let server = try TestServer()
        let group = EventLoopGroup(numberOfThreads: 1)
        defer { group.shutdown() }
        let (player, recording) = try await startPlayer(server.playURL, group: group)
        let tls = ClientTLSOptions(pinnedSHA256: try Self.certificatePin())
        let publisher = try PublishClient(
            configuration: ClientConfiguration(url: try RTMPURL(server.rtmpsPublishURL), tls: tls),
            group: group
        )
        try await publisher.connect()
        let messages = try publishMessages(of: Samples.h264AAC)
        try await publishAll(messages, with: publisher)
        await publisher.close()

        #expect(await eventually(seconds: 30) { recording.publisherEnded })
        #expect(recording.media.map(\.payload) == messages.map { Metadata.strippingSetDataFrame($0.payload) ?? $0.payload })
        await player.close()
    }
}

/// A TCP listener on 127.0.0.1 that never accepts: the kernel completes connects into its
/// backlog, and nothing is ever sent back.
final class SilentListener {
    let descriptor: Int32
    let port: Int

    init() throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(descriptor, pointer, length) == 0 && listen(descriptor, 4) == 0
                    && getsockname(descriptor, pointer, &length) == 0
            }
        }
        guard bound else {
            close(descriptor)
            throw TestFailure("cannot listen on 127.0.0.1: errno \(errno)")
        }
        self.descriptor = descriptor
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit { close(descriptor) }
}
