import FLV
import Foundation
import Network
import RTMP
import Synchronization

@testable import RTMPClient

/// The messages of an FLV file, as the client publishes them.
func publishMessages(of file: URL) throws -> [Message] {
    let bytes = try [UInt8](Data(contentsOf: file))
    return try FLVReader.readAll(bytes).tags.compactMap { $0.publishMessage() }
}

/// Publishes every message, at once or (`realTime`) paced by the timestamps as `ffmpeg -re` does.
func publishAll(_ messages: [Message], with client: PublishClient, realTime: Bool = false) async throws {
    let start = ContinuousClock.now
    let first = Int64(messages.first?.timestamp ?? 0)
    for message in messages {
        if realTime {
            try await Task.sleep(until: start + .milliseconds(Int64(message.timestamp) - first), clock: .continuous)
        }
        try await client.send(message)
    }
}

/// What a player received, recorded from its event handler.
final class PlayRecording: Sendable {
    private struct State {
        var recorder = FLVRecorder()
        var bytes: [UInt8] = []
        var messages: [Message] = []
        var publisherEnded = false
    }

    private let state = Mutex(State())

    func record(_ event: PlayClient.Event) {
        state.withLock { state in
            switch event {
            case .media(let message):
                state.messages.append(message)
                _ = try? state.recorder.append(message)
                state.bytes += state.recorder.takeBytes()
            case .publisherEnded:
                state.publisherEnded = true
            default:
                break
            }
        }
    }

    /// The audio, video and `onMetaData` messages received so far.
    var media: [Message] {
        state.withLock { state in
            state.messages.filter { message in
                message.typeID != .dataAMF0 || Metadata.startsWithString(Metadata.onMetaData, in: message.payload)
            }
        }
    }

    var publisherEnded: Bool { state.withLock { $0.publisherEnded } }

    /// The FLV file recorded so far, with header flags for what arrived.
    var file: [UInt8] {
        state.withLock { state in
            var bytes = state.bytes
            if bytes.count > FLVRecorder.headerFlagsOffset {
                bytes[FLVRecorder.headerFlagsOffset] = state.recorder.headerFlags
            }
            return bytes
        }
    }
}

/// Starts a player on `url` that records into a new `PlayRecording`.
func startPlayer(
    _ url: String,
    tls: ClientTLSOptions = ClientTLSOptions(),
    group: EventLoopGroup
) async throws -> (PlayClient, PlayRecording) {
    let recording = PlayRecording()
    let client = try PlayClient(configuration: ClientConfiguration(url: try RTMPURL(url), tls: tls), group: group) {
        recording.record($0)
    }
    try await client.start()
    return (client, recording)
}

/// Polls `condition` every 20 ms for up to `seconds`.
func eventually(seconds: Double, _ condition: () -> Bool) async -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return condition()
}

/// A clock whose sleeps return at once and are recorded, for the reconnect schedule.
final class RecordingClock: Clock, Sendable {
    struct Instant: InstantProtocol {
        var offset: Duration
        func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        func duration(to other: Instant) -> Duration { other.offset - offset }
        static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.offset < rhs.offset }
    }

    private let state = Mutex((now: Instant(offset: .zero), sleeps: [Duration]()))

    var now: Instant { state.withLock { $0.now } }
    var minimumResolution: Duration { .zero }
    var sleeps: [Duration] { state.withLock { $0.sleeps } }

    func sleep(until deadline: Instant, tolerance: Duration?) async throws {
        state.withLock { state in
            state.sleeps.append(state.now.duration(to: deadline))
            state.now = max(state.now, deadline)
        }
    }
}
