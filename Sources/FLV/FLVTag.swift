/// The type of an FLV tag: the low 5 bits of its first byte, equal to the RTMP message type id.
public struct FLVTagType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The 5-bit wire value.
    public var rawValue: UInt8

    /// Creates a tag type from its wire value.
    public init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    /// Audio data.
    public static let audio = FLVTagType(rawValue: 8)
    /// Video data.
    public static let video = FLVTagType(rawValue: 9)
    /// Script data: AMF0 values such as `onMetaData`.
    public static let scriptData = FLVTagType(rawValue: 18)

    public var description: String {
        switch self {
        case .audio: return "audio"
        case .video: return "video"
        case .scriptData: return "script data"
        default: return "tag type \(rawValue)"
        }
    }
}

/// The 9-byte header at the start of an FLV file.
///
///     "FLV"  version UI8  flags UI8 (0x04 audio, 0x01 video)  dataOffset UI32 (9)
///
/// A UI32 PreviousTagSize0 of 0 follows it, before the first tag.
public struct FLVFileHeader: Hashable, Sendable {
    /// The size of the header as version 1 defines it.
    public static let size = 9

    /// The file version; 1 for every file in use.
    public var version: UInt8
    /// Whether the file declares audio tags.
    public var hasAudio: Bool
    /// Whether the file declares video tags.
    public var hasVideo: Bool
    /// The offset of the body from the start of the file; 9 for version 1.
    public var dataOffset: UInt32

    /// Creates a header.
    public init(version: UInt8 = 1, hasAudio: Bool, hasVideo: Bool, dataOffset: UInt32 = UInt32(FLVFileHeader.size)) {
        self.version = version
        self.hasAudio = hasAudio
        self.hasVideo = hasVideo
        self.dataOffset = dataOffset
    }
}

/// One FLV tag: an audio, video or script data message with its timestamp.
///
///     type UI8 (bit 5: filter, low 5 bits: tag type)   dataSize UI24
///     timestamp UI24   timestampExtended UI8 (bits 24 to 31)   streamID UI24 (always 0)
///     data (dataSize bytes)   then PreviousTagSize UI32 = 11 + dataSize
public struct FLVTag: Hashable, Sendable {
    /// The size of a tag header.
    public static let headerSize = 11
    /// The largest payload the 24-bit size field can hold.
    public static let maximumDataSize = (1 << 24) - 1

    /// The tag type.
    public var type: FLVTagType
    /// Whether the filter bit (0x20) is set, which marks an encrypted payload.
    public var isFiltered: Bool
    /// The timestamp in milliseconds: 24 bits plus 8 extended bits above them.
    public var timestamp: UInt32
    /// The stream id; 0 in every file the specification allows.
    public var streamID: UInt32
    /// The message payload.
    public var data: [UInt8]

    /// Creates a tag.
    public init(type: FLVTagType, timestamp: UInt32, streamID: UInt32 = 0, isFiltered: Bool = false, data: [UInt8]) {
        self.type = type
        self.isFiltered = isFiltered
        self.timestamp = timestamp
        self.streamID = streamID
        self.data = data
    }
}
