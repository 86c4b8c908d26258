import FLV
import RTMP

/// The state a publisher keeps so that it can resume after a reconnect: the latest metadata and
/// the latest sequence header of each track, and whether it waits for a keyframe.
///
/// After a reconnect the server has a new, empty stream. The publisher sends `resume()`'s
/// messages (metadata, then the sequence headers in their first-seen order) and then skips
/// audio and video frames until the next video keyframe, so that players start with
/// everything a decoder needs. An audio-only stream continues at once.
public struct PublishReplay: Sendable {
    /// The last `@setDataFrame onMetaData` (or `onMetaData`) message.
    public private(set) var metadata: Message?
    /// The latest configuration message per kind and track set, in first-seen order.
    private var configurations: [(kind: MediaKind, message: Message)] = []
    /// Whether any video has been published, which decides whether to wait for a keyframe.
    private var hasVideo = false
    /// True after `resume()` until a video keyframe passes `shouldSend(_:)`.
    public private(set) var isAwaitingKeyframe = false

    /// Creates an empty replay.
    public init() {}

    /// Records a message about to be published, keeping it if it configures a decoder.
    public mutating func record(_ message: Message) {
        let kind = MediaClassifier.classify(typeID: message.typeID.rawValue, payload: message.payload)
        switch kind {
        case .metadata:
            metadata = message
        case .videoSequenceHeader, .audioSequenceHeader, .audioMultichannelConfig:
            if let index = configurations.firstIndex(where: { $0.kind == kind }) {
                configurations[index].message = message
            } else {
                configurations.append((kind, message))
            }
        case .videoKeyframe, .videoInterframe:
            hasVideo = true
        default:
            break
        }
    }

    /// Returns the messages to send first on a new connection and starts waiting for a keyframe.
    public mutating func resume() -> [Message] {
        isAwaitingKeyframe = hasVideo
        return (metadata.map { [$0] } ?? []) + configurations.map(\.message)
    }

    /// Returns whether to send `message` now: false for audio and video frames while waiting for a keyframe.
    public mutating func shouldSend(_ message: Message) -> Bool {
        guard isAwaitingKeyframe else { return true }
        switch MediaClassifier.classify(typeID: message.typeID.rawValue, payload: message.payload) {
        case .videoKeyframe:
            isAwaitingKeyframe = false
            return true
        case .videoInterframe, .audioFrame:
            return false
        default:
            return true
        }
    }
}
