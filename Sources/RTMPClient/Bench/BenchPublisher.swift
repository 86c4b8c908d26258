import Network
import Observability
import RTMP
import Synchronization

/// The load generator's own publisher: replays an FLV file in a loop at real time, as
/// `ffmpeg -re -stream_loop -1 -c copy` does, and stamps the send time of every video message
/// so that players can compute end-to-end delays.
///
/// Each loop's timestamps continue after the last one of the loop before, one frame gap
/// later; metadata goes out in the first loop only. The publisher does not reconnect: a
/// dropped connection ends it, and `failure` gives the reason.
public final class BenchPublisher: Sendable {
    /// The send times of the video messages.
    public let stamps = StampTable()

    private let client: PublishClient
    private let media: BenchMedia
    private let state = Mutex<(stopped: Bool, failure: String?, sent: Int)>((false, nil, 0))

    /// Creates a publisher of `media` to `url`; nothing is sent before `connect()`.
    /// - Throws: `RTMPClientError.invalidOption` for unusable TLS settings.
    public init(url: RTMPURL, media: BenchMedia, group: EventLoopGroup) throws(RTMPClientError) {
        var configuration = ClientConfiguration(url: url, tls: ClientTLSOptions(insecure: true))
        configuration.connectTimeout = .seconds(5)
        configuration.responseTimeout = .seconds(5)
        client = try PublishClient(
            configuration: configuration,
            reconnectPolicy: .disabled,
            group: group,
            logger: Logger(label: "sealcast.bench.publish", level: .error)
        )
        self.media = media
    }

    /// Connects and starts publishing.
    /// - Throws: `RTMPClientError` when the server refuses or does not answer in time.
    public func connect() async throws(RTMPClientError) {
        try await client.connect()
    }

    /// The reason the publisher stopped early, if it did.
    public var failure: String? { state.withLock { $0.failure } }

    /// The number of messages sent so far.
    public var sentCount: Int { state.withLock { $0.sent } }

    /// Sends the file in a loop until `stop()` or a failure, then closes the connection.
    public func run() async {
        let start = ContinuousClock.now
        var offset: Int64 = 0
        var loop = 0
        let first = Int64(media.messages.first?.timestamp ?? 0)
        let last = Int64(media.messages.map(\.timestamp).max() ?? 0)
        let frameGap: Int64 = 33
        outer: while !isStopped {
            for var message in media.messages {
                if loop > 0 && message.typeID == .dataAMF0 { continue }
                let timestamp = offset + Int64(message.timestamp) - first
                message.timestamp = UInt32(truncatingIfNeeded: max(0, timestamp))
                try? await Task.sleep(until: start + .milliseconds(max(0, timestamp)), clock: .continuous)
                if isStopped { break outer }
                if message.typeID == .video {
                    stamps.recordVideo(timestamp: message.timestamp, sentAt: Deadline.now().uptimeNanoseconds)
                }
                do {
                    try await client.send(message)
                } catch {
                    state.withLock { if !$0.stopped { $0.failure = "\(error)" } }
                    break outer
                }
                state.withLock { $0.sent += 1 }
            }
            offset += last - first + frameGap
            loop += 1
        }
        await client.close()
    }

    /// Asks `run()` to stop at its next message.
    public func stop() {
        state.withLock { $0.stopped = true }
    }

    /// Stops `run()` and closes the connection at once, which also ends a send that waits for
    /// a server that stopped reading.
    public func close() async {
        stop()
        await client.close()
    }

    private var isStopped: Bool { state.withLock { $0.stopped || $0.failure != nil } }
}
