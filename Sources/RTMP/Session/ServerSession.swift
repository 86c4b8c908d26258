import AMF
import Bytes

/// The server side of one RTMP connection, without I/O.
///
/// Call order:
///
/// 1. `receive(_:now:)` with every block of bytes read from the socket.
/// 2. `nextEvent()` until it returns `nil`. Decide on each event before taking
///    the next one (`acceptConnect()`, `acceptPublish(_:)`, ...). The core
///    reads the following messages only when asked for the next event, so its
///    own replies (such as the createStream `_result`) stay in order with the
///    server's decisions. A server that decides later stops calling
///    `nextEvent()` until it has decided, and the input waits in the session.
/// 3. `pollOutbound()` until `nil`, and write the bytes in that order.
/// 4. `pollTimeout()` for the next deadline, and `handleTimeout(now:)` when it passes.
///
/// Once `isClosed` is true, send what `pollOutbound()` still returns, then
/// close the socket. `closeReason` gives the reason.
///
/// States: handshaking, then awaiting connect, then connected, then closed.
/// The handshake and the connect command each have a deadline. Out of scope:
/// AMF3 command bodies (type 17 bodies are read as AMF0 after their format
/// byte, which is what clients send), shared objects, and RTMPE.
///
/// Chunk streams of the replies: protocol and user control on 2, connection
/// commands on 3, stream-level `onStatus` and data messages on 5. Only chunk
/// streams 2 and 3 get compressed headers, so the media fast path
/// (`ChunkEncoder.encode`) may use any other chunk stream, 5 included.
/// Media for players should go on `ChunkStreamID.audio` (6) and `.video` (7),
/// and metadata on `.stream` (5).
public final class ServerSession {
    /// Settings of a server session.
    public struct Configuration: Sendable {
        /// The hard limits on input.
        public var limits = Limits()
        /// The chunk size announced right after connect is accepted, in bytes. Default 4096.
        public var outgoingChunkSize = 4096
        /// The Window Acknowledgement Size sent after connect, in bytes. Default 2,500,000.
        public var windowAcknowledgementSize: UInt32 = 2_500_000
        /// The Set Peer Bandwidth window sent after connect (limit type dynamic), in bytes.
        /// Default 2,500,000.
        public var peerBandwidth: UInt32 = 2_500_000
        /// The fmsVer in the connect `_result`.
        public var serverVersion = "FMS/3,5,7,7009"
        /// The Enhanced RTMP capabilities added to the connect `_result` of a client
        /// that sent any of its own; a legacy client's `_result` stays as it was.
        public var advertisedCapabilities = EnhancedCapabilities.forwardingServer
        /// The time from the first byte to the end of the handshake, in milliseconds. Default 10 s.
        public var handshakeTimeout: UInt64 = 10_000
        /// The time from the end of the handshake to the connect command, in milliseconds. Default 10 s.
        public var connectTimeout: UInt64 = 10_000

        /// Creates the default configuration.
        public init() {}
    }

    enum StreamRole: Equatable {
        case idle
        case publishing(String)
        case playing(String)

        var streamName: String? {
            switch self {
            case .idle: return nil
            case .publishing(let name), .playing(let name): return name
            }
        }
    }

    /// The state after connect: the connect awaiting a decision and the message streams.
    struct ConnectionState {
        var pendingConnect: ConnectRequest?
        var objectEncoding: Double = 0
        var streams: [MessageStreamID: StreamRole] = [:]
        var nextStreamID: UInt32 = 1
    }

    enum State {
        case handshaking(ServerHandshake)
        /// The handshake ended at the given time.
        case awaitingConnect(since: UInt64)
        case connected(ConnectionState)
        case closed
    }

    let configuration: Configuration
    var state: State
    var channel: MessageChannel
    private var pendingEvents: [ServerEvent] = []
    /// When the first byte arrived; the handshake deadline counts from here.
    private var startTime: UInt64?
    /// The reason the session ended, or `nil` while it is open.
    public private(set) var closeReason: SessionCloseReason?

    /// Whether the session has ended. Stored apart from `closeReason` because every delivered
    /// message checks it, and testing the optional enum costs a value-witness call each time.
    public private(set) var isClosed = false

    /// Creates a session for a new connection.
    /// - Parameters:
    ///   - configuration: the limits and the values sent after connect.
    ///   - crypto: HMAC-SHA256 and random bytes for the handshake.
    ///   - now: the accept time in milliseconds; when `nil`, the handshake
    ///     deadline counts from the first `receive`.
    public init(configuration: Configuration, crypto: any HandshakeCrypto, now: UInt64? = nil) {
        self.configuration = configuration
        state = .handshaking(ServerHandshake(crypto: crypto))
        channel = MessageChannel(
            limits: configuration.limits,
            compressedChunkStreams: [.protocolControl, .command]
        )
        startTime = now
    }

    /// The chunk size this session announced; 128 until connect is accepted.
    /// The media fast path must encode with it.
    public var outgoingChunkSize: Int { channel.writer.chunkSize }

    /// The sequence number of the client's last Acknowledgement (the bytes it received
    /// after the handshake, modulo 2^32), or `nil` when it has sent none.
    public var peerAcknowledgedBytes: UInt32? { channel.peerAcknowledged }

    /// Takes bytes read from the socket.
    /// - Parameter now: the current time in milliseconds.
    public func receive(_ bytes: UnsafeRawBufferPointer, now: UInt64) {
        guard !isClosed else { return }
        if startTime == nil { startTime = now }
        channel.inbound.writeBytes(bytes)
        guard case .handshaking(var handshake) = state else {
            channel.countReceived(bytes.count)
            return
        }
        do {
            let progress = try handshake.advance(&channel.inbound, now: now)
            channel.sendRaw(progress.outbound)
            if progress.completed {
                state = .awaitingConnect(since: now)
                pendingEvents.append(.handshakeCompleted(digest: progress.usedDigest))
                // Bytes after C2 in the same read are the first chunks.
                channel.countReceived(channel.inbound.readableBytes)
            } else {
                state = .handshaking(handshake)
            }
        } catch {
            fail(error)
        }
    }

    /// Takes bytes read from the socket.
    public func receive(_ bytes: [UInt8], now: UInt64) {
        bytes.withUnsafeBytes { receive($0, now: now) }
    }

    /// Returns the next event, reading further messages as needed, or `nil`
    /// when the input contains no complete message.
    public func nextEvent() -> ServerEvent? {
        while true {
            if !pendingEvents.isEmpty { return pendingEvents.removeFirst() }
            guard !isClosed else { return nil }
            if case .handshaking = state { return nil }
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

    /// Returns the next deadline in milliseconds, or `nil` when none is pending.
    public func pollTimeout() -> UInt64? {
        switch state {
        case .handshaking:
            return startTime.map { $0 + configuration.handshakeTimeout }
        case .awaitingConnect(let since):
            return since + configuration.connectTimeout
        case .connected, .closed:
            return nil
        }
    }

    /// Closes the session if a deadline has passed.
    public func handleTimeout(now: UInt64) {
        if startTime == nil { startTime = now }
        guard let deadline = pollTimeout(), now >= deadline else { return }
        if case .handshaking = state {
            close(.timedOut("handshake"))
        } else {
            close(.timedOut("awaiting connect"))
        }
    }

    /// Records that the peer closed the connection.
    public func peerClosed() {
        close(.peerClosed)
    }

    /// Closes the session from this side; queued bytes remain to be polled.
    public func close() {
        close(.locallyClosed)
    }

    /// Encodes an outgoing message with this session's chunk size and
    /// chunk-stream state (the slow path).
    public func send(_ message: Message) {
        guard !isClosed else { return }
        channel.send(message)
    }

    func close(_ reason: SessionCloseReason) {
        guard closeReason == nil else { return }
        closeReason = reason
        isClosed = true
        state = .closed
    }

    private func fail(_ error: RTMPProtocolError) {
        guard !isClosed else { return }
        close(.protocolViolation(error))
        pendingEvents.append(.protocolError(error))
    }

    func emit(_ event: ServerEvent) {
        pendingEvents.append(event)
    }
}
