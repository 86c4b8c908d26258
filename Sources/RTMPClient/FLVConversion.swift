import AMF
import FLV
import RTMP

extension FLVTag {
    /// The message that publishes this tag: audio and video as they are, and a script data tag
    /// that starts with `onMetaData` wrapped as `@setDataFrame onMetaData {...}`, which requests the
    /// server to keep it for players that join later.
    ///
    /// - Returns: `nil` for a tag type other than audio, video and script data, or an
    ///   encrypted (filtered) tag, which servers cannot pass on.
    public func publishMessage() -> Message? {
        guard !isFiltered else { return nil }
        let typeID: MessageTypeID
        var payload = data
        switch type {
        case .audio: typeID = .audio
        case .video: typeID = .video
        case .scriptData:
            typeID = .dataAMF0
            if Metadata.startsWithString(Metadata.onMetaData, in: data) {
                payload = AMF0Value.encode([.string(Metadata.setDataFrame)]) + data
            }
        default:
            return nil
        }
        return Message(
            chunkStreamID: ClientConnection.chunkStream(for: typeID),
            typeID: typeID,
            streamID: MessageStreamID(1),
            timestamp: timestamp,
            payload: payload
        )
    }
}

/// Turns played messages into an FLV file: audio and video tags byte for byte as received
/// (legacy and Enhanced RTMP alike), and `onMetaData` as a script data tag.
///
/// Timestamps start at 0: each is written relative to the first audio or video message, so
/// that a player that joined a live stream late still gets a file that starts at 0. Other
/// data messages (`|RtmpSampleAccess`, `onStatus`, cue points) are left out.
///
/// The file header is written first with both the audio and video flags set, because what the
/// stream carries is not known yet. Once done, write `headerFlags` at `headerFlagsOffset`.
public struct FLVRecorder: Sendable {
    /// The position of the flags byte in the FLV file header.
    public static let headerFlagsOffset = 4

    private var writer = FLVWriter(header: FLVFileHeader(hasAudio: true, hasVideo: true))
    private var firstTimestamp: UInt32?
    /// Whether an audio tag has been written.
    public private(set) var hasAudio = false
    /// Whether a video tag has been written.
    public private(set) var hasVideo = false
    /// The number of tags written.
    public private(set) var tagCount = 0

    /// Creates a recorder whose first bytes are the FLV file header.
    public init() {}

    /// The header flags byte for what was recorded: 0x04 audio, 0x01 video.
    public var headerFlags: UInt8 { (hasAudio ? 0x04 : 0) | (hasVideo ? 0x01 : 0) }

    /// Appends `message` as a tag, unless it is a data message other than `onMetaData`.
    ///
    /// - Returns: Whether a tag was written.
    /// - Throws: `FLVError.payloadTooLarge` for a payload over 16 MiB - 1.
    @discardableResult
    public mutating func append(_ message: Message) throws(FLVError) -> Bool {
        switch message.typeID {
        case .audio, .video:
            let first = firstTimestamp ?? message.timestamp
            firstTimestamp = first
            // NOTE: a message older than the first one (an audio frame just before the first
            // video frame of a late join) is written at 0 rather than before the start.
            let timestamp = message.timestamp &- first
            let written = timestamp > UInt32.max / 2 ? 0 : timestamp
            let type: FLVTagType = message.typeID == .audio ? .audio : .video
            try writer.writeTag(type: type, timestamp: written, data: message.payload)
            if type == .audio { hasAudio = true } else { hasVideo = true }
        case .dataAMF0:
            let body = Metadata.strippingSetDataFrame(message.payload) ?? message.payload
            guard Metadata.startsWithString(Metadata.onMetaData, in: body) else { return false }
            let timestamp = firstTimestamp.map { message.timestamp &- $0 } ?? 0
            try writer.writeTag(type: .scriptData, timestamp: timestamp > UInt32.max / 2 ? 0 : timestamp, data: body)
        default:
            return false
        }
        tagCount += 1
        return true
    }

    /// Returns the bytes written since the last call and clears them.
    public mutating func takeBytes() -> [UInt8] {
        writer.takeBytes()
    }
}
