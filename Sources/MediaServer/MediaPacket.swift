import Bytes
import FLV
import RTMP

/// The routing class of one media message: configuration, keyframe, frame or data.
enum PacketKind: Sendable, Equatable {
    /// Decoder configuration a new player needs before any frame: kept per slot.
    case configuration(ConfigurationSlot)
    case videoKeyframe
    case videoFrame
    case audioFrame
    /// `onMetaData`, kept for new players.
    case metadata
    /// Anything else, forwarded but never cached on its own.
    case data

    var isVideo: Bool {
        switch self {
        case .videoKeyframe, .videoFrame: return true
        case .configuration(let slot): return slot.category.isVideo
        default: return false
        }
    }

    /// Classifies a message with the FLV module's classifier.
    init(typeID: MessageTypeID, payload: [UInt8]) {
        switch MediaClassifier.classify(typeID: typeID.rawValue, payload: payload) {
        case .videoSequenceHeader(let tracks): self = .configuration(ConfigurationSlot(.videoSequenceHeader, tracks))
        case .videoMetadata(let tracks): self = .configuration(ConfigurationSlot(.videoMetadata, tracks))
        case .audioSequenceHeader(let tracks): self = .configuration(ConfigurationSlot(.audioSequenceHeader, tracks))
        case .audioMultichannelConfig(let tracks):
            self = .configuration(ConfigurationSlot(.audioMultichannelConfig, tracks))
        case .videoKeyframe: self = .videoKeyframe
        case .videoInterframe, .videoCommand, .videoSequenceEnd: self = .videoFrame
        case .audioFrame, .audioSequenceEnd: self = .audioFrame
        case .metadata: self = .metadata
        case .data: self = .data
        case .malformed, .other:
            // Forwarded as it came. As a frame it may be dropped for a slow player, and it is never cached alone.
            switch typeID {
            case .video: self = .videoFrame
            case .audio: self = .audioFrame
            default: self = .data
            }
        }
    }
}

/// The kind of configuration a packet carries and its tracks, under which the GOP cache keeps the latest one.
struct ConfigurationSlot: Sendable, Hashable {
    enum Category: Sendable, Hashable {
        case videoSequenceHeader, videoMetadata, audioSequenceHeader, audioMultichannelConfig

        var isVideo: Bool { self == .videoSequenceHeader || self == .videoMetadata }
    }

    var category: Category
    var tracks: TrackIDSet

    init(_ category: Category, _ tracks: TrackIDSet) {
        self.category = category
        self.tracks = tracks
    }
}

/// One published message, encoded to chunks once and shared by every player.
///
/// The chunks carry a full (type 0) header with the absolute timestamp, so a
/// player can receive any packet after any other. They use the server's
/// outgoing chunk size and message stream 1, the ID the first `createStream`
/// returns. A player on another stream ID or chunk size gets its own encoding
/// of `message` instead.
final class MediaPacket: Sendable {
    let kind: PacketKind
    let message: Message
    let chunks: SharedBytes
    /// The codecs and tracks of an Enhanced RTMP audio or video message, read once
    /// here for the players that filter by codec. It is `nil` for legacy tags and data.
    let trackLayout: TrackLayout?

    /// The chunk streams used for shared media; the session's own encoder uses 2, 3 and 5.
    static let audioChunkStream = ChunkStreamID(6)
    static let videoChunkStream = ChunkStreamID(7)
    static let dataChunkStream = ChunkStreamID(8)

    /// The message stream ID shared encodings use.
    static let sharedStreamID = MessageStreamID(1)

    init(kind: PacketKind, typeID: MessageTypeID, timestamp: UInt32, payload: [UInt8], chunkSize: Int) {
        let chunkStream: ChunkStreamID
        switch typeID {
        case .audio: chunkStream = Self.audioChunkStream
        case .video: chunkStream = Self.videoChunkStream
        default: chunkStream = Self.dataChunkStream
        }
        self.kind = kind
        self.message = Message(
            chunkStreamID: chunkStream, typeID: typeID, streamID: Self.sharedStreamID, timestamp: timestamp, payload: payload
        )
        var buffer = ByteBuffer(capacity: payload.count + payload.count / chunkSize * 4 + 32)
        ChunkEncoder.encode(message, chunkSize: chunkSize, into: &buffer)
        self.chunks = SharedBytes(buffer: buffer)
        self.trackLayout = TrackLayout(typeID: typeID, payload: payload)
    }

    /// The same message on another message stream, for a player that the shared encoding does not fit.
    func message(onStream streamID: MessageStreamID) -> Message {
        var copy = message
        copy.streamID = streamID
        return copy
    }
}
