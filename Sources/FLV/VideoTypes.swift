/// The frame type of a video message: the upper bits of its first byte.
public struct VideoFrameType: RawRepresentable, Hashable, Sendable {
    /// The wire value: 4 bits in legacy headers, 3 bits in Enhanced RTMP headers.
    public var rawValue: UInt8

    /// Creates a frame type from its wire value.
    public init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    /// A seekable frame.
    public static let keyFrame = VideoFrameType(rawValue: 1)
    /// A frame that depends on earlier frames.
    public static let interFrame = VideoFrameType(rawValue: 2)
    /// An inter frame that a decoder may drop (H.263 only).
    public static let disposableInterFrame = VideoFrameType(rawValue: 3)
    /// A key frame made by a server, reserved for server use.
    public static let generatedKeyFrame = VideoFrameType(rawValue: 4)
    /// A video info or command frame, which carries a `VideoCommand` instead of video.
    public static let command = VideoFrameType(rawValue: 5)
}

/// The legacy FLV video codec id: the low 4 bits of the first byte when IsExHeader is clear.
public struct VideoCodecID: RawRepresentable, Hashable, Sendable {
    /// The 4-bit wire value.
    public var rawValue: UInt8

    /// Creates a codec id from its wire value.
    public init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    /// Sorenson H.263.
    public static let sorensonH263 = VideoCodecID(rawValue: 2)
    /// Screen video.
    public static let screen = VideoCodecID(rawValue: 3)
    /// On2 VP6.
    public static let on2VP6 = VideoCodecID(rawValue: 4)
    /// On2 VP6 with an alpha channel.
    public static let on2VP6Alpha = VideoCodecID(rawValue: 5)
    /// Screen video version 2.
    public static let screenV2 = VideoCodecID(rawValue: 6)
    /// H.264 / AVC, followed by an AVC packet type and a composition time.
    public static let avc = VideoCodecID(rawValue: 7)
    /// H.265 / HEVC under a codec id outside the FLV specification, laid out like AVC.
    /// Some Chinese CDNs and patched ffmpeg builds sent HEVC this way before Enhanced RTMP.
    public static let hevc = VideoCodecID(rawValue: 12)
}

/// The packet type of a legacy AVC (or codec id 12 HEVC) video message.
public struct AVCPacketType: RawRepresentable, Hashable, Sendable {
    /// The wire value.
    public var rawValue: UInt8

    /// Creates a packet type from its wire value.
    public init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    /// An AVCDecoderConfigurationRecord.
    public static let sequenceHeader = AVCPacketType(rawValue: 0)
    /// One or more NAL units.
    public static let nalu = AVCPacketType(rawValue: 1)
    /// The end of the sequence, with no data.
    public static let endOfSequence = AVCPacketType(rawValue: 2)
}

/// The packet type of an Enhanced RTMP video message, which replaces the codec id bits.
public struct VideoPacketType: RawRepresentable, Hashable, Sendable {
    /// The 4-bit wire value.
    public var rawValue: UInt8

    /// Creates a packet type from its wire value.
    public init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    /// A codec configuration record that starts a sequence.
    public static let sequenceStart = VideoPacketType(rawValue: 0)
    /// Coded frames; for avc1 and hvc1 a 24-bit composition time comes first.
    public static let codedFrames = VideoPacketType(rawValue: 1)
    /// The end of the sequence.
    public static let sequenceEnd = VideoPacketType(rawValue: 2)
    /// Coded frames with a composition time of zero left off the wire.
    public static let codedFramesX = VideoPacketType(rawValue: 3)
    /// AMF-encoded metadata about the video, such as `colorInfo`, instead of video.
    public static let metadata = VideoPacketType(rawValue: 4)
    /// A sequence start for a bitstream carried in MPEG-2 TS form.
    public static let mpeg2TSSequenceStart = VideoPacketType(rawValue: 5)
    /// A multitrack message: a multitrack type and the packet type of the tracks follow.
    public static let multitrack = VideoPacketType(rawValue: 6)
    /// A modifier prefix, such as a nanosecond timestamp offset, before the real packet type.
    public static let modEx = VideoPacketType(rawValue: 7)
}

/// The command that a command frame (frame type 5) carries instead of video.
public struct VideoCommand: RawRepresentable, Hashable, Sendable {
    /// The wire value.
    public var rawValue: UInt8

    /// Creates a command from its wire value.
    public init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    /// Start of a client-side seeking video frame sequence.
    public static let startSeek = VideoCommand(rawValue: 0)
    /// End of a client-side seeking video frame sequence.
    public static let endSeek = VideoCommand(rawValue: 1)
}

/// The codec of a video track: a legacy codec id or an Enhanced RTMP FourCC.
public enum VideoCodec: Hashable, Sendable {
    /// A legacy FLV codec id.
    case legacy(VideoCodecID)
    /// An Enhanced RTMP FourCC such as `avc1` or `av01`.
    case fourCC(FourCC)
}

/// The codec data of one video track inside a message payload.
public struct VideoTrack: Hashable, Sendable {
    /// The track id; 0 for legacy and single-track messages.
    public var trackID: UInt8
    /// The codec of the track.
    public var codec: VideoCodec
    /// The composition time offset in milliseconds (presentation minus decoding time).
    public var compositionTime: Int32
    /// The offsets, within the parsed payload, of the codec data after every header field.
    public var data: Range<Int>

    /// Creates a track.
    public init(trackID: UInt8, codec: VideoCodec, compositionTime: Int32 = 0, data: Range<Int>) {
        self.trackID = trackID
        self.codec = codec
        self.compositionTime = compositionTime
        self.data = data
    }
}
