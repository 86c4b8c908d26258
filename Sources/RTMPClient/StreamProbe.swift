import FLV
import Network
import Observability
import RTMP
import Synchronization

/// Plays a stream just long enough to describe it: codecs, profiles, sizes and rates.
///
/// The probe plays until `StreamInfoCollector` has every track's sequence header and a video
/// keyframe. Then it reads up to `measurement` more of stream time, waiting at most as long in
/// wall time, so that frame rates and bitrates are measured over more than one frame. A player
/// that joins a live stream gets the server's cached group of pictures at once, so the
/// measurement usually takes no wall time at all.
public enum StreamProbe {
    /// Probes the stream at `configuration.url`.
    ///
    /// - Parameters:
    ///   - configuration: The URL, TLS options and timeouts.
    ///   - group: The loops to run on.
    ///   - timeout: How long to wait, after play started, for the sequence headers and the keyframe.
    ///   - measurement: How much more of the stream to read for the rates once complete.
    ///   - logger: Receives debug lines.
    /// - Returns: What is known about the stream.
    /// - Throws: `RTMPClientError`: the connection errors of `PlayClient`, or `.timedOut` when
    ///   the stream did not bring its sequence headers and a keyframe in time.
    public static func probe(
        configuration: ClientConfiguration,
        group: EventLoopGroup,
        timeout: Duration = .seconds(10),
        measurement: Duration = .seconds(1),
        logger: Logger = Logger(label: "sealcast.probe", level: .notice)
    ) async throws(RTMPClientError) -> StreamInfo {
        let collection = Collection()
        let client = try PlayClient(configuration: configuration, group: group, logger: logger) { event in
            collection.record(event)
        }
        try await client.start()
        let result = await waitForInfo(
            collection, timeout: timeout, measurement: measurement, url: configuration.url
        )
        await client.close()
        return try result.get()
    }

    /// Waits for the collection to be complete, then measures; both bounded in wall time.
    private static func waitForInfo(
        _ collection: Collection,
        timeout: Duration,
        measurement: Duration,
        url: RTMPURL
    ) async -> Result<StreamInfo, RTMPClientError> {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while !collection.isComplete {
            if let error = collection.closeError { return .failure(error) }
            guard clock.now < deadline else {
                return .failure(.timedOut(
                    "the sequence headers and the first keyframe", after: timeout, url: url,
                    hint: "Check the stream name, and that a publisher is live on it."
                ))
            }
            try? await Task.sleep(for: .milliseconds(20))
        }

        let completedAt = collection.lastTimestamp
        let measurementEnd = min(deadline, clock.now + measurement)
        while clock.now < measurementEnd && collection.closeError == nil {
            let last = collection.lastTimestamp
            let streamTime = Duration.milliseconds(last >= completedAt ? Int64(last - completedAt) : 0)
            if streamTime >= measurement { break }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return .success(collection.info)
    }

    /// The stream state that the player's handler records on its loop and the probing task reads.
    private final class Collection: Sendable {
        private struct State {
            var collector = StreamInfoCollector()
            var lastTimestamp: UInt32 = 0
            var closeError: RTMPClientError?
        }

        private let state = Mutex(State())

        func record(_ event: PlayClient.Event) {
            state.withLock { state in
                switch event {
                case .media(let message):
                    state.collector.add(typeID: message.typeID.rawValue, timestamp: message.timestamp, payload: message.payload)
                    if message.typeID == .audio || message.typeID == .video { state.lastTimestamp = message.timestamp }
                case .closed(let error):
                    state.closeError = error ?? .closedByUser()
                default:
                    break
                }
            }
        }

        var isComplete: Bool { state.withLock { $0.collector.isComplete } }
        var info: StreamInfo { state.withLock { $0.collector.info } }
        var lastTimestamp: UInt32 { state.withLock { $0.lastTimestamp } }
        var closeError: RTMPClientError? { state.withLock { $0.closeError } }
    }
}
