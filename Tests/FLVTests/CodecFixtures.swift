/// Real codec configuration records, copied byte for byte from FLV files that ffmpeg wrote.
///
/// The H.264 and AAC records come from Debian's ffmpeg 5.1 (libx264 164):
///
///     ffmpeg -f lavfi -i testsrc2=size=640x360:rate=30 -f lavfi -i sine=sample_rate=48000 \
///         -t 1 -c:v libx264 -c:a aac -f flv out.flv
///     ffmpeg -f lavfi -i testsrc2=size=1280x720:rate=30 -t 1 -c:v libx264 -profile:v main -f flv out.flv
///
/// The others come from ffmpeg n9.0.2 (the imageio-ffmpeg 0.8.1 build), which writes
/// Enhanced FLV, with the same test sources at 640x360 30 fps and:
///
///     -c:v libx265 -c:a aac                                       (HEVC)
///     -c:v libsvtav1 -preset 12 -c:a libopus                      (AV1, Opus mono)
///     -c:v libvpx-vp9 -deadline realtime -cpu-used 8 -c:a libopus -ac 2   (VP9, Opus stereo)
///     testsrc2=size=320x240:rate=25, sine=sample_rate=44100, -c:v libx264 -c:a flac   (FLAC)
///     a second video input at 320x180 mapped as a second track   (multitrack HEVC)
///     two sine inputs, the second at 44100 Hz, both -c:a aac      (multitrack AAC)
///
/// Each array contains the codec data after the FLV audio or video tag header.
enum CodecFixtures {
    // MARK: - H.264

    /// AVCDecoderConfigurationRecord, High profile level 3.0, 640x360 (coded as 640x368 with cropping).
    static let avcHigh640x360: [UInt8] = [
        0x01,  // configurationVersion 1
        0x64,  // AVCProfileIndication 100 (High)
        0x00,  // profile_compatibility
        0x1E,  // AVCLevelIndication 30
        0xFF,  // 111111 reserved, lengthSizeMinusOne 3
        0xE1,  // 111 reserved, numOfSequenceParameterSets 1
        0x00, 0x1A,  // sequenceParameterSetLength 26
        // SPS: NAL header 0x67, profile_idc 100, constraint flags 0, level_idc 30, then
        // ue/u fields: 40 macroblocks wide, 23 high, cropped by 4 at the bottom, VUI timing 1/60
        0x67, 0x64, 0x00, 0x1E, 0xAC, 0xD9, 0x40, 0xA0, 0x2F, 0xF9, 0x70, 0x11, 0x00,
        0x00, 0x03, 0x00, 0x01, 0x00, 0x00, 0x03, 0x00, 0x3C, 0x0F, 0x16, 0x2D, 0x96,
        0x01,  // numOfPictureParameterSets 1
        0x00, 0x06,  // pictureParameterSetLength 6
        0x68, 0xEB, 0xE3, 0xCB, 0x22, 0xC0,  // PPS NAL unit
        0xFD,  // 111111 reserved, chroma_format 1 (4:2:0)
        0xF8,  // 11111 reserved, bit_depth_luma_minus8 0
        0xF8,  // 11111 reserved, bit_depth_chroma_minus8 0
        0x00,  // numOfSequenceParameterSetExt 0
    ]

    /// AVCDecoderConfigurationRecord, Main profile level 3.1, 1280x720, no High profile fields.
    static let avcMain1280x720: [UInt8] = [
        0x01,  // configurationVersion 1
        0x4D,  // AVCProfileIndication 77 (Main)
        0x40,  // profile_compatibility: constraint_set1_flag
        0x1F,  // AVCLevelIndication 31
        0xFF,  // 111111 reserved, lengthSizeMinusOne 3
        0xE1,  // 111 reserved, numOfSequenceParameterSets 1
        0x00, 0x19,  // sequenceParameterSetLength 25
        // SPS: 80x45 macroblocks, no cropping, VUI timing 1/60
        0x67, 0x4D, 0x40, 0x1F, 0xEC, 0xA0, 0x28, 0x02, 0xDD, 0x80, 0x88, 0x00, 0x00,
        0x03, 0x00, 0x08, 0x00, 0x00, 0x03, 0x01, 0xE0, 0x78, 0xC1, 0x8C, 0xB0,
        0x01,  // numOfPictureParameterSets 1
        0x00, 0x05,  // pictureParameterSetLength 5
        0x68, 0xEB, 0xE3, 0xCB, 0x20,  // PPS NAL unit
    ]

    // MARK: - HEVC

    /// The 23 bytes before the parameter set arrays of the 640x360 HEVC record.
    static let hevcRecordHeader640x360: [UInt8] = [
        0x01,  // configurationVersion 1
        0x01,  // general_profile_space 0, general_tier_flag 0, general_profile_idc 1 (Main)
        0x60, 0x00, 0x00, 0x00,  // general_profile_compatibility_flags: Main and Main 10
        0x90, 0x00, 0x00, 0x00, 0x00, 0x00,  // constraint flags: progressive source, frame only
        0x3F,  // general_level_idc 63 (level 2.1)
        0xF0, 0x00,  // 1111 reserved, min_spatial_segmentation_idc 0
        0xFC,  // 111111 reserved, parallelismType 0
        0xFD,  // 111111 reserved, chromaFormat 1
        0xF8,  // 11111 reserved, bitDepthLumaMinus8 0
        0xF8,  // 11111 reserved, bitDepthChromaMinus8 0
        0x00, 0x00,  // avgFrameRate 0 (unspecified)
        0x0F,  // constantFrameRate 0, numTemporalLayers 1, temporalIdNested 1, lengthSizeMinusOne 3
        0x03,  // numOfArrays 3 (ffmpeg wrote 4; its SEI array is left out here)
    ]

    /// The VPS array of the HEVC records.
    static let hevcVPSArray: [UInt8] = [
        0x20,  // array_completeness 0, reserved 0, NAL_unit_type 32 (VPS)
        0x00, 0x01,  // numNalus 1
        0x00, 0x18,  // nalUnitLength 24
        0x40, 0x01, 0x0C, 0x01, 0xFF, 0xFF, 0x01, 0x60, 0x00, 0x00, 0x03, 0x00,
        0x90, 0x00, 0x00, 0x03, 0x00, 0x00, 0x03, 0x00, 0x3F, 0x95, 0x98, 0x09,
    ]

    /// The SPS array of the 640x360 record.
    static let hevcSPSArray640x360: [UInt8] = [
        0x21,  // array_completeness 0, reserved 0, NAL_unit_type 33 (SPS)
        0x00, 0x01,  // numNalus 1
        0x00, 0x2A,  // nalUnitLength 42
        // NAL header 42 01, then sps_max_sub_layers_minus1 0, profile_tier_level with level 63,
        // pic_width_in_luma_samples 640, pic_height_in_luma_samples 360, no conformance window
        0x42, 0x01, 0x01, 0x01, 0x60, 0x00, 0x00, 0x03, 0x00, 0x90, 0x00, 0x00, 0x03, 0x00,
        0x00, 0x03, 0x00, 0x3F, 0xA0, 0x05, 0x02, 0x01, 0x69, 0x65, 0x95, 0x9A, 0x49, 0x32,
        0xBC, 0x05, 0xA0, 0x20, 0x00, 0x00, 0x03, 0x00, 0x20, 0x00, 0x00, 0x03, 0x03, 0xC1,
    ]

    /// The PPS array of the HEVC records.
    static let hevcPPSArray: [UInt8] = [
        0x22,  // array_completeness 0, reserved 0, NAL_unit_type 34 (PPS)
        0x00, 0x01,  // numNalus 1
        0x00, 0x07,  // nalUnitLength 7
        0x44, 0x01, 0xC1, 0x72, 0xB4, 0x62, 0x40,
    ]

    /// HEVCDecoderConfigurationRecord, Main profile level 2.1, 640x360.
    static let hevcMain640x360 = hevcRecordHeader640x360 + hevcVPSArray + hevcSPSArray640x360 + hevcPPSArray

    /// HEVCDecoderConfigurationRecord of the second multitrack track: Main level 2.0,
    /// 320x180 (coded as 320x184 with a conformance window).
    static let hevcMain320x180: [UInt8] =
        [0x01, 0x01, 0x60, 0x00, 0x00, 0x00, 0x90, 0x00, 0x00, 0x00, 0x00, 0x00]  // as above
        + [0x3C]  // general_level_idc 60 (level 2.0)
        + [0xF0, 0x00, 0xFC, 0xFD, 0xF8, 0xF8, 0x00, 0x00, 0x0F]  // as above
        + [0x03]  // numOfArrays 3 (the SEI array is left out)
        + hevcVPSArray
        + [
            0x21,  // NAL_unit_type 33 (SPS)
            0x00, 0x01,  // numNalus 1
            0x00, 0x2B,  // nalUnitLength 43
            // level 60, pic_width_in_luma_samples 320, pic_height_in_luma_samples 184,
            // conformance window with conf_win_bottom_offset 2 (4 luma rows)
            0x42, 0x01, 0x01, 0x01, 0x60, 0x00, 0x00, 0x03, 0x00, 0x90, 0x00, 0x00, 0x03, 0x00,
            0x00, 0x03, 0x00, 0x3C, 0xA0, 0x0A, 0x08, 0x0B, 0x9F, 0x79, 0x65, 0x66, 0x92, 0x4C,
            0xAF, 0x01, 0x68, 0x08, 0x00, 0x00, 0x03, 0x00, 0x08, 0x00, 0x00, 0x03, 0x00, 0xF0,
            0x40,
        ]
        + hevcPPSArray

    // MARK: - AV1

    /// AV1CodecConfigurationRecord, Main profile level 2.1, 640x360.
    static let av1Main640x360: [UInt8] = [
        0x81,  // marker 1, version 1
        0x01,  // seq_profile 0, seq_level_idx_0 1
        0x0C,  // seq_tier_0 0, high_bitdepth 0, twelve_bit 0, monochrome 0,
               // chroma_subsampling_x 1, chroma_subsampling_y 1, chroma_sample_position 0
        0x00,  // reserved, initial_presentation_delay_present 0
        // configOBUs: one sequence header OBU
        0x0A,  // obu_type 1 (OBU_SEQUENCE_HEADER), obu_has_size_field 1
        0x0C,  // obu_size 12
        0x02,  // seq_profile 0, still 0, reduced 0, timing_info_present 0, initial_display_delay_present 1, ...
        0x00, 0x00,  // operating_points_cnt_minus_1 0, operating_point_idc 0
        0x0D,  // seq_level_idx 1, decoder model absent, initial display delay present
        0x26, 0x27,  // initial_display_delay_minus_1 4, frame_width_bits_minus_1 9, frame_height_bits_minus_1 8
        0xFB, 0x38,  // max_frame_width_minus_1 639, max_frame_height_minus_1 359
        0x05, 0xF0, 0x00, 0x80,  // the rest of the sequence header, not read
    ]

    // MARK: - VP9

    /// The vpcC box body of a VP9 Profile 0 stream, level 2.1.
    static let vp9Profile0: [UInt8] = [
        0x01,  // version 1
        0x00, 0x00, 0x00,  // flags 0
        0x00,  // profile 0
        0x15,  // level 21 (2.1)
        0x82,  // bitDepth 8, chromaSubsampling 1 (4:2:0 colocated), videoFullRangeFlag 0
        0x02,  // colourPrimaries 2 (unspecified)
        0x02,  // transferCharacteristics 2 (unspecified)
        0x02,  // matrixCoefficients 2 (unspecified)
        0x00, 0x00,  // codecInitializationDataSize 0
    ]

    /// The first 16 bytes of the first VP9 key frame (16,285 bytes in the file).
    static let vp9KeyFrameStart: [UInt8] = [
        0x82,  // frame_marker 2, profile 0, show_existing_frame 0, frame_type 0 (key), show_frame 1, error_resilient 0
        0x49, 0x83, 0x42,  // frame_sync_code
        0x00, 0x27, 0xF0,  // color_space 0, color_range 0, frame_width_minus_1 639 (16 bits from bit 4)
        0x16, 0x76,  // frame_height_minus_1 359, then the rest of the header
        0x06, 0x38, 0x24, 0x1C, 0x18, 0x4A, 0x10,
    ]

    // MARK: - Audio

    /// AudioSpecificConfig, AAC LC 48 kHz mono, with a sync extension that signals no SBR.
    static let aacLC48kHzMono: [UInt8] = [
        0x11, 0x88,  // audioObjectType 2 (LC), samplingFrequencyIndex 3 (48000), channelConfiguration 1,
                     // frameLengthFlag 0, dependsOnCoreCoder 0, extensionFlag 0
        0x56, 0xE5,  // syncExtensionType 0x2B7, extensionAudioObjectType 5 (SBR)
        0x00,  // sbrPresentFlag 0, padding
    ]

    /// AudioSpecificConfig, AAC LC 44.1 kHz stereo (the second audio track).
    static let aacLC44kHzStereo: [UInt8] = [
        0x12, 0x10,  // audioObjectType 2, samplingFrequencyIndex 4 (44100), channelConfiguration 2
        0x56, 0xE5, 0x00,  // sync extension: SBR absent
    ]

    /// OpusHead, stereo.
    static let opusStereo: [UInt8] = [
        0x4F, 0x70, 0x75, 0x73, 0x48, 0x65, 0x61, 0x64,  // "OpusHead"
        0x01,  // version 1
        0x02,  // channel count 2
        0x38, 0x01,  // pre-skip 312 (little-endian)
        0x80, 0xBB, 0x00, 0x00,  // input sample rate 48000 (little-endian)
        0x00, 0x00,  // output gain 0
        0x00,  // channel mapping family 0
    ]

    /// FLAC STREAMINFO, 44.1 kHz mono 16-bit, as ffmpeg writes it before the frame sizes are counted.
    static let flac44kHzMono: [UInt8] = [
        0x04, 0x00,  // minimum block size 1024
        0x04, 0x00,  // maximum block size 1024
        0x00, 0x00, 0x00,  // minimum frame size 0 (unknown)
        0x00, 0x08, 0x15,  // maximum frame size 2069
        0x0A, 0xC4, 0x40,  // sample rate 44100 (20 bits), channels - 1 = 0 (3 bits), bits per sample - 1 ...
        0xF0,  // ... = 15 (5 bits across the byte boundary), total samples high bits 0
        0x00, 0x00, 0x00, 0x00,  // total samples 0 (unknown)
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // MD5 signature, all zero
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    ]
}
