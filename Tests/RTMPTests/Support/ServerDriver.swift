import AMF
import Bytes
import Testing

@testable import RTMP

/// Drives a `ServerSession` with raw messages, as a scripted client would send
/// them, and decodes what the server sends back. The server's decisions come
/// from `policy`, which accepts everything unless a test replaces it.
final class ServerDriver {
    let server: ServerSession
    var policy: (ServerEvent, ServerSession) -> Void = ServerDriver.acceptEverything
    private(set) var events: [ServerEvent] = []

    private var handshake: ClientHandshake
    private var writer = ChunkWriter()
    private var decoder = ChunkDecoder()
    private var inbound = ByteBuffer()
    private var now: UInt64 = 1_000

    init(digestScheme: HandshakeDigestScheme? = nil, configuration: ServerSession.Configuration = .init()) {
        server = ServerSession(configuration: configuration, crypto: FixedCrypto(seed: 3), now: 0)
        handshake = ClientHandshake(digestScheme: digestScheme, crypto: FixedCrypto(seed: 9))
    }

    static func acceptEverything(_ event: ServerEvent, _ server: ServerSession) {
        switch event {
        case .connect: server.acceptConnect()
        case .publish(let request): server.acceptPublish(request)
        case .play(let request): server.acceptPlay(request)
        default: break
        }
    }

    /// Runs the handshake, delivering C0 + C1 in pieces of `pieceSize` bytes.
    func performHandshake(pieceSize: Int = 1537) throws {
        let c0c1 = handshake.start(now: 0)
        for start in stride(from: 0, to: c0c1.count, by: pieceSize) {
            deliver(Array(c0c1[start..<min(start + pieceSize, c0c1.count)]))
        }
        inbound.writeBytes(server.pollOutbound() ?? [])
        let progress = try handshake.advance(&inbound)
        #expect(progress.completed)
        deliver(progress.outbound)
        #expect(try collectReplies().isEmpty)
    }

    /// Sends `messages` as one block of bytes and returns the messages the server sends back.
    @discardableResult
    func send(_ messages: [Message], split pieceSize: Int? = nil) throws -> [Message] {
        var buffer = ByteBuffer()
        for message in messages {
            writer.write(message, into: &buffer)
            if message.typeID == .setChunkSize {
                writer.chunkSize = Int(try SetChunkSize(payload: message.payload).chunkSize)
            }
        }
        let bytes = buffer.readAllBytes()
        let size = pieceSize ?? max(bytes.count, 1)
        for start in stride(from: 0, to: bytes.count, by: size) {
            deliver(Array(bytes[start..<min(start + size, bytes.count)]))
        }
        return try collectReplies()
    }

    /// Sends one command on the given message stream.
    @discardableResult
    func send(_ command: Command, streamID: UInt32 = 0) throws -> [Command] {
        let chunkStream = streamID == 0 ? ChunkStreamID.command : ChunkStreamID(8)
        let replies = try send([command.message(chunkStreamID: chunkStream, streamID: MessageStreamID(streamID))])
        return try replies.filter { $0.typeID == .commandAMF0 }.map { try Command(message: $0) }
    }

    func collectReplies() throws -> [Message] {
        while let event = server.nextEvent() {
            events.append(event)
            policy(event, server)
        }
        while let bytes = server.pollOutbound() {
            inbound.writeBytes(bytes)
        }
        var replies: [Message] = []
        while let message = try decoder.decode(from: &inbound) {
            replies.append(message)
        }
        return replies
    }

    private func deliver(_ bytes: [UInt8]) {
        now += 1
        server.receive(bytes, now: now)
    }
}

/// The `code` of an `onStatus`-style command's information object.
func statusCode(_ command: Command) -> String? {
    command.arguments.first?["code"]?.stringValue
}

/// Builds a command with a `.null` command object.
func call(_ name: String, _ transactionID: Double, _ arguments: AMF0Value...) -> Command {
    Command(name: name, transactionID: transactionID, commandObject: .null, arguments: arguments)
}

/// Builds a connect command with the given properties.
func connect(_ properties: [AMF0Property], transactionID: Double = 1) -> Command {
    Command(name: "connect", transactionID: transactionID, commandObject: .object(properties))
}

/// A small video message on `streamID`.
func videoMessage(streamID: UInt32, timestamp: UInt32, size: Int = 300) -> Message {
    Message(
        chunkStreamID: .video,
        typeID: .video,
        streamID: MessageStreamID(streamID),
        timestamp: timestamp,
        payload: [0x17, 0x01] + countingPayload(size - 2)
    )
}

/// A `@setDataFrame` onMetaData data message on `streamID`.
func setDataFrame(streamID: UInt32) -> Message {
    let metadata: AMF0Value = .ecmaArray([AMF0Property("width", 1280), AMF0Property("height", 720)])
    return DataMessage(name: "@setDataFrame", values: ["onMetaData", metadata])
        .message(streamID: MessageStreamID(streamID))
}
