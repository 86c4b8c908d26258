/// The HEVCDecoderConfigurationRecord of ISO/IEC 14496-15, the body of an `hvc1`
/// SequenceStart (or of a legacy codec id 12 sequence header).
///
///     configurationVersion UI8 (1)
///     general_profile_space UB[2]  general_tier_flag UB[1]  general_profile_idc UB[5]
///     general_profile_compatibility_flags UI32   general_constraint_indicator_flags UB[48]
///     general_level_idc UI8   '1111'b min_spatial_segmentation_idc UB[12]
///     '111111'b parallelismType UB[2]   '111111'b chromaFormat UB[2]
///     '11111'b bitDepthLumaMinus8 UB[3]   '11111'b bitDepthChromaMinus8 UB[3]
///     avgFrameRate UI16   constantFrameRate UB[2] numTemporalLayers UB[3] temporalIdNested UB[1]
///     lengthSizeMinusOne UB[2]   numOfArrays UI8
///     per array: array_completeness UB[1] '0'b NAL_unit_type UB[6]  numNalus UI16,
///                then per NAL unit: nalUnitLength UI16, NAL unit
public struct HEVCDecoderConfigurationRecord: Hashable, Sendable {
    /// One array of NAL units of the same type (VPS, SPS, PPS or SEI).
    public struct NALUnitArray: Hashable, Sendable {
        /// Whether every NAL unit of this type is in the array, none in the stream.
        public var isComplete: Bool
        /// The NAL unit type: 32 VPS, 33 SPS, 34 PPS, 39 and 40 SEI.
        public var nalUnitType: UInt8
        /// The NAL units, with their two-byte NAL unit header.
        public var nalUnits: [[UInt8]]

        /// Creates an array.
        public init(isComplete: Bool, nalUnitType: UInt8, nalUnits: [[UInt8]]) {
            self.isComplete = isComplete
            self.nalUnitType = nalUnitType
            self.nalUnits = nalUnits
        }
    }

    /// The NAL unit type of a sequence parameter set.
    public static let sequenceParameterSetType: UInt8 = 33

    /// The record version, 1.
    public var configurationVersion: UInt8
    /// general_profile_space, 0 in every profile defined so far.
    public var generalProfileSpace: UInt8
    /// general_tier_flag: false for the Main tier, true for the High tier.
    public var generalTierFlag: Bool
    /// general_profile_idc: 1 Main, 2 Main 10, 3 Main Still Picture, 4 Range Extensions, ...
    public var generalProfileIDC: UInt8
    /// general_profile_compatibility_flags, flag 0 in the most significant bit.
    public var generalProfileCompatibilityFlags: UInt32
    /// The 48 bits of general_constraint_indicator_flags.
    public var generalConstraintIndicatorFlags: UInt64
    /// general_level_idc: thirty times the level number, such as 93 for level 3.1.
    public var generalLevelIDC: UInt8
    /// min_spatial_segmentation_idc.
    public var minSpatialSegmentationIDC: UInt16
    /// parallelismType.
    public var parallelismType: UInt8
    /// chromaFormat, as chroma_format_idc.
    public var chromaFormat: UInt8
    /// bitDepthLumaMinus8.
    public var bitDepthLumaMinus8: UInt8
    /// bitDepthChromaMinus8.
    public var bitDepthChromaMinus8: UInt8
    /// avgFrameRate in frames per 256 seconds; 0 when unspecified.
    public var averageFrameRate: UInt16
    /// constantFrameRate: 0 unknown, 1 constant, 2 constant per temporal layer.
    public var constantFrameRate: UInt8
    /// numTemporalLayers.
    public var numTemporalLayers: UInt8
    /// temporalIdNested.
    public var temporalIDNested: Bool
    /// The size in bytes (1, 2 or 4) of the length before each NAL unit in coded frames.
    public var nalUnitLengthSize: Int
    /// The parameter set and SEI arrays.
    public var arrays: [NALUnitArray]

    /// Parses a record.
    /// - Throws: `CodecConfigurationError` when the version is not 1 or the record ends inside a field.
    public init<Bytes: Collection>(bytes: Bytes) throws(CodecConfigurationError) where Bytes.Element == UInt8 {
        var reader = BitReader(Array(bytes))
        configurationVersion = UInt8(try reader.read(8, "configurationVersion"))
        guard configurationVersion == 1 else {
            throw .unsupportedVersion("HEVCDecoderConfigurationRecord version \(configurationVersion)")
        }
        generalProfileSpace = UInt8(try reader.read(2, "general_profile_space"))
        generalTierFlag = try reader.readFlag("general_tier_flag")
        generalProfileIDC = UInt8(try reader.read(5, "general_profile_idc"))
        generalProfileCompatibilityFlags = try reader.read(32, "general_profile_compatibility_flags")
        let constraintHigh = UInt64(try reader.read(16, "general_constraint_indicator_flags"))
        let constraintLow = UInt64(try reader.read(32, "general_constraint_indicator_flags"))
        generalConstraintIndicatorFlags = constraintHigh << 32 | constraintLow
        generalLevelIDC = UInt8(try reader.read(8, "general_level_idc"))
        try reader.skip(4, "reserved bits")
        minSpatialSegmentationIDC = UInt16(try reader.read(12, "min_spatial_segmentation_idc"))
        try reader.skip(6, "reserved bits")
        parallelismType = UInt8(try reader.read(2, "parallelismType"))
        try reader.skip(6, "reserved bits")
        chromaFormat = UInt8(try reader.read(2, "chromaFormat"))
        try reader.skip(5, "reserved bits")
        bitDepthLumaMinus8 = UInt8(try reader.read(3, "bitDepthLumaMinus8"))
        try reader.skip(5, "reserved bits")
        bitDepthChromaMinus8 = UInt8(try reader.read(3, "bitDepthChromaMinus8"))
        averageFrameRate = UInt16(try reader.read(16, "avgFrameRate"))
        constantFrameRate = UInt8(try reader.read(2, "constantFrameRate"))
        numTemporalLayers = UInt8(try reader.read(3, "numTemporalLayers"))
        temporalIDNested = try reader.readFlag("temporalIdNested")
        nalUnitLengthSize = Int(try reader.read(2, "lengthSizeMinusOne")) + 1

        // parameter set arrays
        let arrayCount = Int(try reader.read(8, "numOfArrays"))
        arrays = []
        for _ in 0..<arrayCount {
            let isComplete = try reader.readFlag("array_completeness")
            try reader.skip(1, "reserved bit")
            let type = UInt8(try reader.read(6, "NAL_unit_type"))
            let count = Int(try reader.read(16, "numNalus"))
            var units: [[UInt8]] = []
            for _ in 0..<count {
                let length = Int(try reader.read(16, "nalUnitLength"))
                units.append(try reader.readBytes(length, "NAL unit"))
            }
            arrays.append(NALUnitArray(isComplete: isComplete, nalUnitType: type, nalUnits: units))
        }
    }

    /// Encodes the record, with the reserved bits set as the specification requires.
    public func encoded() -> [UInt8] {
        var bytes: [UInt8] = [configurationVersion]
        bytes.append(generalProfileSpace << 6 | (generalTierFlag ? 0x20 : 0) | generalProfileIDC & 0x1F)
        bytes.append(contentsOf: (0..<4).map { UInt8(truncatingIfNeeded: generalProfileCompatibilityFlags >> (24 - 8 * $0)) })
        bytes.append(contentsOf: (0..<6).map { UInt8(truncatingIfNeeded: generalConstraintIndicatorFlags >> (40 - 8 * $0)) })
        bytes.append(generalLevelIDC)
        bytes.append(0xF0 | UInt8(truncatingIfNeeded: minSpatialSegmentationIDC >> 8) & 0x0F)
        bytes.append(UInt8(truncatingIfNeeded: minSpatialSegmentationIDC))
        bytes.append(0xFC | parallelismType & 0x03)
        bytes.append(0xFC | chromaFormat & 0x03)
        bytes.append(0xF8 | bitDepthLumaMinus8 & 0x07)
        bytes.append(0xF8 | bitDepthChromaMinus8 & 0x07)
        bytes.append(UInt8(truncatingIfNeeded: averageFrameRate >> 8))
        bytes.append(UInt8(truncatingIfNeeded: averageFrameRate))
        let layers = (constantFrameRate & 0x03) << 6 | (numTemporalLayers & 0x07) << 3
        bytes.append(layers | (temporalIDNested ? 0x04 : 0) | UInt8((nalUnitLengthSize - 1) & 0x03))
        bytes.append(UInt8(truncatingIfNeeded: arrays.count))
        for array in arrays {
            bytes.append((array.isComplete ? 0x80 : 0) | array.nalUnitType & 0x3F)
            bytes.append(UInt8(truncatingIfNeeded: array.nalUnits.count >> 8))
            bytes.append(UInt8(truncatingIfNeeded: array.nalUnits.count))
            for unit in array.nalUnits {
                bytes.append(UInt8(truncatingIfNeeded: unit.count >> 8))
                bytes.append(UInt8(truncatingIfNeeded: unit.count))
                bytes.append(contentsOf: unit)
            }
        }
        return bytes
    }

    /// Parses the first sequence parameter set of the record.
    /// - Throws: `CodecConfigurationError` when the record has none or it cannot be read.
    public func parseSequenceParameterSet() throws(CodecConfigurationError) -> HEVCSequenceParameterSet {
        let units = arrays.lazy.filter { $0.nalUnitType == Self.sequenceParameterSetType }.flatMap(\.nalUnits)
        guard let first = units.first else {
            throw .missingParameterSet("HEVCDecoderConfigurationRecord has no sequence parameter set")
        }
        return try HEVCSequenceParameterSet(nalUnit: first)
    }
}

/// The fields of an H.265 sequence parameter set (ITU-T H.265 section 7.3.2.2) up
/// to the picture size and bit depth.
///
/// NOTE: VUI timing is not read, because it comes after the short-term reference
/// picture sets, whose syntax is long. Frame rates come from timestamps instead.
public struct HEVCSequenceParameterSet: Hashable, Sendable {
    /// sps_max_sub_layers_minus1.
    public var maxSubLayersMinus1: UInt8
    /// general_profile_space.
    public var generalProfileSpace: UInt8
    /// general_tier_flag: false for the Main tier, true for the High tier.
    public var generalTierFlag: Bool
    /// general_profile_idc: 1 Main, 2 Main 10, 3 Main Still Picture, 4 Range Extensions, ...
    public var generalProfileIDC: UInt8
    /// general_profile_compatibility_flags, flag 0 in the most significant bit.
    public var generalProfileCompatibilityFlags: UInt32
    /// general_level_idc: thirty times the level number.
    public var generalLevelIDC: UInt8
    /// chroma_format_idc: 0 monochrome, 1 4:2:0, 2 4:2:2, 3 4:4:4.
    public var chromaFormatIDC: UInt32
    /// The width in luma samples inside the conformance window.
    public var width: Int
    /// The height in luma samples inside the conformance window.
    public var height: Int
    /// The luma bit depth, 8 to 16.
    public var bitDepthLuma: Int

    /// Parses a sequence parameter set NAL unit, starting with its two-byte NAL unit header.
    /// - Throws: `CodecConfigurationError` when the NAL unit is not an SPS or ends inside a field.
    public init<Bytes: Collection>(nalUnit: Bytes) throws(CodecConfigurationError) where Bytes.Element == UInt8 {
        var reader = BitReader(removingEmulationPrevention(nalUnit))
        try reader.skip(1, "forbidden_zero_bit")
        let nalUnitType = try reader.read(6, "nal_unit_type")
        guard nalUnitType == 33 else { throw .invalidValue("NAL unit type \(nalUnitType) is not an SPS (33)") }
        try reader.skip(9, "nuh_layer_id and nuh_temporal_id_plus1")
        try reader.skip(4, "sps_video_parameter_set_id")
        maxSubLayersMinus1 = UInt8(try reader.read(3, "sps_max_sub_layers_minus1"))
        try reader.skip(1, "sps_temporal_id_nesting_flag")

        // profile_tier_level(1, sps_max_sub_layers_minus1)
        generalProfileSpace = UInt8(try reader.read(2, "general_profile_space"))
        generalTierFlag = try reader.readFlag("general_tier_flag")
        generalProfileIDC = UInt8(try reader.read(5, "general_profile_idc"))
        generalProfileCompatibilityFlags = try reader.read(32, "general_profile_compatibility_flags")
        try reader.skip(48, "general source and constraint flags")
        generalLevelIDC = UInt8(try reader.read(8, "general_level_idc"))
        try Self.skipSubLayers(&reader, maxSubLayersMinus1: Int(maxSubLayersMinus1))

        // chroma format and picture size
        _ = try reader.readUnsignedExpGolomb("sps_seq_parameter_set_id")
        chromaFormatIDC = try reader.readUnsignedExpGolomb("chroma_format_idc")
        guard chromaFormatIDC <= 3 else { throw .invalidValue("chroma_format_idc \(chromaFormatIDC)") }
        var separateColourPlane = false
        if chromaFormatIDC == 3 { separateColourPlane = try reader.readFlag("separate_colour_plane_flag") }
        width = Int(try reader.readUnsignedExpGolomb("pic_width_in_luma_samples"))
        height = Int(try reader.readUnsignedExpGolomb("pic_height_in_luma_samples"))

        // the conformance window, in chroma sample units
        if try reader.readFlag("conformance_window_flag") {
            let left = Int(try reader.readUnsignedExpGolomb("conf_win_left_offset"))
            let right = Int(try reader.readUnsignedExpGolomb("conf_win_right_offset"))
            let top = Int(try reader.readUnsignedExpGolomb("conf_win_top_offset"))
            let bottom = Int(try reader.readUnsignedExpGolomb("conf_win_bottom_offset"))
            let chromaArrayType = separateColourPlane ? 0 : chromaFormatIDC
            let subWidth = chromaArrayType == 1 || chromaArrayType == 2 ? 2 : 1
            let subHeight = chromaArrayType == 1 ? 2 : 1
            width -= subWidth * (left + right)
            height -= subHeight * (top + bottom)
        }
        guard width > 0, height > 0 else { throw .invalidValue("picture of \(width)x\(height)") }

        let lumaMinus8 = try reader.readUnsignedExpGolomb("bit_depth_luma_minus8")
        guard lumaMinus8 <= 8 else { throw .invalidValue("bit_depth_luma_minus8 \(lumaMinus8)") }
        bitDepthLuma = Int(lumaMinus8) + 8
    }

    /// Skips the sub-layer part of profile_tier_level().
    private static func skipSubLayers(_ reader: inout BitReader, maxSubLayersMinus1: Int) throws(CodecConfigurationError) {
        var profilePresent: [Bool] = []
        var levelPresent: [Bool] = []
        for _ in 0..<maxSubLayersMinus1 {
            profilePresent.append(try reader.readFlag("sub_layer_profile_present_flag"))
            levelPresent.append(try reader.readFlag("sub_layer_level_present_flag"))
        }
        if maxSubLayersMinus1 > 0 {
            try reader.skip(2 * (8 - maxSubLayersMinus1), "reserved_zero_2bits")
        }
        for index in 0..<maxSubLayersMinus1 {
            if profilePresent[index] { try reader.skip(88, "sub-layer profile") }
            if levelPresent[index] { try reader.skip(8, "sub_layer_level_idc") }
        }
    }
}

/// Names of H.265 profiles and levels, shared by the record and the SPS.
enum HEVCNames {
    /// Returns the profile name for general_profile_idc, such as "Main 10".
    static func profile(_ idc: UInt8) -> String {
        switch idc {
        case 1: return "Main"
        case 2: return "Main 10"
        case 3: return "Main Still Picture"
        case 4: return "Range Extensions"
        case 5: return "High Throughput"
        case 9: return "Screen Content Coding"
        default: return "Profile \(idc)"
        }
    }

    /// Returns the level for general_level_idc, which is thirty times the level number, so 93 gives "3.1".
    static func level(_ idc: UInt8) -> String {
        "\(idc / 30).\(idc % 30 / 3)"
    }
}
