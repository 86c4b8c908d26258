import AMF
import Bytes
import FLV
import Network
import Observability
import RTMP

/// Joins one network connection to one RTMP server session and to the live streams.
///
/// Bytes from the connection go into the sans-I/O `ServerSession`; its events
/// are turned into decisions (who may connect, publish, play) and into calls
/// on the stream registry; its outbound bytes go back to the connection. Media
/// a player receives is written straight from the shared encodings.
///
/// Confined to the connection's event loop: every method runs on that thread.
final class RTMPConnectionHandler: ConnectionHandler, @unchecked Sendable {
    let connection: Connection
    let context: ServerContext
    let session: ServerSession
    var logger: Logger

    /// The application named in `connect`, once accepted.
    var application: String?
    /// The user this connection logged in as with Adobe authentication, if any.
    var authenticatedUser: String?
    /// The Enhanced RTMP capabilities from `connect`, or `nil` for a legacy client.
    var clientCapabilities: EnhancedCapabilities?
    /// The stream this connection publishes, if any.
    var publishing: PublishState?
    /// The stream this connection plays, if any.
    var playing: PlayState?

    /// The deadlines of every state; see `RTMPConnectionHandler+Limits.swift`.
    var watchdog: SessionWatchdog
    var watchdogTimer: TimerHandle?
    /// Set when the RTMP handshake ended.
    var handshakeCompleted = false
    /// Set when `ConnectionAdmission` counted this connection, which must then be released.
    private var admitted = false
    private(set) var closed = false

    /// A publish or play that waits for the webhook's reply. While it is set, no further
    /// session events are taken, so commands stay in order.
    /// NOTE: bytes still go into the session while it waits, bounded only by the webhook
    /// timeout and the client's sending rate.
    var pendingDecision: PendingDecision?

    enum PendingDecision {
        case publish(PublishRequest, streamName: String, credentialed: Bool)
        case play(PlayRequest)
    }

    struct PublishState {
        var stream: LiveStream
        var streamID: MessageStreamID
        /// Codec, resolution, frame rate and bitrates, read from the messages as they pass.
        var information = StreamInfoCollector()
        /// Whether the stream information has been logged once it was complete.
        var informationLogged = false
    }

    /// A player's state while it plays. A class, so that delivering a packet to the player
    /// reads and updates it in place instead of copying every field for every message.
    final class PlayState {
        let stream: LiveStream
        let fanout: LoopFanout
        let request: PlayRequest
        /// Whether shared encodings fit this player (message stream 1 and the server's chunk size).
        let usesSharedChunks: Bool
        /// Set until the player has received a video keyframe; video before it is dropped.
        var awaitingKeyframe = true
        var dropReporter = RateLimitedReporter()
        /// Whether the player paused; only metadata and sequence headers reach it meanwhile.
        var isPaused = false
        /// Whether the player wants audio frames (receiveAudio).
        var receivesAudio = true
        /// Whether the player wants video frames (receiveVideo).
        var receivesVideo = true
        /// Set when receiveVideo turned video back on; video waits for the next keyframe.
        var awaitingVideoKeyframe = false
        /// The codecs the player declared in connect, or `nil` when it gets every track.
        var codecFilter: EnhancedCapabilities?

        init(stream: LiveStream, fanout: LoopFanout, request: PlayRequest, usesSharedChunks: Bool) {
            self.stream = stream
            self.fanout = fanout
            self.request = request
            self.usesSharedChunks = usesSharedChunks
        }
    }

    init(connection: Connection, context: ServerContext, connectionID: Int) {
        self.connection = connection
        self.context = context
        self.session = ServerSession(configuration: context.sessionConfiguration, crypto: OpenSSLHandshakeCrypto())
        self.watchdog = SessionWatchdog(now: Self.nowMilliseconds())
        self.logger = context.logger.with([
            "conn.id": String(connectionID),
            "conn.peer": connection.remoteAddress.description,
            "conn.scheme": connection.isTLS ? "rtmps" : "rtmp",
        ])
    }

    static func nowMilliseconds() -> UInt64 { Deadline.now().uptimeNanoseconds / 1_000_000 }

    /// Registers the connection, starts reading and arms the watchdog, or closes the
    /// connection at once when the server or its address has no room for it.
    func start() {
        context.connections.table(on: connection.eventLoop).handlers[ObjectIdentifier(self)] = self
        context.metrics.sessionsActive.add(1)
        context.metrics.sessionsOpened.increment()
        connection.handler = self
        connection.start()
        if let refusal = context.admission.admit(connection.remoteAddress.host) {
            // One warning per 10 s at most, so that a flood cannot fill the log.
            if let count = context.admission.recordRefusal(now: Self.nowMilliseconds()) {
                logger.warning(
                    "refused \(count) new connection(s) since the last report: \(refusal.message); "
                        + "raise the limit in the configuration's limits if this load is expected"
                )
            } else {
                logger.debug("closing: \(refusal.message)")
            }
            close(reason: refusal.reason)
            return
        }
        admitted = true
        scheduleWatchdog()
    }

    /// Whether the session has ended; the watchdog stops then.
    var isClosed: Bool { closed }

    // MARK: - ConnectionHandler

    func connection(_ connection: Connection, didRead bytes: UnsafeRawBufferPointer) {
        context.metrics.bytesIn.increment(by: bytes.count)
        session.receive(bytes, now: Self.nowMilliseconds())
        processEvents()
        flushSession()
    }

    func connectionWritabilityChanged(_ connection: Connection) {}

    func connectionDidClose(_ connection: Connection, error: (any Error)?) {
        if let error {
            logger.debug("connection closed with error: \(error)")
        }
        tearDown(reason: error == nil ? "peer_closed" : "transport_error")
    }

    // MARK: - Session events

    func processEvents() {
        while !closed, pendingDecision == nil, let event = session.nextEvent() {
            switch event {
            case .handshakeCompleted(let digest):
                handshakeCompleted = true
                watchdog.restartWait(now: Self.nowMilliseconds())
                logger.trace("handshake completed", metadata: ["rtmp.digest": String(digest)])
                if let subject = connection.tlsSession?.verifiedPeerSubject {
                    logger.debug("client certificate verified", metadata: ["tls.peer.subject": subject])
                }
            case .connect(let request):
                handleConnect(request)
            case .createStream, .releaseStream, .fcPublish:
                break
            case .publish(let request):
                handlePublish(request)
            case .play(let request):
                handlePlay(request)
            case .fcUnpublish, .fcSubscribe:
                break
            case .seek(let streamID, _):
                // A live stream has no past to seek into; the core already sent Seek.Notify.
                if playing?.request.streamID == streamID { logger.debug("seek ignored: the stream is live") }
            case .receiveAudio(let streamID, let enabled):
                setReceivesAudio(enabled, streamID: streamID)
            case .receiveVideo(let streamID, let enabled):
                setReceivesVideo(enabled, streamID: streamID)
            case .pause(let streamID, let paused, _):
                setPaused(paused, streamID: streamID)
            case .deleteStream(let streamID):
                if publishing?.streamID == streamID { stopPublishing() }
                if playing?.request.streamID == streamID { stopPlaying() }
            case .media(let message):
                handlePublishedMessage(message)
            case .protocolError(let error):
                logger.debug("closing: protocol error: \(error)")
                close(reason: Self.closeReason(for: error))
            }
        }
    }

    private func handleConnect(_ request: ConnectRequest) {
        guard context.policy.knowsApplication(request.app) else {
            logger.debug("connect rejected: unknown application", metadata: ["rtmp.app": request.app])
            rejectConnect(description: "unknown application")
            return
        }
        let flashVersion = request.commandObject["flashVer"]?.stringValue
        if context.policy.requiresLogin(app: request.app, query: request.query, flashVersion: flashVersion) {
            let outcome = context.authenticator.authenticate(
                app: request.app, query: request.query, users: context.policy.users(of: request.app),
                now: Self.nowMilliseconds()
            )
            switch outcome {
            case .reject(let description):
                // The description carries only the user name and fresh random values, never the password.
                if description == AdobeAuthenticator.failed {
                    // A wrong password or unknown user; operators need to see repeated attempts.
                    let user = AccessPolicy.queryValue("user", in: request.query) ?? "none"
                    logger.info("login failed: wrong user name or password", metadata: ["rtmp.app": request.app, "auth.user": user])
                } else {
                    logger.debug("connect rejected: login step", metadata: ["rtmp.app": request.app])
                }
                rejectConnect(description: description)
                return
            case .authenticated(let user):
                authenticatedUser = user
                logger = logger.with(["auth.user": user])
            }
        }
        application = request.app
        clientCapabilities = request.enhancedCapabilities
        logger = logger.with(["rtmp.app": request.app])
        watchdog.restartWait(now: Self.nowMilliseconds())
        session.acceptConnect()
        logger.debug(authenticatedUser == nil ? "connect accepted" : "connect accepted: logged in")
    }

    private func rejectConnect(description: String) {
        session.rejectConnect(description: description)
        flushSession()
        close(reason: "rejected")
    }

    /// Writes what the session queued.
    func flushSession() {
        while let bytes = session.pollOutbound() {
            connection.write(bytes)
        }
    }

    // MARK: - Closing

    /// Closes the connection after what is queued, counting `reason`.
    func close(reason: String) {
        guard !closed else { return }
        flushSession()
        tearDown(reason: reason)
        connection.close(.afterWrites)
    }

    /// Tells a publisher's players and a player's stream that this connection is gone.
    private func tearDown(reason: String) {
        guard !closed else { return }
        closed = true
        if let watchdogTimer { connection.eventLoop.cancelTimer(watchdogTimer) }
        watchdogTimer = nil
        if admitted { context.admission.release(connection.remoteAddress.host) }
        stopPublishing()
        stopPlaying()
        context.connections.table(on: connection.eventLoop).handlers[ObjectIdentifier(self)] = nil
        context.metrics.sessionsActive.add(-1)
        context.metrics.sessionClosed(reason: reason)
        logger.debug("session closed: \(reason)")
    }

    /// Ends the session for a server shutdown: players and publishers hear why, then the connection closes.
    func shutdown() {
        if clientCapabilities?.capsEx?.contains(.reconnect) == true {
            session.sendReconnectRequest(tcUrl: context.shutdown.reconnectTcUrl, description: "server shutting down")
            logger.debug("sent reconnect request")
        }
        if let playing {
            session.sendStatus(
                streamID: playing.request.streamID, level: "status", code: "NetStream.Play.Stop",
                description: "server shutting down"
            )
        }
        close(reason: "server_shutdown")
    }
}
