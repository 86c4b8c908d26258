/// The VP codec configuration box body (`vpcC`, version 1) of the VP codec ISO-BMFF
/// binding, the body of a `vp09` or `vp08` SequenceStart.
///
///     version UI8 (1)  flags UI24 (0)
///     profile UI8   level UI8 (10 × the level number, such as 31 for 3.1)
///     bitDepth UB[4]  chromaSubsampling UB[3]  videoFullRangeFlag UB[1]
///     colourPrimaries UI8   transferCharacteristics UI8   matrixCoefficients UI8
///     codecInitializationDataSize UI16 (0 for VP8 and VP9), then that many bytes
///
/// The record names no picture size, so the collector reads it from the first key frame.
public struct VPCodecConfigurationRecord: Hashable, Sendable {
    /// The profile, 0 to 3.
    public var profile: UInt8
    /// The level as 10 × the level number; 0 when the writer did not set it.
    public var level: UInt8
    /// The bit depth: 8, 10 or 12.
    public var bitDepth: UInt8
    /// The chroma subsampling: 0 4:2:0 vertical, 1 4:2:0 colocated, 2 4:2:2, 3 4:4:4.
    public var chromaSubsampling: UInt8
    /// Whether the samples use the full range rather than the video range.
    public var videoFullRangeFlag: Bool
    /// The colour primaries, as ISO/IEC 23091-4 numbers them.
    public var colourPrimaries: UInt8
    /// The transfer characteristics, as ISO/IEC 23091-4 numbers them.
    public var transferCharacteristics: UInt8
    /// The matrix coefficients, as ISO/IEC 23091-4 numbers them.
    public var matrixCoefficients: UInt8
    /// The codec initialization data, empty for VP8 and VP9.
    public var codecInitializationData: [UInt8]

    /// Parses the box body, starting with its version and flags.
    /// - Throws: `CodecConfigurationError` when the version is not 1 or the body ends inside a field.
    public init<Bytes: Collection>(bytes: Bytes) throws(CodecConfigurationError) where Bytes.Element == UInt8 {
        var reader = BitReader(Array(bytes))
        let version = try reader.read(8, "version")
        guard version == 1 else { throw .unsupportedVersion("vpcC version \(version)") }
        try reader.skip(24, "flags")
        profile = UInt8(try reader.read(8, "profile"))
        level = UInt8(try reader.read(8, "level"))
        bitDepth = UInt8(try reader.read(4, "bitDepth"))
        chromaSubsampling = UInt8(try reader.read(3, "chromaSubsampling"))
        videoFullRangeFlag = try reader.readFlag("videoFullRangeFlag")
        colourPrimaries = UInt8(try reader.read(8, "colourPrimaries"))
        transferCharacteristics = UInt8(try reader.read(8, "transferCharacteristics"))
        matrixCoefficients = UInt8(try reader.read(8, "matrixCoefficients"))
        let dataSize = Int(try reader.read(16, "codecInitializationDataSize"))
        codecInitializationData = try reader.readBytes(dataSize, "codecInitializationData")
    }

    /// Encodes the box body, starting with version 1 and flags 0.
    public func encoded() -> [UInt8] {
        var bytes: [UInt8] = [1, 0, 0, 0, profile, level]
        bytes.append(bitDepth << 4 | (chromaSubsampling & 0x07) << 1 | (videoFullRangeFlag ? 1 : 0))
        bytes.append(contentsOf: [colourPrimaries, transferCharacteristics, matrixCoefficients])
        bytes.append(UInt8(truncatingIfNeeded: codecInitializationData.count >> 8))
        bytes.append(UInt8(truncatingIfNeeded: codecInitializationData.count))
        bytes.append(contentsOf: codecInitializationData)
        return bytes
    }

    /// The level as text, such as "3.1", or `nil` when the record leaves it unset.
    public var levelName: String? {
        level == 0 ? nil : "\(level / 10).\(level % 10)"
    }
}

/// The start of a VP9 key frame's uncompressed header (VP9 bitstream section 6.2),
/// read for the profile, bit depth and frame size.
public struct VP9KeyFrameHeader: Hashable, Sendable {
    /// The profile, 0 to 3.
    public var profile: UInt8
    /// The bit depth: 8, 10 or 12.
    public var bitDepth: Int
    /// frame_width_minus_1 + 1.
    public var width: Int
    /// frame_height_minus_1 + 1.
    public var height: Int

    /// Parses the uncompressed header at the start of a frame.
    /// - Returns: `nil` when the frame is not a key frame (an inter frame, or a
    ///   frame that shows an earlier one).
    /// - Throws: `CodecConfigurationError` when the frame marker or sync code is wrong
    ///   or the frame ends inside the header.
    public init?<Bytes: Collection>(frame: Bytes) throws(CodecConfigurationError) where Bytes.Element == UInt8 {
        var reader = BitReader(Array(frame.prefix(16)))
        let frameMarker = try reader.read(2, "frame_marker")
        guard frameMarker == 2 else { throw .invalidValue("VP9 frame_marker \(frameMarker), expected 2") }
        let profileLow = try reader.read(1, "profile_low_bit")
        let profileHigh = try reader.read(1, "profile_high_bit")
        profile = UInt8(profileHigh << 1 | profileLow)
        if profile == 3 { try reader.skip(1, "reserved_zero") }
        if try reader.readFlag("show_existing_frame") { return nil }
        let frameType = try reader.read(1, "frame_type")
        guard frameType == 0 else { return nil }  // 0 is KEY_FRAME
        try reader.skip(2, "show_frame and error_resilient_mode")

        // frame_sync_code
        let syncCode = try reader.read(24, "frame_sync_code")
        guard syncCode == 0x49_83_42 else { throw .invalidValue("VP9 frame_sync_code \(syncCode)") }

        // color_config()
        bitDepth = 8
        if profile >= 2 { bitDepth = try reader.readFlag("ten_or_twelve_bit") ? 12 : 10 }
        let colorSpace = try reader.read(3, "color_space")
        let isRGB = colorSpace == 7
        if isRGB == false { try reader.skip(1, "color_range") }
        if profile == 1 || profile == 3 {
            // 4:4:4 and 4:2:2 signal subsampling bits, except RGB, which has only the reserved bit.
            try reader.skip(isRGB ? 1 : 3, "subsampling and reserved_zero")
        }

        // frame_size()
        width = Int(try reader.read(16, "frame_width_minus_1")) + 1
        height = Int(try reader.read(16, "frame_height_minus_1")) + 1
    }
}

/// The frame size of a VP8 key frame (RFC 6386 section 9.1).
///
///     frame tag: key_frame UB[1] (0 for a key frame) version UB[3] show_frame UB[1]
///                first_part_size UB[19], all little-endian in 3 bytes
///     start code 9D 01 2A, then width and height as 14 bits plus a 2-bit scale, each UI16 LE
public struct VP8KeyFrameHeader: Hashable, Sendable {
    /// The frame width in pixels, before scaling.
    public var width: Int
    /// The frame height in pixels, before scaling.
    public var height: Int

    /// Parses the start of a frame.
    /// - Returns: `nil` when the frame is an inter frame.
    /// - Throws: `CodecConfigurationError` when the start code is wrong or the frame ends before the size.
    public init?<Bytes: Collection>(frame: Bytes) throws(CodecConfigurationError) where Bytes.Element == UInt8 {
        let bytes = Array(frame.prefix(10))
        guard let tag = bytes.first else { throw .truncated("VP8 frame tag") }
        guard tag & 0x01 == 0 else { return nil }
        guard bytes.count == 10 else { throw .truncated("VP8 key frame header") }
        guard bytes[3] == 0x9D, bytes[4] == 0x01, bytes[5] == 0x2A else {
            throw .invalidValue("VP8 key frame without the start code 9D 01 2A")
        }
        width = (Int(bytes[6]) | Int(bytes[7]) << 8) & 0x3FFF
        height = (Int(bytes[8]) | Int(bytes[9]) << 8) & 0x3FFF
    }
}
