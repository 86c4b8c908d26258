import AMF
import Bytes

/// The client side of one RTMP connection, without I/O, for publishing and
/// playing and for driving the server in tests.
///
/// Call order is that of `ServerSession`: `receive(_:now:)`, then
/// `nextEvent()` until `nil`, then `pollOutbound()` until `nil`. The session
/// queues C0 + C1 when it is created. Commands issued before the handshake
/// ends (such as `connect`) are held back and sent right after C2.
///
/// Chunk streams: protocol control on 2, commands on 3, stream-level
/// commands on 5; media goes on the chunk stream its message names
/// (`ChunkStreamID.audio`, `.video`, `.stream` for data).
public final class ClientSession {
    /// Settings of a client session.
    public struct Configuration: Sendable {
        /// The hard limits on input.
        public var limits = Limits()
        /// The position of C1's digest, or `nil` for the simple handshake. Default scheme 0.
        public var digestScheme: HandshakeDigestScheme? = .scheme0
        /// The chunk size announced right after the handshake, as OBS does; `nil`
        /// keeps 128 bytes, as librtmp does. Default 4096.
        public var outgoingChunkSize: Int? = 4096
        /// The flashVer property of connect.
        public var flashVersion = "FMLE/3.0 (compatible; Sealcast)"
        /// The Enhanced RTMP properties added to connect, or `nil` for a legacy
        /// connect. Default `nil`.
        public var enhancedCapabilities: EnhancedCapabilities?

        /// Creates the default configuration.
        public init() {}
    }

    private let configuration: Configuration
    private var handshake: ClientHandshake
    private var channel: MessageChannel
    /// Messages issued before the handshake ended, sent right after C2.
    private var heldMessages: [Message] = []
    private var pendingEvents: [ClientEvent] = []
    /// The command name of each transaction awaiting `_result` or `_error`.
    private var pendingTransactions: [Double: String] = [:]
    private var nextTransactionID: Double = 1
    /// The message stream from the last createStream, used by `publish` and `play` by default.
    public private(set) var lastCreatedStream: MessageStreamID?
    /// The reason the session ended, or `nil` while it is open.
    public private(set) var closeReason: SessionCloseReason?

    /// Creates a session and queues C0 + C1.
    public init(configuration: Configuration = Configuration(), crypto: any HandshakeCrypto, now: UInt64) {
        self.configuration = configuration
        handshake = ClientHandshake(digestScheme: configuration.digestScheme, crypto: crypto)
        channel = MessageChannel(limits: configuration.limits, compressedChunkStreams: nil)
        channel.sendRaw(handshake.start(now: now))
    }

    /// Whether the session has ended.
    public var isClosed: Bool { closeReason != nil }

    /// Takes bytes read from the socket.
    public func receive(_ bytes: UnsafeRawBufferPointer, now: UInt64) {
        guard !isClosed else { return }
        channel.inbound.writeBytes(bytes)
        guard !handshake.isCompleted else {
            channel.countReceived(bytes.count)
            return
        }
        do {
            let progress = try handshake.advance(&channel.inbound)
            guard progress.completed else { return }
            channel.sendRaw(progress.outbound)
            pendingEvents.append(.handshakeCompleted(digest: progress.usedDigest))
            channel.countReceived(channel.inbound.readableBytes)
            if let size = configuration.outgoingChunkSize {
                channel.announceChunkSize(size)
            }
            for message in heldMessages { channel.send(message) }
            heldMessages = []
        } catch {
            fail(error)
        }
    }

    /// Takes bytes read from the socket.
    public func receive(_ bytes: [UInt8], now: UInt64) {
        bytes.withUnsafeBytes { receive($0, now: now) }
    }

    /// Returns the next event, or `nil` when the input contains no complete message.
    public func nextEvent() -> ClientEvent? {
        while true {
            if !pendingEvents.isEmpty { return pendingEvents.removeFirst() }
            guard !isClosed, handshake.isCompleted else { return nil }
            do {
                guard let message = try channel.nextMessage() else { return nil }
                try handle(message)
            } catch {
                fail(error)
            }
        }
    }

    /// Removes and returns the bytes to write, in order, or `nil` when none are queued.
    public func pollOutbound() -> [UInt8]? {
        channel.takeOutbound()
    }

    /// Closes the session from this side.
    public func close() {
        if closeReason == nil { closeReason = .locallyClosed }
    }

    // MARK: - Commands

    /// Sends connect for `app`, with objectEncoding 0 and the configured
    /// Enhanced RTMP properties, if any.
    public func connect(app: String, tcUrl: String) {
        var properties = [
            AMF0Property("app", .string(app)),
            AMF0Property("type", "nonprivate"),
            AMF0Property("flashVer", .string(configuration.flashVersion)),
            AMF0Property("tcUrl", .string(tcUrl)),
            AMF0Property("objectEncoding", 0),
        ]
        properties += configuration.enhancedCapabilities?.properties ?? []
        call("connect", commandObject: .object(properties))
    }

    /// Sends createStream; the `_result` arrives as `.streamCreated`.
    public func createStream() {
        call("createStream")
    }

    /// Sends releaseStream and FCPublish for `name`, as OBS and ffmpeg do before publishing.
    public func preparePublish(name: String) {
        call("releaseStream", arguments: [.string(name)])
        call("FCPublish", arguments: [.string(name)])
    }

    /// Sends publish on `streamID`, or on the last created stream.
    public func publish(name: String, type: String = "live", streamID: MessageStreamID? = nil) {
        let command = Command(name: "publish", transactionID: 0, arguments: [.string(name), .string(type)])
        sendCommand(command, streamID: streamID ?? lastCreatedStream ?? MessageStreamID(1))
    }

    /// Sends play on `streamID`, or on the last created stream, with start -2.
    public func play(name: String, streamID: MessageStreamID? = nil) {
        let id = streamID ?? lastCreatedStream ?? MessageStreamID(1)
        sendCommand(Command(name: "play", transactionID: 0, arguments: [.string(name), -2]), streamID: id)
        send(UserControl.setBufferLength(id, milliseconds: 3000).message)
    }

    /// Sends deleteStream for `streamID`.
    public func deleteStream(_ streamID: MessageStreamID) {
        call("deleteStream", arguments: [.number(Double(streamID.rawValue))])
    }

    /// Sends an audio, video or data message as it is given.
    public func sendMedia(_ message: Message) {
        send(message)
    }

    /// Sends a command; a command on a message stream other than 0 goes on chunk stream 5.
    public func sendCommand(_ command: Command, streamID: MessageStreamID = .connection) {
        if command.transactionID != 0 {
            pendingTransactions[command.transactionID] = command.name
        }
        let chunkStream: ChunkStreamID = streamID == .connection ? .command : .stream
        send(command.message(chunkStreamID: chunkStream, streamID: streamID))
    }

    /// Encodes any message with this session's chunk size and header compression.
    public func send(_ message: Message) {
        guard !isClosed else { return }
        if handshake.isCompleted {
            channel.send(message)
        } else {
            heldMessages.append(message)
        }
    }

    private func call(_ name: String, commandObject: AMF0Value = .null, arguments: [AMF0Value] = []) {
        let transactionID = nextTransactionID
        nextTransactionID += 1
        let command = Command(
            name: name,
            transactionID: transactionID,
            commandObject: commandObject,
            arguments: arguments
        )
        sendCommand(command)
    }

    // MARK: - Input

    private func handle(_ message: Message) throws(RTMPProtocolError) {
        switch message.typeID {
        case .commandAMF0, .commandAMF3:
            let command = try Command(message: message, limits: configuration.limits.amf)
            handle(command, streamID: message.streamID)
        case .userControl:
            let event = try UserControl(payload: message.payload)
            if case .pingRequest = event { return }
            pendingEvents.append(.userControl(event))
        case .setPeerBandwidth:
            // The peer limits this side's output by asking it to use this window.
            let request = try SetPeerBandwidth(payload: message.payload)
            send(WindowAcknowledgementSize(windowSize: request.windowSize).message)
        case let type where type.isMedia:
            pendingEvents.append(.media(message))
        default:
            break
        }
    }

    private func handle(_ command: Command, streamID: MessageStreamID) {
        let information = command.arguments.first
        switch command.name {
        case "_result", "_error":
            let method = pendingTransactions.removeValue(forKey: command.transactionID)
            let succeeded = command.name == "_result"
            if method == "connect" {
                let description = information?["description"]?.stringValue ?? ""
                pendingEvents.append(succeeded ? .connected(command) : .connectRejected(description: description))
            } else if method == "createStream", succeeded, let number = information?.numberValue,
                number >= 1, number <= Double(UInt32.max)
            {
                let id = MessageStreamID(UInt32(number))
                lastCreatedStream = id
                pendingEvents.append(.streamCreated(id))
            } else {
                pendingEvents.append(.command(command, streamID: streamID))
            }
        case "onStatus" where information?["code"]?.stringValue == "NetConnection.Connect.ReconnectRequest":
            pendingEvents.append(
                .reconnectRequest(
                    tcUrl: information?["tcUrl"]?.stringValue,
                    description: information?["description"]?.stringValue ?? ""
                )
            )
        case "onStatus":
            pendingEvents.append(
                .status(
                    streamID: streamID,
                    level: information?["level"]?.stringValue ?? "",
                    code: information?["code"]?.stringValue ?? "",
                    description: information?["description"]?.stringValue ?? ""
                )
            )
        default:
            pendingEvents.append(.command(command, streamID: streamID))
        }
    }

    private func fail(_ error: RTMPProtocolError) {
        guard closeReason == nil else { return }
        closeReason = .protocolViolation(error)
        pendingEvents.append(.protocolError(error))
    }
}
