/// The sound format of an audio message: the upper 4 bits of its first byte.
public struct SoundFormat: RawRepresentable, Hashable, Sendable {
    /// The 4-bit wire value.
    public var rawValue: UInt8

    /// Creates a sound format from its wire value.
    public init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    /// Linear PCM in the byte order of the platform that made it.
    public static let linearPCMPlatformEndian = SoundFormat(rawValue: 0)
    /// ADPCM.
    public static let adpcm = SoundFormat(rawValue: 1)
    /// MP3.
    public static let mp3 = SoundFormat(rawValue: 2)
    /// Linear PCM, little-endian.
    public static let linearPCMLittleEndian = SoundFormat(rawValue: 3)
    /// Nellymoser 16 kHz mono.
    public static let nellymoser16kHzMono = SoundFormat(rawValue: 4)
    /// Nellymoser 8 kHz mono.
    public static let nellymoser8kHzMono = SoundFormat(rawValue: 5)
    /// Nellymoser.
    public static let nellymoser = SoundFormat(rawValue: 6)
    /// G.711 A-law.
    public static let g711ALaw = SoundFormat(rawValue: 7)
    /// G.711 mu-law.
    public static let g711MuLaw = SoundFormat(rawValue: 8)
    /// Enhanced RTMP: the low 4 bits are an `AudioPacketType` and a FourCC names the codec.
    public static let exHeader = SoundFormat(rawValue: 9)
    /// AAC, followed by an AAC packet type.
    public static let aac = SoundFormat(rawValue: 10)
    /// Speex.
    public static let speex = SoundFormat(rawValue: 11)
    /// MP3 at 8 kHz.
    public static let mp3At8kHz = SoundFormat(rawValue: 14)
    /// Device-specific sound.
    public static let deviceSpecific = SoundFormat(rawValue: 15)
}

/// The packet type of a legacy AAC audio message.
public struct AACPacketType: RawRepresentable, Hashable, Sendable {
    /// The wire value.
    public var rawValue: UInt8

    /// Creates a packet type from its wire value.
    public init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    /// An AudioSpecificConfig.
    public static let sequenceHeader = AACPacketType(rawValue: 0)
    /// Raw AAC frame data.
    public static let raw = AACPacketType(rawValue: 1)
}

/// The packet type of an Enhanced RTMP audio message, which replaces the rate, size and type bits.
public struct AudioPacketType: RawRepresentable, Hashable, Sendable {
    /// The 4-bit wire value.
    public var rawValue: UInt8

    /// Creates a packet type from its wire value.
    public init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    /// A codec configuration, such as an AAC AudioSpecificConfig or an Opus ID header.
    public static let sequenceStart = AudioPacketType(rawValue: 0)
    /// Coded audio frames.
    public static let codedFrames = AudioPacketType(rawValue: 1)
    /// The end of the sequence.
    public static let sequenceEnd = AudioPacketType(rawValue: 2)
    /// The channel order and count, for codecs that do not describe their channel mapping.
    public static let multichannelConfig = AudioPacketType(rawValue: 4)
    /// A multitrack message: a multitrack type and the packet type of the tracks follow.
    public static let multitrack = AudioPacketType(rawValue: 5)
    /// A modifier prefix, such as a nanosecond timestamp offset, before the real packet type.
    public static let modEx = AudioPacketType(rawValue: 7)
}

/// The codec of an audio track: a legacy sound format or an Enhanced RTMP FourCC.
public enum AudioCodec: Hashable, Sendable {
    /// A legacy FLV sound format.
    case legacy(SoundFormat)
    /// An Enhanced RTMP FourCC such as `Opus` or `mp4a`.
    case fourCC(FourCC)
}

/// The codec data of one audio track inside a message payload.
public struct AudioTrack: Hashable, Sendable {
    /// The track id; 0 for legacy and single-track messages.
    public var trackID: UInt8
    /// The codec of the track.
    public var codec: AudioCodec
    /// The offsets, within the parsed payload, of the codec data after every header field.
    public var data: Range<Int>

    /// Creates a track.
    public init(trackID: UInt8, codec: AudioCodec, data: Range<Int>) {
        self.trackID = trackID
        self.codec = codec
        self.data = data
    }
}
