/// The AVCDecoderConfigurationRecord of ISO/IEC 14496-15, the body of an H.264
/// sequence header (legacy AVC packet type 0, or an `avc1` SequenceStart).
///
///     configurationVersion UI8 (1)   AVCProfileIndication UI8   profile_compatibility UI8
///     AVCLevelIndication UI8   '111111'b lengthSizeMinusOne UB[2]
///     '111'b numOfSequenceParameterSets UB[5]   then per SPS: length UI16, NAL unit
///     numOfPictureParameterSets UI8             then per PPS: length UI16, NAL unit
///     for profiles 100, 110, 122 and 144, when bytes remain:
///       '111111'b chroma_format UB[2]   '11111'b bit_depth_luma_minus8 UB[3]
///       '11111'b bit_depth_chroma_minus8 UB[3]   numOfSequenceParameterSetExt UI8, then per set: UI16, NAL unit
public struct AVCDecoderConfigurationRecord: Hashable, Sendable {
    /// The record version, 1.
    public var configurationVersion: UInt8
    /// The profile_idc of the parameter sets.
    public var profileIndication: UInt8
    /// The byte of constraint_set flags between profile_idc and level_idc.
    public var profileCompatibility: UInt8
    /// The level_idc of the parameter sets.
    public var levelIndication: UInt8
    /// The size in bytes (1, 2 or 4) of the length before each NAL unit in coded frames.
    public var nalUnitLengthSize: Int
    /// The sequence parameter set NAL units, with their NAL unit header.
    public var sequenceParameterSets: [[UInt8]]
    /// The picture parameter set NAL units, with their NAL unit header.
    public var pictureParameterSets: [[UInt8]]
    /// The chroma_format of the High profile fields, when the record has them.
    public var chromaFormat: UInt8?
    /// The bit_depth_luma_minus8 of the High profile fields, when the record has them.
    public var bitDepthLumaMinus8: UInt8?
    /// The bit_depth_chroma_minus8 of the High profile fields, when the record has them.
    public var bitDepthChromaMinus8: UInt8?
    /// The sequence parameter set extension NAL units of the High profile fields.
    public var sequenceParameterSetExtensions: [[UInt8]]

    /// Parses a record.
    /// - Throws: `CodecConfigurationError` when the version is not 1 or the record ends inside a field.
    public init<Bytes: Collection>(bytes: Bytes) throws(CodecConfigurationError) where Bytes.Element == UInt8 {
        var reader = BitReader(Array(bytes))
        configurationVersion = UInt8(try reader.read(8, "configurationVersion"))
        guard configurationVersion == 1 else {
            throw .unsupportedVersion("AVCDecoderConfigurationRecord version \(configurationVersion)")
        }
        profileIndication = UInt8(try reader.read(8, "AVCProfileIndication"))
        profileCompatibility = UInt8(try reader.read(8, "profile_compatibility"))
        levelIndication = UInt8(try reader.read(8, "AVCLevelIndication"))
        try reader.skip(6, "reserved bits")
        nalUnitLengthSize = Int(try reader.read(2, "lengthSizeMinusOne")) + 1

        // parameter sets
        try reader.skip(3, "reserved bits")
        let spsCount = Int(try reader.read(5, "numOfSequenceParameterSets"))
        sequenceParameterSets = try Self.readNALUnits(spsCount, &reader)
        let ppsCount = Int(try reader.read(8, "numOfPictureParameterSets"))
        pictureParameterSets = try Self.readNALUnits(ppsCount, &reader)

        // High profile fields, which many writers leave off
        sequenceParameterSetExtensions = []
        guard [100, 110, 122, 144].contains(profileIndication), reader.remainingBits >= 32 else { return }
        try reader.skip(6, "reserved bits")
        chromaFormat = UInt8(try reader.read(2, "chroma_format"))
        try reader.skip(5, "reserved bits")
        bitDepthLumaMinus8 = UInt8(try reader.read(3, "bit_depth_luma_minus8"))
        try reader.skip(5, "reserved bits")
        bitDepthChromaMinus8 = UInt8(try reader.read(3, "bit_depth_chroma_minus8"))
        let extensionCount = Int(try reader.read(8, "numOfSequenceParameterSetExt"))
        sequenceParameterSetExtensions = try Self.readNALUnits(extensionCount, &reader)
    }

    /// Encodes the record, with the reserved bits set to 1 as the specification requires.
    public func encoded() -> [UInt8] {
        var bytes: [UInt8] = [configurationVersion, profileIndication, profileCompatibility, levelIndication]
        bytes.append(0xFC | UInt8((nalUnitLengthSize - 1) & 0x03))
        bytes.append(0xE0 | UInt8(sequenceParameterSets.count & 0x1F))
        Self.appendNALUnits(sequenceParameterSets, to: &bytes)
        bytes.append(UInt8(truncatingIfNeeded: pictureParameterSets.count))
        Self.appendNALUnits(pictureParameterSets, to: &bytes)
        if let chromaFormat, let bitDepthLumaMinus8, let bitDepthChromaMinus8 {
            bytes.append(0xFC | chromaFormat & 0x03)
            bytes.append(0xF8 | bitDepthLumaMinus8 & 0x07)
            bytes.append(0xF8 | bitDepthChromaMinus8 & 0x07)
            bytes.append(UInt8(truncatingIfNeeded: sequenceParameterSetExtensions.count))
            Self.appendNALUnits(sequenceParameterSetExtensions, to: &bytes)
        }
        return bytes
    }

    /// Parses the first sequence parameter set of the record.
    /// - Throws: `CodecConfigurationError` when the record has none or it cannot be read.
    public func parseSequenceParameterSet() throws(CodecConfigurationError) -> H264SequenceParameterSet {
        guard let first = sequenceParameterSets.first else {
            throw .missingParameterSet("AVCDecoderConfigurationRecord has no sequence parameter set")
        }
        return try H264SequenceParameterSet(nalUnit: first)
    }

    private static func readNALUnits(_ count: Int, _ reader: inout BitReader) throws(CodecConfigurationError) -> [[UInt8]] {
        var units: [[UInt8]] = []
        for _ in 0..<count {
            let length = Int(try reader.read(16, "parameter set length"))
            units.append(try reader.readBytes(length, "parameter set NAL unit"))
        }
        return units
    }

    private static func appendNALUnits(_ units: [[UInt8]], to bytes: inout [UInt8]) {
        for unit in units {
            bytes.append(UInt8(truncatingIfNeeded: unit.count >> 8))
            bytes.append(UInt8(truncatingIfNeeded: unit.count))
            bytes.append(contentsOf: unit)
        }
    }
}

/// The fields of an H.264 sequence parameter set (ITU-T H.264 section 7.3.2.1.1)
/// that describe the stream: profile, level, picture size and VUI timing.
public struct H264SequenceParameterSet: Hashable, Sendable {
    /// profile_idc: 66 Baseline, 77 Main, 100 High, ...
    public var profileIDC: UInt8
    /// The constraint_set0_flag to constraint_set5_flag bits, from the most significant bit down.
    public var constraintFlags: UInt8
    /// level_idc: ten times the level number, such as 31 for level 3.1.
    public var levelIDC: UInt8
    /// chroma_format_idc: 0 monochrome, 1 4:2:0, 2 4:2:2, 3 4:4:4.
    public var chromaFormatIDC: UInt32
    /// The luma bit depth, 8 to 14.
    public var bitDepthLuma: Int
    /// The width in luma samples after the cropping rectangle is applied.
    public var width: Int
    /// The height in luma samples after the cropping rectangle is applied.
    public var height: Int
    /// The VUI num_units_in_tick, when the VUI has timing information.
    public var numUnitsInTick: UInt32?
    /// The VUI time_scale in Hz, when the VUI has timing information.
    public var timeScale: UInt32?
    /// The VUI fixed_frame_rate_flag, when the VUI has timing information.
    public var fixedFrameRate: Bool?

    /// Parses a sequence parameter set NAL unit, starting with its NAL unit header.
    /// - Throws: `CodecConfigurationError` when the NAL unit is not an SPS or ends inside a field.
    public init<Bytes: Collection>(nalUnit: Bytes) throws(CodecConfigurationError) where Bytes.Element == UInt8 {
        var reader = BitReader(removingEmulationPrevention(nalUnit))
        try reader.skip(3, "NAL unit header")
        let nalUnitType = try reader.read(5, "nal_unit_type")
        guard nalUnitType == 7 else { throw .invalidValue("NAL unit type \(nalUnitType) is not an SPS (7)") }
        profileIDC = UInt8(try reader.read(8, "profile_idc"))
        constraintFlags = UInt8(try reader.read(8, "constraint_set flags"))
        levelIDC = UInt8(try reader.read(8, "level_idc"))
        _ = try reader.readUnsignedExpGolomb("seq_parameter_set_id")

        // chroma format and bit depth, present for the High profiles and above
        var chroma = ChromaFormat(idc: 1, separateColourPlane: false)
        bitDepthLuma = 8
        if Self.profilesWithChromaFormat.contains(profileIDC) {
            chroma = try Self.readChromaFormat(&reader, bitDepthLuma: &bitDepthLuma)
        }
        chromaFormatIDC = chroma.idc

        // frame numbering and picture order count
        try Self.skipPictureOrderCount(&reader)

        // picture size
        _ = try reader.readUnsignedExpGolomb("max_num_ref_frames")
        try reader.skip(1, "gaps_in_frame_num_value_allowed_flag")
        let widthInMacroblocks = Int(try reader.readUnsignedExpGolomb("pic_width_in_mbs_minus1")) + 1
        let heightInMapUnits = Int(try reader.readUnsignedExpGolomb("pic_height_in_map_units_minus1")) + 1
        let frameMacroblocksOnly = try reader.readFlag("frame_mbs_only_flag")
        if frameMacroblocksOnly == false { try reader.skip(1, "mb_adaptive_frame_field_flag") }
        try reader.skip(1, "direct_8x8_inference_flag")
        let fieldFactor = frameMacroblocksOnly ? 1 : 2
        width = widthInMacroblocks * 16
        height = fieldFactor * heightInMapUnits * 16

        // the cropping rectangle, in units that depend on the chroma format
        if try reader.readFlag("frame_cropping_flag") {
            let left = Int(try reader.readUnsignedExpGolomb("frame_crop_left_offset"))
            let right = Int(try reader.readUnsignedExpGolomb("frame_crop_right_offset"))
            let top = Int(try reader.readUnsignedExpGolomb("frame_crop_top_offset"))
            let bottom = Int(try reader.readUnsignedExpGolomb("frame_crop_bottom_offset"))
            let (unitX, unitY) = chroma.cropUnits(fieldFactor: fieldFactor)
            width -= unitX * (left + right)
            height -= unitY * (top + bottom)
            guard width > 0, height > 0 else { throw .invalidValue("cropping leaves a picture of \(width)x\(height)") }
        }

        // VUI timing, when present
        guard try reader.readFlag("vui_parameters_present_flag") else { return }
        try Self.readVUITiming(&reader, into: &self)
    }

    /// The frame rate that the VUI timing information gives: time_scale / (2 × num_units_in_tick).
    public var frameRate: Double? {
        guard let numUnitsInTick, let timeScale, numUnitsInTick > 0, timeScale > 0 else { return nil }
        return Double(timeScale) / (2 * Double(numUnitsInTick))
    }

    /// The profile name, such as "High" or "Constrained Baseline", or the number for profiles not listed.
    public var profileName: String {
        switch profileIDC {
        case 66: return constraintFlags & 0x40 != 0 ? "Constrained Baseline" : "Baseline"
        case 77: return "Main"
        case 88: return "Extended"
        case 100: return "High"
        case 110: return "High 10"
        case 122: return "High 4:2:2"
        case 244: return "High 4:4:4 Predictive"
        case 44: return "CAVLC 4:4:4 Intra"
        default: return "Profile \(profileIDC)"
        }
    }

    /// The level as text, such as "3.1" or "1b".
    public var levelName: String {
        // Level 1b is level_idc 11 with constraint_set3_flag in the Baseline, Main and Extended
        // profiles, and level_idc 9 in the others.
        let isLevel1b = levelIDC == 9 || (levelIDC == 11 && constraintFlags & 0x10 != 0 && [66, 77, 88].contains(profileIDC))
        return isLevel1b ? "1b" : "\(levelIDC / 10).\(levelIDC % 10)"
    }

    // MARK: - Parsing steps

    /// The profiles whose SPS carries chroma_format_idc and the bit depths.
    private static let profilesWithChromaFormat: Set<UInt8> = [100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135]

    private struct ChromaFormat {
        var idc: UInt32
        var separateColourPlane: Bool

        /// CropUnitX and CropUnitY of equations 7-19 to 7-22.
        func cropUnits(fieldFactor: Int) -> (Int, Int) {
            // ChromaArrayType is 0 for monochrome and for separately coded colour planes.
            if idc == 0 || separateColourPlane { return (1, fieldFactor) }
            let subWidth = idc == 3 ? 1 : 2
            let subHeight = idc == 1 ? 2 : 1
            return (subWidth, subHeight * fieldFactor)
        }
    }

    private static func readChromaFormat(
        _ reader: inout BitReader,
        bitDepthLuma: inout Int
    ) throws(CodecConfigurationError) -> ChromaFormat {
        let idc = try reader.readUnsignedExpGolomb("chroma_format_idc")
        guard idc <= 3 else { throw .invalidValue("chroma_format_idc \(idc)") }
        var format = ChromaFormat(idc: idc, separateColourPlane: false)
        if idc == 3 { format.separateColourPlane = try reader.readFlag("separate_colour_plane_flag") }
        let lumaMinus8 = try reader.readUnsignedExpGolomb("bit_depth_luma_minus8")
        guard lumaMinus8 <= 6 else { throw .invalidValue("bit_depth_luma_minus8 \(lumaMinus8)") }
        bitDepthLuma = Int(lumaMinus8) + 8
        _ = try reader.readUnsignedExpGolomb("bit_depth_chroma_minus8")
        try reader.skip(1, "qpprime_y_zero_transform_bypass_flag")
        guard try reader.readFlag("seq_scaling_matrix_present_flag") else { return format }
        for index in 0..<(idc == 3 ? 12 : 8) {
            if try reader.readFlag("seq_scaling_list_present_flag") {
                try skipScalingList(&reader, size: index < 6 ? 16 : 64)
            }
        }
        return format
    }

    /// Skips a scaling_list(), whose length depends on the values it codes.
    private static func skipScalingList(_ reader: inout BitReader, size: Int) throws(CodecConfigurationError) {
        var lastScale: Int32 = 8
        var nextScale: Int32 = 8
        for _ in 0..<size where nextScale != 0 {
            let delta = try reader.readSignedExpGolomb("delta_scale")
            nextScale = (lastScale + delta % 256 + 512) % 256
            if nextScale != 0 { lastScale = nextScale }
        }
    }

    private static func skipPictureOrderCount(_ reader: inout BitReader) throws(CodecConfigurationError) {
        _ = try reader.readUnsignedExpGolomb("log2_max_frame_num_minus4")
        let type = try reader.readUnsignedExpGolomb("pic_order_cnt_type")
        switch type {
        case 0:
            _ = try reader.readUnsignedExpGolomb("log2_max_pic_order_cnt_lsb_minus4")
        case 1:
            try reader.skip(1, "delta_pic_order_always_zero_flag")
            _ = try reader.readSignedExpGolomb("offset_for_non_ref_pic")
            _ = try reader.readSignedExpGolomb("offset_for_top_to_bottom_field")
            let cycle = try reader.readUnsignedExpGolomb("num_ref_frames_in_pic_order_cnt_cycle")
            guard cycle <= 255 else { throw .invalidValue("num_ref_frames_in_pic_order_cnt_cycle \(cycle)") }
            for _ in 0..<cycle { _ = try reader.readSignedExpGolomb("offset_for_ref_frame") }
        case 2:
            break
        default:
            throw .invalidValue("pic_order_cnt_type \(type)")
        }
    }

    /// Reads vui_parameters() up to and including the timing information.
    private static func readVUITiming(_ reader: inout BitReader, into sps: inout Self) throws(CodecConfigurationError) {
        if try reader.readFlag("aspect_ratio_info_present_flag") {
            // aspect_ratio_idc 255 is Extended_SAR, followed by sar_width and sar_height
            if try reader.read(8, "aspect_ratio_idc") == 255 { try reader.skip(32, "sar_width and sar_height") }
        }
        if try reader.readFlag("overscan_info_present_flag") { try reader.skip(1, "overscan_appropriate_flag") }
        if try reader.readFlag("video_signal_type_present_flag") {
            try reader.skip(4, "video_format and video_full_range_flag")
            if try reader.readFlag("colour_description_present_flag") { try reader.skip(24, "colour description") }
        }
        if try reader.readFlag("chroma_loc_info_present_flag") {
            _ = try reader.readUnsignedExpGolomb("chroma_sample_loc_type_top_field")
            _ = try reader.readUnsignedExpGolomb("chroma_sample_loc_type_bottom_field")
        }
        guard try reader.readFlag("timing_info_present_flag") else { return }
        sps.numUnitsInTick = try reader.read(32, "num_units_in_tick")
        sps.timeScale = try reader.read(32, "time_scale")
        sps.fixedFrameRate = try reader.readFlag("fixed_frame_rate_flag")
    }
}
