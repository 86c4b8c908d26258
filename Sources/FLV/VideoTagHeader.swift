import Bytes

/// The header of a video message (RTMP type 9, FLV tag type 9), legacy or Enhanced RTMP.
///
/// The first byte decides the form:
///
///     legacy    | frameType UB[4]            | codecId UB[4]    |
///               then for AVC (7) and HEVC (12): AVCPacketType UI8, compositionTime SI24
///     enhanced  | 1 | frameType UB[3]       | packetType UB[4] |
///               then ModEx prefixes, then a FourCC (or a multitrack layout), then
///               for CodedFrames of avc1 and hvc1: compositionTime SI24
///
/// A command frame (frame type 5) carries one `VideoCommand` byte instead of
/// video, except that an Enhanced RTMP Metadata packet ignores the frame type.
/// Parsing reads only header fields: codec data is returned as ranges of the
/// payload, never copied.
public struct VideoTagHeader: Hashable, Sendable {
    /// The frame type.
    public var frameType: VideoFrameType
    /// Whether the IsExHeader bit (0x80) is set, selecting the Enhanced RTMP form.
    public var isExHeader: Bool
    /// The legacy AVC packet type, for codec ids 7 (AVC) and 12 (HEVC) only.
    public var avcPacketType: AVCPacketType?
    /// The Enhanced RTMP packet type after any ModEx prefixes; for a multitrack
    /// message, the packet type of its tracks.
    public var packetType: VideoPacketType?
    /// The multitrack type, when the Enhanced RTMP message is a multitrack message.
    public var multitrackType: AvMultitrackType?
    /// The ModEx prefixes in wire order; empty unless the Enhanced RTMP packet type was ModEx.
    public var modExPrefixes: [ModExPrefix]
    /// The command of a command frame.
    public var command: VideoCommand?
    /// The codec: the legacy codec id, or the FourCC of the first track. `nil` for
    /// an Enhanced RTMP command frame, which names no codec.
    public var codec: VideoCodec?
    /// The tracks with their codec data; empty for command frames.
    public var tracks: [VideoTrack]

    /// Creates a header from its fields.
    ///
    /// A `timestampOffsetNanoseconds` value adds a TimestampOffsetNano prefix with
    /// 3 bytes of data after `modExPrefixes`.
    public init(
        frameType: VideoFrameType,
        isExHeader: Bool,
        avcPacketType: AVCPacketType? = nil,
        packetType: VideoPacketType? = nil,
        multitrackType: AvMultitrackType? = nil,
        timestampOffsetNanoseconds: UInt32? = nil,
        modExPrefixes: [ModExPrefix] = [],
        command: VideoCommand? = nil,
        codec: VideoCodec? = nil,
        tracks: [VideoTrack] = []
    ) {
        self.frameType = frameType
        self.isExHeader = isExHeader
        self.avcPacketType = avcPacketType
        self.packetType = packetType
        self.multitrackType = multitrackType
        self.modExPrefixes = modExPrefixes
        if let timestampOffsetNanoseconds {
            self.modExPrefixes.append(.timestampOffsetNano(timestampOffsetNanoseconds))
        }
        self.command = command
        self.codec = codec
        self.tracks = tracks
    }

    /// Parses the header of a video message payload.
    /// - Throws: `FLVError` when the payload ends inside a header field or a
    ///   multitrack layout is invalid.
    public init(payload: UnsafeRawBufferPointer) throws(FLVError) {
        var tracks: [VideoTrack] = []
        self = try Self.scan(payload) { track throws(FLVError) in tracks.append(track) }
        self.tracks = tracks
    }

    /// Parses the header of a video message payload.
    /// - Throws: `FLVError` when the payload is malformed.
    public init<Payload: Collection>(payload: Payload) throws(FLVError) where Payload.Element == UInt8 {
        self = try withPayloadBytes(payload) { raw throws(FLVError) in try VideoTagHeader(payload: raw) }
    }

    /// Parses the header of the video message payload in the readable bytes of `buffer`.
    /// - Throws: `FLVError` when the payload is malformed.
    public init(payload buffer: ByteBuffer) throws(FLVError) {
        self = try withPayloadBytes(buffer) { raw throws(FLVError) in try VideoTagHeader(payload: raw) }
    }

    /// Whether this is coded video of a key frame. Sequence headers, sequence ends,
    /// metadata and command frames are not, whatever their frame type.
    public var isKeyframe: Bool {
        isCodedFrames && (frameType == .keyFrame || frameType == .generatedKeyFrame)
    }

    /// Whether this carries coded video rather than configuration, metadata or a command.
    public var isCodedFrames: Bool {
        guard command == nil else { return false }
        if let avcPacketType { return avcPacketType == .nalu }
        if let packetType { return packetType == .codedFrames || packetType == .codedFramesX }
        return isExHeader == false
    }

    /// Whether this is a decoder configuration to keep for new subscribers: a
    /// legacy AVC/HEVC sequence header, or an Enhanced RTMP SequenceStart or
    /// MPEG2TSSequenceStart.
    public var isSequenceHeader: Bool {
        // A command frame keeps its packet type bits but carries no configuration.
        guard command == nil else { return false }
        return avcPacketType == .sequenceHeader || packetType == .sequenceStart || packetType == .mpeg2TSSequenceStart
    }

    /// Whether this ends a sequence: a legacy AVC end of sequence or an Enhanced RTMP SequenceEnd.
    public var isSequenceEnd: Bool {
        guard command == nil else { return false }
        return avcPacketType == .endOfSequence || packetType == .sequenceEnd
    }

    /// Whether this is an Enhanced RTMP Metadata packet, which carries AMF instead of video.
    public var isMetadata: Bool { packetType == .metadata }

    /// Whether this is a command frame, which carries a `VideoCommand` instead of video.
    public var isCommandFrame: Bool { command != nil }

    /// The ModEx TimestampOffsetNano value, added to the message timestamp: the
    /// offset of the last TimestampOffsetNano prefix.
    public var timestampOffsetNanoseconds: UInt32? { modExPrefixes.timestampOffsetNanoseconds }

    /// The ids of the tracks in the message.
    public var trackIDs: TrackIDSet { TrackIDSet(tracks.lazy.map(\.trackID)) }
}

// MARK: - Parsing

extension VideoTagHeader {
    /// Parses every header field and passes each track to `visit` instead of storing it,
    /// so that the classifier allocates only for ModEx prefixes, whose data the header copies.
    static func scan(
        _ payload: UnsafeRawBufferPointer,
        visit: (VideoTrack) throws(FLVError) -> Void
    ) throws(FLVError) -> VideoTagHeader {
        var cursor = PayloadCursor(payload)
        let first = try cursor.readUInt8("video tag header")
        if first & 0x80 == 0 {
            return try scanLegacy(first: first, cursor: &cursor, visit: visit)
        }
        return try scanEnhanced(first: first, cursor: &cursor, visit: visit)
    }

    private static func scanLegacy(
        first: UInt8,
        cursor: inout PayloadCursor,
        visit: (VideoTrack) throws(FLVError) -> Void
    ) throws(FLVError) -> VideoTagHeader {
        let codecID = VideoCodecID(rawValue: first & 0x0F)
        var header = VideoTagHeader(
            frameType: VideoFrameType(rawValue: first >> 4),
            isExHeader: false,
            codec: .legacy(codecID)
        )
        if header.frameType == .command {
            header.command = VideoCommand(rawValue: try cursor.readUInt8("video command"))
            return header
        }

        var compositionTime: Int32 = 0
        if codecID == .avc || codecID == .hevc {
            header.avcPacketType = AVCPacketType(rawValue: try cursor.readUInt8("AVC packet type"))
            compositionTime = try cursor.readInt24("composition time")
        }
        try visit(VideoTrack(trackID: 0, codec: .legacy(codecID), compositionTime: compositionTime, data: cursor.skipToEnd()))
        return header
    }

    private static func scanEnhanced(
        first: UInt8,
        cursor: inout PayloadCursor,
        visit: (VideoTrack) throws(FLVError) -> Void
    ) throws(FLVError) -> VideoTagHeader {
        let modEx = try EnhancedHeader.resolveModEx(packetType: first & 0x0F, cursor: &cursor)
        var header = VideoTagHeader(
            frameType: VideoFrameType(rawValue: (first >> 4) & 0x07),
            isExHeader: true,
            packetType: VideoPacketType(rawValue: modEx.packetType),
            modExPrefixes: modEx.prefixes
        )

        // a command frame: one command byte and no FourCC
        if header.frameType == .command && header.packetType != .metadata {
            header.command = VideoCommand(rawValue: try cursor.readUInt8("video command"))
            return header
        }

        // a single track
        if header.packetType != .multitrack {
            let fourCC = try cursor.readFourCC("video FourCC")
            header.codec = .fourCC(fourCC)
            let data = cursor.skipToEnd()
            try visit(try track(0, fourCC, data, packetType: header.packetType, payload: cursor.bytes))
            return header
        }

        // a multitrack message
        let prefix = try EnhancedHeader.readMultitrackPrefix(
            cursor: &cursor,
            multitrackPacketType: VideoPacketType.multitrack.rawValue
        )
        header.multitrackType = prefix.type
        header.packetType = VideoPacketType(rawValue: prefix.packetType)
        let packetType = header.packetType
        let payload = cursor.bytes
        var firstFourCC: FourCC?
        try EnhancedHeader.forEachTrack(cursor: &cursor, prefix: prefix) { trackID, fourCC, data throws(FLVError) in
            if firstFourCC == nil { firstFourCC = fourCC }
            try visit(try track(trackID, fourCC, data, packetType: packetType, payload: payload))
        }
        header.codec = firstFourCC.map { .fourCC($0) }
        return header
    }

    /// Builds a track, reading the composition time that CodedFrames of avc1 and hvc1 start with.
    private static func track(
        _ trackID: UInt8,
        _ fourCC: FourCC,
        _ data: Range<Int>,
        packetType: VideoPacketType?,
        payload: UnsafeRawBufferPointer
    ) throws(FLVError) -> VideoTrack {
        // NOTE: vvc1 is left out because the specification text read for this
        // code gives the composition time to avc1 and hvc1 only.
        guard packetType == .codedFrames, fourCC == .avc1 || fourCC == .hvc1 else {
            return VideoTrack(trackID: trackID, codec: .fourCC(fourCC), data: data)
        }
        var cursor = PayloadCursor(UnsafeRawBufferPointer(rebasing: payload[..<data.upperBound]))
        cursor.offset = data.lowerBound
        let compositionTime = try cursor.readInt24("composition time")
        return VideoTrack(
            trackID: trackID,
            codec: .fourCC(fourCC),
            compositionTime: compositionTime,
            data: cursor.offset..<data.upperBound
        )
    }
}
