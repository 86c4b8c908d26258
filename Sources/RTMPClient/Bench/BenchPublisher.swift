import Network
import Observability
import RTMP
import Synchronization

/// The load generator's own publisher: replays an FLV file in a loop at real time, as
/// `ffmpeg -re -stream_loop -1 -c copy` does, and stamps the send time of every video message
/// so that players can compute end-to-end delays.
///
/// Each loop's timestamps continue after the last one of the loop before, one frame gap
/// later; metadata goes out in the first loop only. The publisher runs on one event loop,
/// paced by the loop's timers, so that it adds no thread hops to what is measured. It does
/// not reconnect: a dropped connection ends it, and `failure` gives the reason.
public final class BenchPublisher: @unchecked Sendable {
    /// The send times of the video messages.
    public let stamps = StampTable()

    private let loop: EventLoop
    private let connection: ClientConnection
    private let media: BenchMedia
    private let status = Mutex<(failure: String?, sent: Int)>((nil, 0))

    // Used on `loop` only.
    private var startTime: UInt64 = 0
    private var index = 0
    private var loopCount = 0
    private var offset: Int64 = 0
    private var timer: TimerHandle?
    private var isStopped = false
    private var isInSend = false
    private var completedInSend = false

    /// The gap between the last message of one loop and the first of the next, in milliseconds.
    private static let loopGap: Int64 = 33

    /// Creates a publisher of `media` to `url`; nothing is sent before `connect()`.
    /// - Throws: `RTMPClientError.invalidOption` for unusable TLS settings.
    public init(url: RTMPURL, media: BenchMedia, group: EventLoopGroup) throws(RTMPClientError) {
        var configuration = ClientConfiguration(url: url, tls: ClientTLSOptions(insecure: true))
        configuration.connectTimeout = .seconds(5)
        configuration.responseTimeout = .seconds(5)
        let tls = try configuration.validate()
        loop = group.next()
        connection = ClientConnection(
            configuration: configuration,
            role: .publish,
            tls: tls,
            loop: loop,
            logger: Logger(label: "sealcast.bench.publish", level: .error),
            onEvent: { _ in }
        )
        self.media = media
    }

    /// Connects and waits for `NetStream.Publish.Start`.
    /// - Throws: `RTMPClientError` when the server rejects the key or does not reply in time.
    public func connect() async throws(RTMPClientError) {
        _ = try await connection.start()
    }

    /// Starts sending the file in a loop until `close()` or a failure.
    public func start() {
        loop.execute { [self] in
            startTime = BenchPlayer.now()
            pump()
        }
    }

    /// The reason the publisher stopped early, if it did.
    public var failure: String? { status.withLock { $0.failure } }

    /// The number of messages sent so far.
    public var sentCount: Int { status.withLock { $0.sent } }

    /// Stops sending and closes the connection.
    public func close() async {
        await BenchRun.onLoop(loop) { [self] in
            isStopped = true
            if let timer { loop.cancelTimer(timer) }
            timer = nil
            connection.close()
        }
    }

    // MARK: - Pacing

    /// Sends every message that is due, then waits for the next one's time or for the
    /// connection's write queue to drain.
    private func pump() {
        while !isStopped {
            let message = currentMessage()
            let due = startTime + UInt64(message.timestamp) * 1_000_000
            if due > BenchPlayer.now() {
                timer = loop.scheduleTimer(at: Deadline(uptimeNanoseconds: due)) { [self] in
                    timer = nil
                    pump()
                }
                return
            }
            advance()
            if message.typeID == .video {
                stamps.recordVideo(timestamp: message.timestamp, sentAt: BenchPlayer.now())
            }
            isInSend = true
            completedInSend = false
            connection.send(message) { [self] result in sendCompleted(result) }
            isInSend = false
            // A send that completes later calls `pump()` itself.
            guard completedInSend else { return }
        }
    }

    private func sendCompleted(_ result: Result<Void, RTMPClientError>) {
        if case .failure(let error) = result {
            if !isStopped {
                isStopped = true
                status.withLock { $0.failure = "\(error)" }
            }
            return
        }
        status.withLock { $0.sent += 1 }
        if isInSend {
            completedInSend = true
        } else {
            pump()
        }
    }

    /// Returns the message at `index` with its timestamp moved to this loop's place on the timeline.
    private func currentMessage() -> Message {
        var message = media.messages[index]
        let first = Int64(media.messages[0].timestamp)
        message.timestamp = UInt32(truncatingIfNeeded: max(0, offset + Int64(message.timestamp) - first))
        return message
    }

    /// Moves to the next message, starting the file again at its end; metadata is sent once.
    private func advance() {
        repeat {
            index += 1
            if index == media.messages.count {
                index = 0
                loopCount += 1
                let timestamps = media.messages.map { Int64($0.timestamp) }
                offset += (timestamps.max() ?? 0) - (timestamps.first ?? 0) + Self.loopGap
            }
        } while loopCount > 0 && media.messages[index].typeID == .dataAMF0 && media.messages.count > 1
    }
}
