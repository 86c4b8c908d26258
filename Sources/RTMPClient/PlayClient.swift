import Network
import Observability
import RTMP
import Synchronization
import TLS

/// Plays one stream from an RTMP or RTMPS server and hands what arrives to a handler.
///
///     let client = try PlayClient(configuration: ClientConfiguration(url: url), group: group) { event in
///         if case .media(let message) = event { write(message) }
///     }
///     try await client.start()
///     let error = await client.waitUntilClosed()
///
/// The handler runs on the client's event loop, one event at a time and in order. While it
/// runs, the loop reads nothing more, so a slow handler slows the stream through TCP instead
/// of queueing messages without bound. It must not block for long, because other connections
/// on the same loop wait too.
///
/// NOTE: a player does not reconnect; a dropped connection ends with `.closed(error)`.
public final class PlayClient: Sendable {
    /// An event that a player reports.
    public enum Event: Sendable {
        /// An audio, video or data message with its absolute timestamp. Data messages include
        /// `onMetaData` and the `|RtmpSampleAccess` and `onStatus` data that the server sends in reply to `play`.
        case media(Message)
        /// A publisher started on the stream after the player had seen the previous one end.
        case publisherStarted
        /// The publisher stopped (`NetStream.Play.UnpublishNotify` or StreamEOF); reported once.
        case publisherEnded
        /// Another `onStatus` at level status or warning, such as `NetStream.Play.Reset`.
        case status(code: String, description: String)
        /// The connection ended: `nil` after `close()`, otherwise the reason.
        case closed(RTMPClientError?)
    }

    /// The configuration this client was made with.
    public let configuration: ClientConfiguration

    private let connection: ClientConnection
    private let ending = EndSignal()

    /// Creates a player; nothing is sent until `start()`.
    ///
    /// - Parameters:
    ///   - configuration: The URL, TLS options and timeouts.
    ///   - group: The loops to run on; the client uses one of them. Close the client before
    ///     shutting the group down, because calls made after that never return.
    ///   - logger: Receives debug lines.
    ///   - handler: Receives the events on the client's loop.
    /// - Throws: `RTMPClientError.invalidOption` for an unusable option or TLS setting.
    public init(
        configuration: ClientConfiguration,
        group: EventLoopGroup,
        logger: Logger = Logger(label: "sealcast.play", level: .notice),
        handler: @escaping @Sendable (Event) -> Void
    ) throws(RTMPClientError) {
        let tls = try configuration.validate()
        self.configuration = configuration
        let ending = self.ending
        connection = ClientConnection(
            configuration: configuration,
            role: .play,
            tls: tls,
            loop: group.next(),
            logger: logger
        ) { event in
            switch event {
            case .media(let message): handler(.media(message))
            case .publisherStarted: handler(.publisherStarted)
            case .publisherEnded: handler(.publisherEnded)
            case .status(let code, let description): handler(.status(code: code, description: description))
            case .closed(let error):
                handler(.closed(error))
                ending.finish(error)
            }
        }
    }

    /// Connects and plays, returning once the server sent `NetStream.Play.Start`. Call it once.
    /// - Throws: `RTMPClientError`: connection refused, TLS verification failure, connect or
    ///   play rejected (with the status code), or a timeout.
    public func start() async throws(RTMPClientError) {
        _ = try await connection.start()
    }

    /// Stops playing and closes the connection.
    public func close() async {
        await connection.closeAsync()
    }

    /// Waits until the connection ends.
    /// - Returns: The reason, or `nil` when it ended by `close()`.
    public func waitUntilClosed() async -> RTMPClientError? {
        await ending.wait()
    }
}

/// The end of a connection, which any number of tasks can wait for.
final class EndSignal: Sendable {
    private struct State {
        var isFinished = false
        var error: RTMPClientError?
        var waiters: [CheckedContinuation<RTMPClientError?, Never>] = []
    }

    private let state = Mutex(State())

    /// Records the end and resumes every waiter; later calls do nothing.
    func finish(_ error: RTMPClientError?) {
        let waiters = state.withLock { state -> [CheckedContinuation<RTMPClientError?, Never>] in
            guard !state.isFinished else { return [] }
            state.isFinished = true
            state.error = error
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(returning: error) }
    }

    /// Waits for `finish(_:)` and returns its error.
    func wait() async -> RTMPClientError? {
        await withCheckedContinuation { continuation in
            let ended = state.withLock { state -> (isFinished: Bool, error: RTMPClientError?) in
                if !state.isFinished { state.waiters.append(continuation) }
                return (state.isFinished, state.error)
            }
            if ended.isFinished { continuation.resume(returning: ended.error) }
        }
    }
}
