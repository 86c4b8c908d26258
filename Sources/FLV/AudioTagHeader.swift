import Bytes

/// The header of an audio message (RTMP type 8, FLV tag type 8), legacy or Enhanced RTMP.
///
///     legacy    | soundFormat UB[4] | soundRate UB[2] | soundSize UB[1] | soundType UB[1] |
///               then for AAC (10): AACPacketType UI8
///     enhanced  | soundFormat 9 (ExHeader)   | audioPacketType UB[4]                       |
///               then ModEx prefixes, then a FourCC (or a multitrack layout)
///
/// Parsing reads only header fields: codec data is returned as ranges of the
/// payload, never copied.
public struct AudioTagHeader: Hashable, Sendable {
    /// The sound format; `.exHeader` for Enhanced RTMP.
    public var soundFormat: SoundFormat
    /// The legacy sound rate bits: 0 = 5.5 kHz, 1 = 11 kHz, 2 = 22 kHz, 3 = 44 kHz. `nil` for Enhanced RTMP.
    public var soundRate: UInt8?
    /// The legacy sound size bit: 0 = 8-bit samples, 1 = 16-bit samples. `nil` for Enhanced RTMP.
    public var soundSize: UInt8?
    /// The legacy sound type bit: 0 = mono, 1 = stereo. `nil` for Enhanced RTMP.
    public var soundType: UInt8?
    /// The legacy AAC packet type, for sound format 10 only.
    public var aacPacketType: AACPacketType?
    /// The Enhanced RTMP packet type after any ModEx prefixes; for a multitrack
    /// message, the packet type of its tracks.
    public var packetType: AudioPacketType?
    /// The multitrack type, when the Enhanced RTMP message is a multitrack message.
    public var multitrackType: AvMultitrackType?
    /// The ModEx prefixes in wire order; empty unless the Enhanced RTMP packet type was ModEx.
    public var modExPrefixes: [ModExPrefix]
    /// The codec: the legacy sound format, or the FourCC of the first track.
    public var codec: AudioCodec
    /// The tracks with their codec data.
    public var tracks: [AudioTrack]

    /// Creates a header from its fields.
    ///
    /// A `timestampOffsetNanoseconds` value adds a TimestampOffsetNano prefix with
    /// 3 bytes of data after `modExPrefixes`.
    public init(
        soundFormat: SoundFormat,
        soundRate: UInt8? = nil,
        soundSize: UInt8? = nil,
        soundType: UInt8? = nil,
        aacPacketType: AACPacketType? = nil,
        packetType: AudioPacketType? = nil,
        multitrackType: AvMultitrackType? = nil,
        timestampOffsetNanoseconds: UInt32? = nil,
        modExPrefixes: [ModExPrefix] = [],
        codec: AudioCodec,
        tracks: [AudioTrack] = []
    ) {
        self.soundFormat = soundFormat
        self.soundRate = soundRate
        self.soundSize = soundSize
        self.soundType = soundType
        self.aacPacketType = aacPacketType
        self.packetType = packetType
        self.multitrackType = multitrackType
        self.modExPrefixes = modExPrefixes
        if let timestampOffsetNanoseconds {
            self.modExPrefixes.append(.timestampOffsetNano(timestampOffsetNanoseconds))
        }
        self.codec = codec
        self.tracks = tracks
    }

    /// Parses the header of an audio message payload.
    /// - Throws: `FLVError` when the payload ends inside a header field or a
    ///   multitrack layout is invalid.
    public init(payload: UnsafeRawBufferPointer) throws(FLVError) {
        var tracks: [AudioTrack] = []
        self = try Self.scan(payload) { track throws(FLVError) in tracks.append(track) }
        self.tracks = tracks
    }

    /// Parses the header of an audio message payload.
    /// - Throws: `FLVError` when the payload is malformed.
    public init<Payload: Collection>(payload: Payload) throws(FLVError) where Payload.Element == UInt8 {
        self = try withPayloadBytes(payload) { raw throws(FLVError) in try AudioTagHeader(payload: raw) }
    }

    /// Parses the header of the audio message payload in the readable bytes of `buffer`.
    /// - Throws: `FLVError` when the payload is malformed.
    public init(payload buffer: ByteBuffer) throws(FLVError) {
        self = try withPayloadBytes(buffer) { raw throws(FLVError) in try AudioTagHeader(payload: raw) }
    }

    /// Whether this is a decoder configuration to keep for new subscribers: a legacy
    /// AAC sequence header, or an Enhanced RTMP SequenceStart or MultichannelConfig.
    public var isSequenceHeader: Bool {
        aacPacketType == .sequenceHeader || packetType == .sequenceStart || packetType == .multichannelConfig
    }

    /// Whether this is an Enhanced RTMP MultichannelConfig, kept beside the SequenceStart of its track.
    public var isMultichannelConfig: Bool { packetType == .multichannelConfig }

    /// Whether this is an Enhanced RTMP SequenceEnd.
    public var isSequenceEnd: Bool { packetType == .sequenceEnd }

    /// The ModEx TimestampOffsetNano value, added to the message timestamp: the
    /// offset of the last TimestampOffsetNano prefix.
    public var timestampOffsetNanoseconds: UInt32? { modExPrefixes.timestampOffsetNanoseconds }

    /// The ids of the tracks in the message.
    public var trackIDs: TrackIDSet { TrackIDSet(tracks.lazy.map(\.trackID)) }
}

// MARK: - Parsing

extension AudioTagHeader {
    /// Parses every header field and passes each track to `visit` instead of storing it,
    /// so that the classifier allocates only for ModEx prefixes, whose data the header copies.
    static func scan(
        _ payload: UnsafeRawBufferPointer,
        visit: (AudioTrack) throws(FLVError) -> Void
    ) throws(FLVError) -> AudioTagHeader {
        var cursor = PayloadCursor(payload)
        let first = try cursor.readUInt8("audio tag header")
        let soundFormat = SoundFormat(rawValue: first >> 4)
        guard soundFormat == .exHeader else {
            var header = AudioTagHeader(
                soundFormat: soundFormat,
                soundRate: (first >> 2) & 0x03,
                soundSize: (first >> 1) & 0x01,
                soundType: first & 0x01,
                codec: .legacy(soundFormat)
            )
            if soundFormat == .aac {
                header.aacPacketType = AACPacketType(rawValue: try cursor.readUInt8("AAC packet type"))
            }
            try visit(AudioTrack(trackID: 0, codec: header.codec, data: cursor.skipToEnd()))
            return header
        }
        return try scanEnhanced(first: first, cursor: &cursor, visit: visit)
    }

    private static func scanEnhanced(
        first: UInt8,
        cursor: inout PayloadCursor,
        visit: (AudioTrack) throws(FLVError) -> Void
    ) throws(FLVError) -> AudioTagHeader {
        let modEx = try EnhancedHeader.resolveModEx(packetType: first & 0x0F, cursor: &cursor)
        let packetType = AudioPacketType(rawValue: modEx.packetType)

        // a single track
        if packetType != .multitrack {
            let fourCC = try cursor.readFourCC("audio FourCC")
            try visit(AudioTrack(trackID: 0, codec: .fourCC(fourCC), data: cursor.skipToEnd()))
            return AudioTagHeader(
                soundFormat: .exHeader,
                packetType: packetType,
                modExPrefixes: modEx.prefixes,
                codec: .fourCC(fourCC)
            )
        }

        // a multitrack message
        let prefix = try EnhancedHeader.readMultitrackPrefix(
            cursor: &cursor,
            multitrackPacketType: AudioPacketType.multitrack.rawValue
        )
        var firstFourCC: FourCC?
        try EnhancedHeader.forEachTrack(cursor: &cursor, prefix: prefix) { trackID, fourCC, data throws(FLVError) in
            if firstFourCC == nil { firstFourCC = fourCC }
            try visit(AudioTrack(trackID: trackID, codec: .fourCC(fourCC), data: data))
        }
        // forEachTrack throws unless it visited at least one track.
        let codec = FourCC(rawValue: firstFourCC?.rawValue ?? 0)
        return AudioTagHeader(
            soundFormat: .exHeader,
            packetType: AudioPacketType(rawValue: prefix.packetType),
            multitrackType: prefix.type,
            modExPrefixes: modEx.prefixes,
            codec: .fourCC(codec)
        )
    }
}
