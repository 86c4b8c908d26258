import AMF
import Foundation
import Observability
import RTMP
import Testing

@testable import MediaServer

/// Each limit of `LimitsConfiguration`, hit over loopback: the connection that hits it
/// closes with its own reason, and a bystander on the same server keeps working.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct LimitsTests {
    static let key = "limits-key-0123456789abcdef"

    final class Harness {
        let server: RTMPServer
        let logs = MemoryLogHandler()

        init(_ limits: LimitsConfiguration) throws {
            server = try RTMPServer(
                settings: RTMPServer.Settings(
                    rtmp: ListenAddress(host: "127.0.0.1", port: 0), rtmps: nil, tls: nil,
                    applications: [
                        ApplicationConfiguration(
                            name: "live", streamKeys: [StreamKeyConfiguration(stream: "show", key: LimitsTests.key)]
                        ),
                        ApplicationConfiguration(name: "open", openPublishing: true),
                    ],
                    limits: limits, eventLoops: 2
                ),
                logger: Logger(label: "test", level: .debug, handler: logs)
            )
        }

        var port: Int { server.rtmpAddress!.port }

        func client(_ configuration: ClientSession.Configuration = .init()) throws -> BlockingClient {
            try BlockingClient(port: port, configuration: configuration)
        }

        /// Returns the number of sessions closed with `reason` so far.
        func closed(_ reason: String) -> Int {
            server.metrics.counter("sealcast_sessions_closed_total", dimensions: [("reason", reason)]).value
        }

        /// Waits until `count` sessions closed with `reason`, at most `seconds`.
        func waitForClosed(_ reason: String, count: Int = 1, seconds: Double = 5) -> Int {
            let deadline = Date().addingTimeInterval(seconds)
            while closed(reason) < count && Date() < deadline { usleep(20_000) }
            return closed(reason)
        }

        /// Returns whether a debug line starting with "closing: " and containing `text` was logged.
        func loggedClose(containing text: String) -> Bool {
            logs.all.contains { $0.level == .debug && $0.message.hasPrefix("closing: ") && $0.message.contains(text) }
        }

        /// Counts the warnings that report refused connections and contain `text`.
        func refusalWarnings(containing text: String) -> Int {
            logs.all.filter { $0.level == .warning && $0.message.hasPrefix("refused ") && $0.message.contains(text) }.count
        }

        deinit { server.shutdown() }
    }

    /// Limits with every timeout long, so that only the one a test shortens can fire.
    static func quietLimits() -> LimitsConfiguration {
        var limits = LimitsConfiguration()
        limits.handshakeTimeoutSeconds = 60
        limits.connectTimeoutSeconds = 60
        limits.startTimeoutSeconds = 60
        limits.publisherIdleTimeoutSeconds = 60
        limits.playerStallTimeoutSeconds = 60
        return limits
    }

    /// Checks that a connected bystander still gets replies from the server.
    func expectWorking(_ bystander: BlockingClient, _ comment: Comment? = nil) {
        #expect(throws: Never.self, comment) { try bystander.roundTrip() }
    }

    /// Reads a few times so that the client finishes the handshake (it sends C2 after S2).
    func finishHandshake(_ client: BlockingClient) throws {
        for _ in 0..<10 { try client.readOnce() }
    }

    // MARK: - Timeouts

    @Test func handshakeTimeoutClosesSilentClient() throws {
        var limits = Self.quietLimits()
        limits.handshakeTimeoutSeconds = 1
        let harness = try Harness(limits)
        let bystander = try harness.client()
        try bystander.connect()

        let silent = try IdleSocket(port: harness.port)
        #expect(harness.waitForClosed("handshake_timeout") == 1)
        #expect(silent.isClosedByServer(within: 2))
        #expect(harness.loggedClose(containing: "no handshake within 1 s"))
        expectWorking(bystander)
    }

    @Test func connectTimeoutClosesClientAfterHandshake() throws {
        var limits = Self.quietLimits()
        limits.connectTimeoutSeconds = 1
        let harness = try Harness(limits)
        let bystander = try harness.client()
        try bystander.connect()

        let waiting = try harness.client()
        try finishHandshake(waiting)
        #expect(try waiting.serverCloses(within: 4))
        #expect(harness.closed("connect_timeout") == 1)
        #expect(harness.closed("handshake_timeout") == 0)
        expectWorking(bystander)
    }

    @Test func startTimeoutClosesClientThatNeitherPublishesNorPlays() throws {
        var limits = Self.quietLimits()
        limits.startTimeoutSeconds = 1
        let harness = try Harness(limits)
        let publisher = try harness.client()
        let (stream, code) = try publisher.publish("a", app: "open")
        #expect(code == "NetStream.Publish.Start")

        let idle = try harness.client()
        try idle.connect()
        #expect(try idle.serverCloses(within: 4))
        #expect(harness.closed("start_timeout") == 1)
        // The publisher was connected for as long, and stays.
        try publisher.send(Media.video(Media.keyframe(1), at: 0, on: stream))
        expectWorking(publisher)
    }

    @Test func idlePublisherIsClosed() throws {
        var limits = Self.quietLimits()
        limits.publisherIdleTimeoutSeconds = 2
        let harness = try Harness(limits)
        let active = try harness.client()
        let (activeStream, _) = try active.publish("active", app: "open")
        let idle = try harness.client()
        _ = try idle.publish("idle", app: "open")

        // The active publisher sends a frame every 200 ms for 3.6 s; the idle one sends nothing.
        for index in 0..<18 {
            try active.send(Media.video(Media.keyframe(UInt8(index)), at: UInt32(index * 200), on: activeStream))
            usleep(200_000)
        }
        #expect(try idle.serverCloses(within: 2))
        #expect(harness.closed("publisher_idle") == 1)
        #expect(harness.loggedClose(containing: "no media from the publisher for 2 s"))
        expectWorking(active)
    }

    @Test func stalledPlayerIsClosedAndReaderKeepsUp() throws {
        var limits = Self.quietLimits()
        limits.playerStallTimeoutSeconds = 1
        limits.playerQueueBytes = 1 << 20
        let harness = try Harness(limits)
        let publisher = try harness.client()
        let (stream, _) = try publisher.publish("feed", app: "open")
        let stalled = try harness.client()
        _ = try stalled.play("feed", app: "open")  // then never reads again
        let reader = try harness.client()
        _ = try reader.play("feed", app: "open")

        // 8 MB in 80 messages over about 4 s: far more than the stalled player's socket buffers hold.
        let total = 80
        let readerThread = ReaderThread(reader, expected: total)
        for index in 0..<total {
            let tag = UInt8(truncatingIfNeeded: index)
            let payload = index % 10 == 0 ? Media.keyframe(tag, size: 100_000) : Media.interframe(tag, size: 100_000)
            try publisher.send(Media.video(payload, at: UInt32(index * 50), on: stream))
            usleep(50_000)
        }
        let received = readerThread.join(seconds: 20)

        #expect(received == total, "the reading player got \(received) of \(total) messages")
        #expect(harness.waitForClosed("player_stalled") == 1)
        #expect(harness.loggedClose(containing: "the player read nothing of"))
        expectWorking(publisher)
    }

    @Test func waitingPlayerIsNotStalled() throws {
        var limits = Self.quietLimits()
        limits.playerStallTimeoutSeconds = 1
        let harness = try Harness(limits)
        let player = try harness.client()
        _ = try player.play("nobody", app: "open")
        #expect(try !player.serverCloses(within: 2.5))
        #expect(harness.closed("player_stalled") == 0)
        expectWorking(player)
    }

    // MARK: - Counts

    @Test func connectionLimitClosesTheConnectionOverIt() throws {
        var limits = Self.quietLimits()
        limits.maximumConnections = 2
        let harness = try Harness(limits)
        let first = try harness.client()
        try first.connect()
        let second = try harness.client()
        try second.connect()

        let third = try harness.client()
        #expect(try third.serverCloses(within: 2))
        #expect(harness.closed("connection_limit") == 1)
        #expect(harness.refusalWarnings(containing: "refused 1 new connection(s) since the last report") == 1)
        #expect(harness.refusalWarnings(containing: "maximumConnections 2") == 1)

        // A second refusal within 10 s gets a debug line, not another warning.
        let extra = try harness.client()
        #expect(try extra.serverCloses(within: 2))
        #expect(harness.loggedClose(containing: "maximumConnections 2"))
        #expect(harness.refusalWarnings(containing: "maximumConnections 2") == 1)
        expectWorking(first)
        expectWorking(second)

        // A place frees up when a client leaves.
        second.disconnect()
        _ = harness.waitForClosed("peer_closed")
        let fourth = try harness.client()
        try fourth.connect()
        expectWorking(fourth)
    }

    @Test func perAddressLimitClosesTheConnectionOverIt() throws {
        var limits = Self.quietLimits()
        limits.maximumConnectionsPerAddress = 1
        let harness = try Harness(limits)
        let first = try harness.client()
        try first.connect()

        let second = try harness.client()
        #expect(try second.serverCloses(within: 2))
        #expect(harness.closed("address_limit") == 1)
        #expect(harness.closed("connection_limit") == 0)
        #expect(harness.refusalWarnings(containing: "maximumConnectionsPerAddress 1") == 1)
        expectWorking(first)
    }

    @Test func streamLimitRejectsANewStream() throws {
        var limits = Self.quietLimits()
        limits.maximumStreams = 1
        let harness = try Harness(limits)
        let publisher = try harness.client()
        let (stream, code) = try publisher.publish("one", app: "open")
        #expect(code == "NetStream.Publish.Start")

        let second = try harness.client()
        let (_, secondCode) = try second.publish("two", app: "open")
        #expect(secondCode == "NetStream.Publish.Failed")
        #expect(try second.serverCloses(within: 2))

        let player = try harness.client()
        try player.connect(app: "open")
        let playStream = try player.createStream()
        player.session.play(name: "three", streamID: playStream)
        try player.flush()
        try player.waitFor("Play.Failed", player.status("NetStream.Play.Failed"))
        #expect(try player.serverCloses(within: 2))

        #expect(harness.closed("stream_limit") == 2)
        #expect(harness.server.streamCount == 1)
        // Playing the stream that exists still works.
        let viewer = try harness.client()
        _ = try viewer.play("one", app: "open")
        try publisher.send(Media.video(Media.keyframe(7), at: 0, on: stream))
        try viewer.waitFor("the keyframe") { event in
            if case .media(let message) = event { return message.typeID == .video }
            return false
        }
    }

    // MARK: - Protocol limits

    @Test func chunkSizeLimitClosesTheConnection() throws {
        var limits = Self.quietLimits()
        limits.maximumIncomingChunkSize = 1024
        let harness = try Harness(limits)
        var small = ClientSession.Configuration()
        small.outgoingChunkSize = 1024
        let bystander = try harness.client(small)
        try bystander.connect()

        var large = ClientSession.Configuration()
        large.outgoingChunkSize = 4096
        let client = try harness.client(large)
        #expect(throws: BlockingClient.Failure.self) { try client.connect() }
        #expect(harness.waitForClosed("chunk_size_limit") == 1)
        expectWorking(bystander)
    }

    @Test func messageSizeLimitClosesThePublisher() throws {
        var limits = Self.quietLimits()
        limits.maximumMessageSize = 1024
        let harness = try Harness(limits)
        let bystander = try harness.client()
        try bystander.connect()

        let publisher = try harness.client()
        let (stream, _) = try publisher.publish("big", app: "open")
        try publisher.send(Media.video(Media.keyframe(1, size: 2000), at: 0, on: stream))
        #expect(try publisher.serverCloses(within: 2))
        #expect(harness.closed("message_size_limit") == 1)
        expectWorking(bystander)
    }

    @Test func chunkStreamLimitClosesTheConnection() throws {
        var limits = Self.quietLimits()
        limits.maximumChunkStreams = 8
        let harness = try Harness(limits)
        let bystander = try harness.client()
        try bystander.connect()

        let publisher = try harness.client()
        let (stream, _) = try publisher.publish("many", app: "open")
        for chunkStream in 20..<30 {
            let message = Message(
                chunkStreamID: ChunkStreamID(UInt32(chunkStream)), typeID: .video, streamID: stream, timestamp: 0,
                payload: Media.keyframe(UInt8(chunkStream))
            )
            try? publisher.send(message)
        }
        #expect(try publisher.serverCloses(within: 2))
        #expect(harness.closed("chunk_stream_limit") == 1)
        expectWorking(bystander)
    }

    @Test func messageStreamLimitClosesTheConnection() throws {
        var limits = Self.quietLimits()
        limits.maximumMessageStreams = 1
        let harness = try Harness(limits)
        let bystander = try harness.client()
        try bystander.connect()

        let client = try harness.client()
        try client.connect(app: "open")
        _ = try client.createStream()
        client.session.createStream()
        try client.flush()
        #expect(try client.serverCloses(within: 2))
        #expect(harness.closed("message_stream_limit") == 1)
        expectWorking(bystander)
    }

    @Test func amfDepthLimitClosesTheConnection() throws {
        var limits = Self.quietLimits()
        limits.maximumAMFDepth = 4
        let harness = try Harness(limits)
        let bystander = try harness.client()
        try bystander.connect()

        let client = try harness.client()
        try client.connect(app: "open")
        var nested = AMF0Value.number(1)
        for _ in 0..<8 { nested = .object([AMF0Property("inner", nested)]) }
        client.session.sendCommand(Command(name: "deep", transactionID: 0, arguments: [nested]))
        try client.flush()
        #expect(try client.serverCloses(within: 2))
        #expect(harness.closed("invalid_command") == 1)
        expectWorking(bystander)
    }

    @Test func amfStringLimitClosesTheConnection() throws {
        var limits = Self.quietLimits()
        limits.maximumAMFStringLength = 1024
        let harness = try Harness(limits)
        let bystander = try harness.client()
        try bystander.connect()

        let client = try harness.client()
        try client.connect(app: "open")
        let long = String(repeating: "x", count: 2000)
        client.session.sendCommand(Command(name: "long", transactionID: 0, arguments: [.string(long)]))
        try client.flush()
        #expect(try client.serverCloses(within: 2))
        #expect(harness.closed("invalid_command") == 1)
        expectWorking(bystander)
    }
}

/// A TCP connection to loopback that sends nothing, as a client that stalls before the handshake.
final class IdleSocket {
    let descriptor: Int32

    init(port: Int) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw BlockingClient.Failure(description: "socket failed: errno \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            close(descriptor)
            throw BlockingClient.Failure(description: "connect to port \(port) failed: errno \(errno)")
        }
    }

    deinit { close(descriptor) }

    /// Sends one byte.
    func send(_ byte: UInt8) {
        var value = byte
        _ = Glibc.send(descriptor, &value, 1, Int32(MSG_NOSIGNAL))
    }

    /// Waits up to `seconds` for the server to close; true when it did (end of file or reset).
    func isClosedByServer(within seconds: Double) -> Bool {
        var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, Int32(seconds * 1000)) == 1 else { return false }
        var byte: UInt8 = 0
        return recv(descriptor, &byte, 1, 0) <= 0
    }
}
