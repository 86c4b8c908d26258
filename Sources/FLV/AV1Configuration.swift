/// The AV1CodecConfigurationRecord (`av1C`) of the AV1 ISO-BMFF binding, the body of an `av01` SequenceStart.
///
///     marker UB[1] (1)  version UB[7] (1)
///     seq_profile UB[3]  seq_level_idx_0 UB[5]
///     seq_tier_0 UB[1]  high_bitdepth UB[1]  twelve_bit UB[1]  monochrome UB[1]
///     chroma_subsampling_x UB[1]  chroma_subsampling_y UB[1]  chroma_sample_position UB[2]
///     '000'b  initial_presentation_delay_present UB[1]  initial_presentation_delay_minus_one UB[4]
///     configOBUs: the sequence header OBU and any metadata OBUs, to the end of the record
public struct AV1CodecConfigurationRecord: Hashable, Sendable {
    /// seq_profile: 0 Main, 1 High, 2 Professional.
    public var seqProfile: UInt8
    /// seq_level_idx of operating point 0; 31 means no level constraint.
    public var seqLevelIdx0: UInt8
    /// seq_tier of operating point 0.
    public var seqTier0: Bool
    /// The bit depth that high_bitdepth and twelve_bit select: 8, 10 or 12.
    public var bitDepth: Int
    /// Whether the stream has only luma.
    public var monochrome: Bool
    /// The configuration OBUs, in low-overhead bitstream format.
    public var configOBUs: [UInt8]

    /// Parses a record.
    /// - Throws: `CodecConfigurationError` when the marker or version is not 1 or the record is shorter than 4 bytes.
    public init<Bytes: Collection>(bytes: Bytes) throws(CodecConfigurationError) where Bytes.Element == UInt8 {
        let bytes = Array(bytes)
        var reader = BitReader(bytes)
        let markerAndVersion = try reader.read(8, "marker and version")
        guard markerAndVersion == 0x81 else {
            throw .unsupportedVersion("AV1CodecConfigurationRecord marker and version byte \(markerAndVersion)")
        }
        seqProfile = UInt8(try reader.read(3, "seq_profile"))
        seqLevelIdx0 = UInt8(try reader.read(5, "seq_level_idx_0"))
        seqTier0 = try reader.readFlag("seq_tier_0")
        let highBitDepth = try reader.readFlag("high_bitdepth")
        let twelveBit = try reader.readFlag("twelve_bit")
        bitDepth = 8
        if highBitDepth { bitDepth = twelveBit ? 12 : 10 }
        monochrome = try reader.readFlag("monochrome")
        try reader.skip(12, "chroma fields and initial presentation delay")
        configOBUs = Array(bytes[4...])
    }

    /// Parses the first sequence header OBU in `configOBUs`.
    /// - Throws: `CodecConfigurationError` when there is none or it cannot be read.
    public func parseSequenceHeader() throws(CodecConfigurationError) -> AV1SequenceHeader {
        var offset = 0
        // Each OBU takes at least one byte, so the loop ends with the data.
        while offset < configOBUs.count {
            let obu = try AV1OBU(configOBUs, at: offset)
            if obu.type == AV1OBU.sequenceHeaderType {
                return try AV1SequenceHeader(payload: configOBUs[obu.payload])
            }
            offset = obu.payload.upperBound
        }
        throw .missingParameterSet("AV1CodecConfigurationRecord has no sequence header OBU")
    }
}

/// The place of one OBU in low-overhead bitstream format (AV1 section 5.3).
struct AV1OBU {
    static let sequenceHeaderType: UInt8 = 1

    var type: UInt8
    var payload: Range<Int>

    /// Reads the OBU header and size at `offset`; an OBU without a size field runs to the end.
    init(_ bytes: [UInt8], at offset: Int) throws(CodecConfigurationError) {
        guard offset < bytes.count else { throw .truncated("OBU header") }
        let header = bytes[offset]
        type = (header >> 3) & 0x0F
        var position = offset + 1
        if header & 0x04 != 0 { position += 1 }  // obu_extension_flag: temporal and spatial ids
        guard position <= bytes.count else { throw .truncated("OBU extension header") }
        guard header & 0x02 != 0 else {
            payload = position..<bytes.count
            return
        }

        // obu_size as leb128: at most 8 bytes of 7 bits each
        var size: UInt64 = 0
        for index in 0..<8 {
            guard position < bytes.count else { throw .truncated("obu_size") }
            let byte = bytes[position]
            position += 1
            size |= UInt64(byte & 0x7F) << UInt64(7 * index)
            if byte & 0x80 == 0 { break }
        }
        guard size <= UInt64(bytes.count - position) else { throw .truncated("OBU of \(size) bytes") }
        payload = position..<position + Int(size)
    }
}

/// The fields of an AV1 sequence header OBU (AV1 section 5.5) up to the maximum frame size.
public struct AV1SequenceHeader: Hashable, Sendable {
    /// seq_profile: 0 Main, 1 High, 2 Professional.
    public var seqProfile: UInt8
    /// Whether the stream is a single still picture.
    public var stillPicture: Bool
    /// seq_level_idx of operating point 0.
    public var seqLevelIdx0: UInt8
    /// max_frame_width_minus_1 + 1.
    public var maxFrameWidth: Int
    /// max_frame_height_minus_1 + 1.
    public var maxFrameHeight: Int
    /// The frame rate from the timing information, present when equal_picture_interval is set.
    public var frameRate: Double?

    /// Parses the payload of a sequence header OBU, after its OBU header and size.
    /// - Throws: `CodecConfigurationError` when the payload ends inside a field.
    public init<Bytes: Collection>(payload: Bytes) throws(CodecConfigurationError) where Bytes.Element == UInt8 {
        var reader = BitReader(Array(payload))
        seqProfile = UInt8(try reader.read(3, "seq_profile"))
        stillPicture = try reader.readFlag("still_picture")
        let reducedStillPictureHeader = try reader.readFlag("reduced_still_picture_header")
        if reducedStillPictureHeader {
            seqLevelIdx0 = UInt8(try reader.read(5, "seq_level_idx"))
        } else {
            let timing = try Self.readTimingAndOperatingPoints(&reader)
            seqLevelIdx0 = timing.firstLevel
            frameRate = timing.frameRate
        }

        // the maximum frame size
        let widthBits = Int(try reader.read(4, "frame_width_bits_minus_1")) + 1
        let heightBits = Int(try reader.read(4, "frame_height_bits_minus_1")) + 1
        maxFrameWidth = Int(try reader.read(widthBits, "max_frame_width_minus_1")) + 1
        maxFrameHeight = Int(try reader.read(heightBits, "max_frame_height_minus_1")) + 1
    }

    /// Reads timing_info(), decoder_model_info() and the operating points, returning
    /// the level of operating point 0 and the frame rate.
    private static func readTimingAndOperatingPoints(
        _ reader: inout BitReader
    ) throws(CodecConfigurationError) -> (firstLevel: UInt8, frameRate: Double?) {
        var frameRate: Double?
        var decoderModelInfoPresent = false
        var bufferDelayLength = 0
        if try reader.readFlag("timing_info_present_flag") {
            let unitsInTick = try reader.read(32, "num_units_in_display_tick")
            let timeScale = try reader.read(32, "time_scale")
            if try reader.readFlag("equal_picture_interval") {
                let ticksPerPicture = UInt64(try reader.readUVLC("num_ticks_per_picture_minus_1")) + 1
                if unitsInTick > 0 && timeScale > 0 {
                    frameRate = Double(timeScale) / (Double(unitsInTick) * Double(ticksPerPicture))
                }
            }
            decoderModelInfoPresent = try reader.readFlag("decoder_model_info_present_flag")
            if decoderModelInfoPresent {
                bufferDelayLength = Int(try reader.read(5, "buffer_delay_length_minus_1")) + 1
                try reader.skip(32 + 5 + 5, "decoding tick and time lengths")
            }
        }

        // operating points; only the level of the first is kept
        let initialDisplayDelayPresent = try reader.readFlag("initial_display_delay_present_flag")
        let operatingPointCount = Int(try reader.read(5, "operating_points_cnt_minus_1")) + 1
        var firstLevel: UInt8 = 0
        for index in 0..<operatingPointCount {
            try reader.skip(12, "operating_point_idc")
            let level = UInt8(try reader.read(5, "seq_level_idx"))
            if index == 0 { firstLevel = level }
            if level > 7 { try reader.skip(1, "seq_tier") }
            if decoderModelInfoPresent, try reader.readFlag("decoder_model_present_for_this_op") {
                try reader.skip(2 * bufferDelayLength + 1, "operating_parameters_info")
            }
            if initialDisplayDelayPresent, try reader.readFlag("initial_display_delay_present_for_this_op") {
                try reader.skip(4, "initial_display_delay_minus_1")
            }
        }
        return (firstLevel, frameRate)
    }
}

/// Names of AV1 profiles and levels.
enum AV1Names {
    /// Returns the profile name for seq_profile.
    static func profile(_ seqProfile: UInt8) -> String {
        switch seqProfile {
        case 0: return "Main"
        case 1: return "High"
        case 2: return "Professional"
        default: return "Profile \(seqProfile)"
        }
    }

    /// Returns the level for seq_level_idx, which is 2 + idx / 4 before the point and idx % 4 after it.
    /// Index 31 means no level constraint and returns "Max".
    static func level(_ seqLevelIdx: UInt8) -> String {
        seqLevelIdx == 31 ? "Max" : "\(2 + (seqLevelIdx >> 2)).\(seqLevelIdx & 3)"
    }
}
