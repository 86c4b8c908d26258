import Bytes

/// What a live router needs to know about one audio, video or data message.
///
/// Sequence headers, multichannel configurations and video metadata carry the
/// ids of the tracks they configure. A GOP cache can then keep the latest of
/// each kind per track and replay them to a new subscriber before the first
/// key frame. Legacy and single-track messages configure track 0.
public enum MediaKind: Hashable, Sendable {
    /// A video decoder configuration: legacy AVC/HEVC sequence header, Enhanced RTMP
    /// SequenceStart or MPEG2TSSequenceStart.
    case videoSequenceHeader(TrackIDSet)
    /// The end of a video sequence for the given tracks.
    case videoSequenceEnd(TrackIDSet)
    /// Enhanced RTMP video Metadata (AMF, such as `colorInfo`) for the given tracks.
    case videoMetadata(TrackIDSet)
    /// Coded video of a key frame, where a subscriber can start decoding.
    case videoKeyframe
    /// Coded video that depends on earlier frames.
    case videoInterframe
    /// A video command frame (client-side seek start or end), which carries no video.
    case videoCommand
    /// An audio decoder configuration: legacy AAC sequence header or Enhanced RTMP SequenceStart.
    case audioSequenceHeader(TrackIDSet)
    /// An Enhanced RTMP audio MultichannelConfig, kept beside the sequence header of its tracks.
    case audioMultichannelConfig(TrackIDSet)
    /// The end of an audio sequence for the given tracks.
    case audioSequenceEnd(TrackIDSet)
    /// Coded audio.
    case audioFrame
    /// An AMF0 data message that starts with `@setDataFrame` or `onMetaData`.
    case metadata
    /// Any other data message, such as `onCuePoint` or an AMF3 data message.
    case data
    /// An audio or video message whose header is cut short or invalid.
    case malformed
    /// A message of another type, or an audio or video packet type this classifier does not know.
    case other
}

/// Classifies audio, video and data messages for the live router.
///
/// It reads only header bytes and does not copy a payload held in contiguous
/// storage (`[UInt8]`, `ArraySlice`, `ByteBuffer`, a raw buffer). Multitrack
/// messages are walked track by track through their size fields to collect
/// the track ids.
public enum MediaClassifier {
    /// The RTMP message type id of audio, also the FLV tag type.
    public static let audioTypeID: UInt8 = 8
    /// The RTMP message type id of video, also the FLV tag type.
    public static let videoTypeID: UInt8 = 9
    /// The RTMP message type id of an AMF3 data message.
    public static let amf3DataTypeID: UInt8 = 15
    /// The RTMP message type id of an AMF0 data message, also the FLV script data tag type.
    public static let amf0DataTypeID: UInt8 = 18

    /// Classifies one message.
    /// - Parameters:
    ///   - typeID: the RTMP message type id.
    ///   - payload: the whole message payload.
    public static func classify(typeID: UInt8, payload: UnsafeRawBufferPointer) -> MediaKind {
        switch typeID {
        case videoTypeID: return classifyVideo(payload)
        case audioTypeID: return classifyAudio(payload)
        case amf0DataTypeID:
            let isMetadata =
                Metadata.startsWithString(Metadata.setDataFrame, in: payload)
                || Metadata.startsWithString(Metadata.onMetaData, in: payload)
            return isMetadata ? .metadata : .data
        case amf3DataTypeID: return .data
        default: return .other
        }
    }

    /// Classifies one message held in a collection, such as `[UInt8]` or `ArraySlice<UInt8>`.
    public static func classify<Payload: Collection>(
        typeID: UInt8,
        payload: Payload
    ) -> MediaKind where Payload.Element == UInt8 {
        let kind = try? withPayloadBytes(payload) { raw throws(FLVError) in classify(typeID: typeID, payload: raw) }
        return kind ?? .malformed
    }

    /// Classifies one message held in the readable bytes of `buffer`.
    public static func classify(typeID: UInt8, payload buffer: ByteBuffer) -> MediaKind {
        buffer.withUnsafeReadableBytes { raw in classify(typeID: typeID, payload: raw) }
    }

    private static func classifyVideo(_ payload: UnsafeRawBufferPointer) -> MediaKind {
        var trackIDs = TrackIDSet()
        let header: VideoTagHeader
        do {
            header = try VideoTagHeader.scan(payload) { track throws(FLVError) in trackIDs.insert(track.trackID) }
        } catch {
            return .malformed
        }

        if header.isCommandFrame { return .videoCommand }
        if header.isSequenceHeader { return .videoSequenceHeader(trackIDs) }
        if header.isSequenceEnd { return .videoSequenceEnd(trackIDs) }
        if header.isMetadata { return .videoMetadata(trackIDs) }
        if header.isKeyframe { return .videoKeyframe }
        if header.isCodedFrames { return .videoInterframe }
        return .other
    }

    private static func classifyAudio(_ payload: UnsafeRawBufferPointer) -> MediaKind {
        var trackIDs = TrackIDSet()
        let header: AudioTagHeader
        do {
            header = try AudioTagHeader.scan(payload) { track throws(FLVError) in trackIDs.insert(track.trackID) }
        } catch {
            return .malformed
        }

        if header.isMultichannelConfig { return .audioMultichannelConfig(trackIDs) }
        if header.isSequenceHeader { return .audioSequenceHeader(trackIDs) }
        if header.isSequenceEnd { return .audioSequenceEnd(trackIDs) }
        if header.packetType == nil || header.packetType == .codedFrames { return .audioFrame }
        return .other
    }
}
