import Network
import Observability
import RTMP
import Synchronization
import TLS

/// Publishes one stream to an RTMP or RTMPS server, reconnecting when the connection drops.
///
///     let client = try PublishClient(configuration: ClientConfiguration(url: url), group: group)
///     try await client.connect()
///     for message in messages { try await client.send(message) }
///     await client.close()
///
/// `send` returns once the message is queued and the connection's write queue is below its
/// low watermark, so a caller that awaits each send never queues more than the high watermark
/// plus one message. Messages keep the timestamps they are given.
///
/// When the connection drops, the next `send` reconnects by `ReconnectPolicy` (waiting on
/// `clock`, with jitter from the random number generator), sends the latest metadata and
/// sequence headers again, and then resumes at the next video keyframe (see `PublishReplay`).
/// The first `connect()` does not retry: its error is returned at once. A rejected key, a
/// certificate that fails verification, or an invalid option also ends reconnecting at once.
///
/// Call `send` from one task at a time.
public final class PublishClient: Sendable {
    private struct State: Sendable {
        var connection: ClientConnection?
        var replay = PublishReplay()
        var isClosed = false
        var isSending = false
        var reconnects = 0
    }

    /// The configuration this client was made with.
    public let configuration: ClientConfiguration
    /// When to reconnect after a drop.
    public let reconnectPolicy: ReconnectPolicy

    private let group: EventLoopGroup
    private let tls: TLSContext?
    private let logger: Logger
    private let clock: any Clock<Duration>
    private let state = Mutex(State())
    private let generator: Mutex<any RandomNumberGenerator & Sendable>

    /// Creates a client; nothing is sent until `connect()`.
    ///
    /// - Parameters:
    ///   - configuration: The URL, TLS options, timeouts and watermarks.
    ///   - reconnectPolicy: When to reconnect after a drop. Default: 5 attempts.
    ///   - group: The loops to run on; the client uses one of them. Close the client before
    ///     shutting the group down, because calls made after that never return.
    ///   - logger: Receives debug lines and an info line per reconnect attempt.
    ///   - clock: Waits out the reconnect delays.
    ///   - randomNumberGenerator: The source of the reconnect jitter.
    /// - Throws: `RTMPClientError.invalidOption` for an unusable option or TLS setting.
    public init(
        configuration: ClientConfiguration,
        reconnectPolicy: ReconnectPolicy = ReconnectPolicy(),
        group: EventLoopGroup,
        logger: Logger = Logger(label: "sealcast.publish", level: .notice),
        clock: any Clock<Duration> = ContinuousClock(),
        randomNumberGenerator: any RandomNumberGenerator & Sendable = SystemRandomNumberGenerator()
    ) throws(RTMPClientError) {
        tls = try configuration.validate()
        try reconnectPolicy.validate()
        self.configuration = configuration
        self.reconnectPolicy = reconnectPolicy
        self.group = group
        self.logger = logger
        self.clock = clock
        self.generator = Mutex(randomNumberGenerator)
    }

    /// The number of successful reconnects so far.
    public var reconnectCount: Int { state.withLock { $0.reconnects } }

    /// Connects and starts publishing, without retrying.
    /// - Throws: `RTMPClientError`: connection refused, TLS verification failure, connect or
    ///   publish rejected (with the status code), or a timeout.
    public func connect() async throws(RTMPClientError) {
        let isConnected = state.withLock { $0.connection != nil }
        if isConnected {
            throw .invalidOption("connect() was called on a PublishClient that is already connected.")
        }
        let connection = try await openConnection()
        let isClosed = state.withLock { state in
            if !state.isClosed { state.connection = connection }
            return state.isClosed
        }
        if isClosed {
            await connection.closeAsync()
            throw .closedByUser()
        }
    }

    /// Publishes one audio, video or data message; the stream ID and chunk stream are set here.
    ///
    /// - Throws: `RTMPClientError` when the connection dropped and reconnecting failed or is
    ///   off, or when the client was closed.
    public func send(_ message: Message) async throws(RTMPClientError) {
        state.withLock { state in
            precondition(!state.isSending, "PublishClient.send called from two tasks at once")
            state.isSending = true
            state.replay.record(message)
        }
        defer { state.withLock { $0.isSending = false } }

        while true {
            let connection = try await usableConnection()
            let shouldSend = state.withLock { $0.replay.shouldSend(message) }
            guard shouldSend else { return }
            do {
                try await connection.send(message)
                return
            } catch {
                try dropped(connection, error: error)
            }
        }
    }

    /// Stops publishing: sends FCUnpublish and deleteStream, writes what is queued, and closes.
    public func close() async {
        let connection = state.withLock { state in
            state.isClosed = true
            defer { state.connection = nil }
            return state.connection
        }
        await connection?.closeAsync()
    }

    /// Returns the largest write queue, in bytes, that a `send` on the current connection returned with.
    func largestQueueAtSendCompletion() async -> Int {
        guard let connection = state.withLock({ $0.connection }) else { return 0 }
        return await withCheckedContinuation { continuation in
            connection.loop.execute { continuation.resume(returning: connection.largestQueueAtSendCompletion) }
        }
    }

    // MARK: - Connections

    private func openConnection() async throws(RTMPClientError) -> ClientConnection {
        let connection = ClientConnection(
            configuration: configuration,
            role: .publish,
            tls: tls,
            loop: group.next(),
            logger: logger,
            onEvent: { _ in }
        )
        _ = try await connection.start()
        return connection
    }

    /// Forgets a connection that failed, or throws when reconnecting is not possible.
    private func dropped(_ connection: ClientConnection, error: RTMPClientError) throws(RTMPClientError) {
        let isClosed = state.withLock { state in
            if state.connection === connection { state.connection = nil }
            return state.isClosed
        }
        if isClosed { throw .closedByUser() }
        guard reconnectPolicy.maximumAttempts > 0 else { throw error }
        logger.info("publishing connection lost", metadata: ["error": error.description])
    }

    /// Returns the current connection, reconnecting first if there is none.
    private func usableConnection() async throws(RTMPClientError) -> ClientConnection {
        let (current, isClosed) = state.withLock { ($0.connection, $0.isClosed) }
        if isClosed { throw .closedByUser() }
        if let current { return current }

        var lastError = RTMPClientError.connectionClosed("before publishing resumed", url: configuration.url)
        for attempt in 1...max(1, reconnectPolicy.maximumAttempts) {
            let delay = generator.withLock { reconnectPolicy.delay(beforeAttempt: attempt, using: &$0) }
            logger.info(
                "reconnecting in \(delay)",
                metadata: ["attempt": "\(attempt)", "attempts.max": "\(reconnectPolicy.maximumAttempts)"]
            )
            do {
                try await clock.sleep(for: delay)
            } catch {
                throw .closedByUser()
            }
            do {
                let connection = try await openConnection()
                return try await resume(on: connection)
            } catch {
                lastError = error
                logger.info("reconnect failed", metadata: ["attempt": "\(attempt)", "error": error.description])
                if state.withLock({ $0.isClosed }) || !Self.isWorthRetrying(error) { throw error }
            }
        }
        throw .reconnectFailed(attempts: reconnectPolicy.maximumAttempts, lastError: lastError)
    }

    /// Sends the metadata and sequence headers on a new connection and makes it current.
    private func resume(on connection: ClientConnection) async throws(RTMPClientError) -> ClientConnection {
        let replay = state.withLock { $0.replay.resume() }
        for message in replay {
            try await connection.send(message)
        }
        let isClosed = state.withLock { state in
            if !state.isClosed {
                state.connection = connection
                state.reconnects += 1
            }
            return state.isClosed
        }
        if isClosed {
            await connection.closeAsync()
            throw .closedByUser()
        }
        logger.info("reconnected", metadata: ["replayed": "\(replay.count)"])
        return connection
    }

    /// Returns whether another attempt can succeed: not for a rejected key or application, a
    /// certificate that fails verification, or an unusable option.
    static func isWorthRetrying(_ error: RTMPClientError) -> Bool {
        if error == .tlsVerificationFailed || error == .invalidOption || error == .invalidURL
            || error == .connectRejected || error == .closed
        {
            return false
        }
        if error == .publishRejected {
            // While the server has not yet seen the old connection go, the stream still looks
            // published and the server rejects the new publish with BadName. That clears up,
            // but a denied key does not.
            return error.statusCode != "NetStream.Publish.Denied"
        }
        return true
    }
}
