import AMF
import Network
import Observability
import RTMP
import TLS

#if canImport(Glibc)
import Glibc
#endif

/// One RTMP client connection driven on an event loop: the TCP or TLS connection, the
/// `ClientSession` on top of it, and the steps from connect to publishing or playing.
///
/// Steps, each bounded by `responseTimeout` (the TCP connect by `connectTimeout`):
///
///     TCP connect (+ TLS) -> RTMP handshake + connect -> createStream -> publish or play
///       -> NetStream.Publish.Start or NetStream.Play.Start: ready
///
/// The session replies to pings, acknowledges the server's window and applies its chunk size by
/// itself. A publisher's `send` queues the message at once and completes when the connection's
/// write queue is below its low watermark, so a caller that waits for each send never queues
/// more than the high watermark plus one message.
///
/// Every member must be used on `loop`; the `async` wrappers hop there.
final class ClientConnection: ConnectionHandler, @unchecked Sendable {
    enum Role: Sendable {
        case publish
        case play
    }

    /// An event that a ready connection reports on its loop.
    enum Event {
        /// Audio, video or data from the server (players only).
        case media(Message)
        /// A publisher started on the played stream (`NetStream.Play.PublishNotify` or StreamBegin).
        case publisherStarted
        /// The publisher of the played stream stopped (`NetStream.Play.UnpublishNotify` or StreamEOF).
        case publisherEnded
        /// Another `onStatus`, at level status or warning.
        case status(code: String, description: String)
        /// The connection ended; `nil` after `close()`.
        case closed(RTMPClientError?)
    }

    private enum Phase: Equatable {
        case idle
        case connectingTCP
        case connectingRTMP
        case creatingStream
        case starting(MessageStreamID)
        case ready(MessageStreamID)
        case closed

        /// The step in words, for error messages.
        var step: String {
            switch self {
            case .idle, .connectingTCP: return "connect"
            case .connectingRTMP: return "during the RTMP handshake or connect"
            case .creatingStream: return "during createStream"
            case .starting: return "before replying to publish or play"
            case .ready: return "while streaming"
            case .closed: return "after closing"
            }
        }
    }

    let loop: EventLoop
    let role: Role
    private let configuration: ClientConfiguration
    private let tls: TLSContext?
    private let logger: Logger
    private let onEvent: (Event) -> Void

    private var phase = Phase.idle
    private var connection: Connection?
    private var session: ClientSession?
    private var stepTimer: TimerHandle?
    private var startCompletion: ((Result<MessageStreamID, RTMPClientError>) -> Void)?
    /// The completion of the last send, held until the write queue drains below its low watermark.
    private var pendingSend: ((Result<Void, RTMPClientError>) -> Void)?
    /// True between a publisher's start and its end, so that UnpublishNotify and StreamEOF
    /// together report one end.
    private var publisherActive = true

    /// The reason the connection ended, once it has.
    private(set) var closeError: RTMPClientError?

    /// The largest write queue, in bytes, at the moment a send completed: at most the low
    /// watermark, or the high one when a message left the queue below it.
    private(set) var largestQueueAtSendCompletion = 0

    init(
        configuration: ClientConfiguration,
        role: Role,
        tls: TLSContext?,
        loop: EventLoop,
        logger: Logger,
        onEvent: @escaping (Event) -> Void
    ) {
        self.configuration = configuration
        self.role = role
        self.tls = tls
        self.loop = loop
        self.logger = logger.with(["rtmp.app": configuration.url.application, "conn.peer": configuration.url.tcURL])
        self.onEvent = onEvent
    }

    /// True once the connection has ended, by failure or by `close()`.
    var isClosed: Bool {
        loop.preconditionInEventLoop()
        return phase == .closed
    }

    // MARK: - Starting

    /// Connects and runs the steps up to publishing or playing; `completion` gets the message stream.
    func start(completion: @escaping (Result<MessageStreamID, RTMPClientError>) -> Void) {
        loop.preconditionInEventLoop()
        precondition(phase == .idle, "start() called twice")
        startCompletion = completion
        phase = .connectingTCP
        let url = configuration.url
        TCPConnector.connect(
            host: url.host,
            port: url.port,
            on: loop,
            tls: tls,
            serverName: url.host,
            timeout: configuration.connectTimeout
        ) { [self] result in
            switch result {
            case .failure(let error):
                fail(.transport(error, url: url, step: "connect"))
            case .success(let connection):
                connected(connection)
            }
        }
    }

    private func connected(_ connection: Connection) {
        guard phase == .connectingTCP else {
            // Closed while the TCP connect was in flight.
            connection.close(.now)
            return
        }
        self.connection = connection
        connection.writeWatermarks = configuration.writeWatermarks
        connection.handler = self
        let session = ClientSession(
            configuration: configuration.session,
            crypto: OpenSSLHandshakeCrypto(),
            now: Self.milliseconds()
        )
        self.session = session
        session.connect(app: configuration.url.application, tcUrl: configuration.url.tcURL)
        logger.debug("TCP connected", metadata: ["conn.local": "\(connection.localAddress)"])
        enter(.connectingRTMP, waitingFor: "the RTMP handshake and the connect result")
        connection.start()
        flushSession()
    }

    /// Moves to `next` and restarts the step timer.
    private func enter(_ next: Phase, waitingFor step: String) {
        phase = next
        if let stepTimer { loop.cancelTimer(stepTimer) }
        let timeout = configuration.responseTimeout
        let url = configuration.url
        stepTimer = loop.scheduleTimer(at: .now() + timeout) { [self] in
            stepTimer = nil
            fail(.timedOut(step, after: timeout, url: url))
        }
    }

    // MARK: - Sending

    /// Queues `message` on the published stream. `completion` runs once the write queue is below
    /// its low watermark, or with the error that ended the connection.
    func send(_ message: Message, completion: @escaping (Result<Void, RTMPClientError>) -> Void) {
        loop.preconditionInEventLoop()
        guard case .ready(let streamID) = phase, let session, let connection else {
            completion(.failure(closeError ?? .closedByUser()))
            return
        }
        precondition(pendingSend == nil, "send() called before the previous send completed")
        var message = message
        message.streamID = streamID
        message.chunkStreamID = Self.chunkStream(for: message.typeID)
        session.sendMedia(message)
        flushSession()
        if connection.isWritable {
            completeSend(completion, queuedBytes: connection.queuedBytes)
        } else {
            pendingSend = completion
        }
    }

    private func completeSend(_ completion: (Result<Void, RTMPClientError>) -> Void, queuedBytes: Int) {
        largestQueueAtSendCompletion = max(largestQueueAtSendCompletion, queuedBytes)
        completion(.success(()))
    }

    static func chunkStream(for type: MessageTypeID) -> ChunkStreamID {
        switch type {
        case .audio: return .audio
        case .video: return .video
        default: return .stream
        }
    }

    /// Bytes queued on the connection and not yet written.
    var queuedBytes: Int {
        loop.preconditionInEventLoop()
        return connection?.queuedBytes ?? 0
    }

    /// Ends the connection. A publisher first sends FCUnpublish and deleteStream, and queued
    /// media is written before the socket closes.
    func close() {
        loop.preconditionInEventLoop()
        guard phase != .closed else { return }
        if case .ready(let streamID) = phase, role == .publish, let session {
            let name = AMF0Value.string(configuration.url.streamName)
            session.sendCommand(Command(name: "FCUnpublish", transactionID: 0, arguments: [name]))
            session.deleteStream(streamID)
            flushSession()
        }
        finish(nil)
    }

    // MARK: - ConnectionHandler

    func connection(_ connection: Connection, didRead bytes: UnsafeRawBufferPointer) {
        guard let session, phase != .closed else { return }
        session.receive(bytes, now: Self.milliseconds())
        while phase != .closed, let event = session.nextEvent() {
            handle(event)
        }
        flushSession()
    }

    func connectionWritabilityChanged(_ connection: Connection) {
        guard connection.isWritable, let pendingSend else { return }
        self.pendingSend = nil
        completeSend(pendingSend, queuedBytes: connection.queuedBytes)
    }

    func connectionDidClose(_ connection: Connection, error: (any Error)?) {
        guard phase != .closed else { return }
        let url = configuration.url
        if let error {
            fail(.transport(error, url: url, step: phase.step))
        } else {
            fail(.connectionClosed(phase.step, url: url))
        }
    }

    private func flushSession() {
        guard let session, let connection else { return }
        while let bytes = session.pollOutbound() {
            connection.write(bytes)
        }
    }

    // MARK: - Session events

    private func handle(_ event: ClientEvent) {
        switch event {
        case .handshakeCompleted(let digest):
            logger.debug("RTMP handshake done", metadata: ["rtmp.digest": "\(digest)"])
        case .connected:
            guard phase == .connectingRTMP, let session else { return }
            logger.debug("connected")
            if role == .publish {
                session.preparePublish(name: configuration.url.streamName)
            }
            session.createStream()
            enter(.creatingStream, waitingFor: "the createStream result")
        case .connectRejected(let description):
            fail(.connectRejected(description, url: configuration.url))
        case .streamCreated(let streamID):
            guard phase == .creatingStream, let session else { return }
            switch role {
            case .publish: session.publish(name: configuration.url.streamName, streamID: streamID)
            case .play: session.play(name: configuration.url.streamName, streamID: streamID)
            }
            enter(.starting(streamID), waitingFor: "the reply to \(role == .publish ? "publish" : "play")")
        case .status(_, let level, let code, let description):
            handleStatus(level: level, code: code, description: description)
        case .media(let message):
            if role == .play, case .ready = phase {
                onEvent(.media(message))
            }
        case .userControl(.streamBegin):
            if role == .play, case .ready = phase { publisherStarted() }
        case .userControl(.streamEOF):
            if role == .play, case .ready = phase { publisherEnded() }
        case .userControl, .command:
            break
        case .reconnectRequest(let tcUrl, let description):
            // NOTE: the client does not act on the request: the connection goes on until the
            // server closes it, and a publisher's reconnect policy then takes over.
            logger.info("server asked to reconnect: \(description)", metadata: ["rtmp.tcurl": tcUrl ?? "same URL"])
        case .protocolError(let error):
            fail(.protocolError(error))
        }
    }

    private func handleStatus(level: String, code: String, description: String) {
        let command = role == .publish ? "publish" : "play"
        if level == "error" {
            fail(.rejected(command, code: code, description: description))
            return
        }
        switch (phase, code) {
        case (.starting(let streamID), "NetStream.Publish.Start") where role == .publish,
            (.starting(let streamID), "NetStream.Play.Start") where role == .play:
            if let stepTimer { loop.cancelTimer(stepTimer) }
            stepTimer = nil
            phase = .ready(streamID)
            logger.debug("\(command) started")
            startCompletion?(.success(streamID))
            startCompletion = nil
        case (.ready, "NetStream.Play.PublishNotify"):
            publisherStarted()
        case (.ready, "NetStream.Play.UnpublishNotify"):
            publisherEnded()
        case (.ready, _):
            onEvent(.status(code: code, description: description))
        default:
            break
        }
    }

    private func publisherStarted() {
        guard !publisherActive else { return }
        publisherActive = true
        onEvent(.publisherStarted)
    }

    private func publisherEnded() {
        guard publisherActive else { return }
        publisherActive = false
        onEvent(.publisherEnded)
    }

    // MARK: - Ending

    private func fail(_ error: RTMPClientError) {
        guard phase != .closed else { return }
        logger.debug("connection failed", metadata: ["error": error.description])
        finish(error)
    }

    /// Ends the connection once: closes the socket (after the queued bytes unless it failed),
    /// and completes whatever waits.
    private func finish(_ error: RTMPClientError?) {
        phase = .closed
        closeError = error ?? .closedByUser()
        if let stepTimer { loop.cancelTimer(stepTimer) }
        stepTimer = nil
        connection?.close(error == nil ? .afterWrites : .now)
        let failure = closeError ?? .closedByUser()
        if let startCompletion {
            self.startCompletion = nil
            startCompletion(.failure(failure))
        }
        if let pendingSend {
            self.pendingSend = nil
            pendingSend(.failure(failure))
        }
        onEvent(.closed(error))
    }

    /// Milliseconds on the monotonic clock, for the session's handshake time field.
    private static func milliseconds() -> UInt64 {
        Deadline.now().uptimeNanoseconds / 1_000_000
    }
}

// MARK: - Async wrappers

// NOTE: each wrapper hops to the loop with `execute`, which drops tasks once the loop has
// stopped. Close clients before shutting down their `EventLoopGroup`, or these calls never return.
extension ClientConnection {
    /// Connects and starts publishing or playing.
    /// - Returns: The message stream the server created.
    /// - Throws: `RTMPClientError` naming the step that failed.
    func start() async throws(RTMPClientError) -> MessageStreamID {
        let result = await withCheckedContinuation { continuation in
            loop.execute { self.start { continuation.resume(returning: $0) } }
        }
        return try result.get()
    }

    /// Sends a message and waits until the write queue has room again.
    /// - Throws: `RTMPClientError` when the connection ended.
    func send(_ message: Message) async throws(RTMPClientError) {
        let result = await withCheckedContinuation { continuation in
            loop.execute { self.send(message) { continuation.resume(returning: $0) } }
        }
        try result.get()
    }

    /// Closes the connection from any thread.
    func closeAsync() async {
        await withCheckedContinuation { continuation in
            loop.execute {
                self.close()
                continuation.resume()
            }
        }
    }
}

/// Crypto for the RTMP digest handshake, from OpenSSL.
struct OpenSSLHandshakeCrypto: HandshakeCrypto {
    func hmacSHA256(key: [UInt8], data: [UInt8]) -> [UInt8] { Crypto.hmacSHA256(key: key, data: data) }
    func randomBytes(count: Int) -> [UInt8] { Crypto.randomBytes(count: count) }
}
