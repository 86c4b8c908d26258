import Foundation
import RTMP

/// A `ServerSession` that has completed its handshake with an in-memory
/// `ClientSession`, ready for the bytes a fuzz input supplies.
///
/// The server accepts every connect, publish and play request, so the input
/// reaches the states after each of them.
public final class SessionHarness {
    /// The server under test.
    public let server = ServerSession(configuration: ServerSession.Configuration(), crypto: FuzzCrypto(seed: 11), now: 0)
    /// The client used for the handshake and, in `recordClientBytes`, for commands.
    public let client: ClientSession
    /// The time passed to the sessions, in milliseconds. Each step adds one.
    public private(set) var now: UInt64 = 0
    /// The number of bytes the server has sent since the handshake.
    public private(set) var outboundBytes = 0

    /// Creates the pair and runs the handshake. The client sends no Set Chunk Size.
    public init() {
        var configuration = ClientSession.Configuration()
        configuration.outgoingChunkSize = nil
        client = ClientSession(configuration: configuration, crypto: FuzzCrypto(seed: 5), now: 0)
        exchange(rounds: 8)
        require(!server.isClosed, "the in-memory handshake failed: \(String(describing: server.closeReason))")
        outboundBytes = 0
    }

    /// Passes bytes between client and server for at most `rounds` rounds and
    /// returns what the client sent.
    @discardableResult
    public func exchange(rounds: Int) -> [UInt8] {
        var sent: [UInt8] = []
        for _ in 0..<rounds {
            var moved = false
            while let bytes = client.pollOutbound() {
                sent += bytes
                let reply = deliver(bytes[...]).outbound
                client.receive(reply, now: now)
                moved = true
            }
            while client.nextEvent() != nil {}
            if !moved { break }
        }
        return sent
    }

    /// Passes `bytes` to the server, decides on every event and drains its output.
    /// - Returns: the number of events and the bytes the server sent.
    @discardableResult
    public func deliver(_ bytes: ArraySlice<UInt8>) -> (events: Int, outbound: [UInt8]) {
        now += 1
        bytes.withUnsafeBytes { server.receive($0, now: now) }
        var events = 0
        while let event = server.nextEvent() {
            events += 1
            switch event {
            case .connect: server.acceptConnect()
            case .publish(let request): server.acceptPublish(request)
            case .play(let request): server.acceptPlay(request)
            default: break
            }
        }
        var outbound: [UInt8] = []
        while let reply = server.pollOutbound() {
            require(!reply.isEmpty, "pollOutbound returned an empty block instead of nil")
            outbound += reply
        }
        outboundBytes += outbound.count
        return (events, outbound)
    }

    /// Runs a publishing client and a playing client after the handshake and
    /// returns the bytes each sent to the server, as seeds for chunk-level targets.
    public static func recordClientBytes() -> [String: [UInt8]] {
        var scripts: [String: [UInt8]] = [:]

        let publisher = SessionHarness()
        var bytes: [UInt8] = []
        publisher.client.connect(app: "live", tcUrl: "rtmp://127.0.0.1/live")
        bytes += publisher.exchange(rounds: 8)
        publisher.client.createStream()
        bytes += publisher.exchange(rounds: 8)
        publisher.client.publish(name: "key")
        bytes += publisher.exchange(rounds: 8)
        let stream = publisher.client.lastCreatedStream ?? MessageStreamID(1)
        let media: [(MessageTypeID, ChunkStreamID, [UInt8])] = [
            (.video, .video, [0x17, 0x00, 0x00, 0x00, 0x00, 0x01, 0x64, 0x00, 0x1F, 0xFF, 0xE1, 0x00, 0x00, 0x01, 0x00, 0x00]),
            (.audio, .audio, [0xAF, 0x00, 0x12, 0x10]),
            (.video, .video, [0x17, 0x01, 0x00, 0x00, 0x00] + [UInt8](repeating: 0x41, count: 200)),
            (.audio, .audio, [0xAF, 0x01, 0x21, 0x10, 0x04]),
        ]
        for (index, (typeID, chunkStream, payload)) in media.enumerated() {
            let message = Message(
                chunkStreamID: chunkStream,
                typeID: typeID,
                streamID: stream,
                timestamp: UInt32(index * 20),
                payload: payload
            )
            publisher.client.sendMedia(message)
        }
        bytes += publisher.exchange(rounds: 8)
        scripts["publish"] = bytes

        let player = SessionHarness()
        bytes = []
        player.client.connect(app: "live", tcUrl: "rtmp://127.0.0.1/live")
        bytes += player.exchange(rounds: 8)
        player.client.createStream()
        bytes += player.exchange(rounds: 8)
        player.client.play(name: "key")
        bytes += player.exchange(rounds: 8)
        scripts["play"] = bytes
        return scripts
    }
}
