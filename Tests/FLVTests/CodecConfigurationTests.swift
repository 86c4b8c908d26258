import Testing

@testable import FLV

/// Feeds every proper prefix of `bytes` to `parse`, which must throw or return, never trap.
/// - Returns: the number of prefixes that parsed.
private func countParsedPrefixes(_ bytes: [UInt8], _ parse: ([UInt8]) throws -> Void) -> Int {
    var parsed = 0
    for length in 0..<bytes.count {
        if (try? parse(Array(bytes.prefix(length)))) != nil { parsed += 1 }
    }
    return parsed
}

@Suite struct AVCConfigurationTests {
    @Test func avcHighRecordFields() throws {
        let record = try AVCDecoderConfigurationRecord(bytes: CodecFixtures.avcHigh640x360)
        #expect(record.profileIndication == 100)
        #expect(record.levelIndication == 30)
        #expect(record.nalUnitLengthSize == 4)
        #expect(record.sequenceParameterSets.map(\.count) == [26])
        #expect(record.pictureParameterSets.map(\.count) == [6])
        #expect(record.chromaFormat == 1)
        #expect(record.bitDepthLumaMinus8 == 0)
        #expect(record.sequenceParameterSetExtensions.isEmpty)
        #expect(record.encoded() == CodecFixtures.avcHigh640x360)
    }

    @Test func avcHighSPSCroppedSize() throws {
        let sps = try AVCDecoderConfigurationRecord(bytes: CodecFixtures.avcHigh640x360).parseSequenceParameterSet()
        #expect(sps.profileName == "High")
        #expect(sps.levelName == "3.0")
        #expect(sps.chromaFormatIDC == 1)
        #expect(sps.bitDepthLuma == 8)
        #expect(sps.width == 640)
        #expect(sps.height == 360)  // 368 coded rows, cropped by 4 × 2
        #expect(sps.numUnitsInTick == 1)
        #expect(sps.timeScale == 60)
        #expect(sps.frameRate == 30)
    }

    @Test func avcMainRecordWithoutHighFields() throws {
        let record = try AVCDecoderConfigurationRecord(bytes: CodecFixtures.avcMain1280x720)
        #expect(record.chromaFormat == nil)
        #expect(record.encoded() == CodecFixtures.avcMain1280x720)
        let sps = try record.parseSequenceParameterSet()
        #expect(sps.profileName == "Main")
        #expect(sps.levelName == "3.1")
        #expect(sps.width == 1280)
        #expect(sps.height == 720)
        #expect(sps.frameRate == 30)
    }

    @Test func avcTrailingBytesIgnored() throws {
        let record = try AVCDecoderConfigurationRecord(bytes: CodecFixtures.avcHigh640x360 + [0xDE, 0xAD])
        #expect(record.encoded() == CodecFixtures.avcHigh640x360)
        #expect(try record.parseSequenceParameterSet().width == 640)
    }

    @Test func avcPrefixesThrowWithoutTrapping() {
        let parsed = countParsedPrefixes(CodecFixtures.avcHigh640x360) { bytes in
            _ = try AVCDecoderConfigurationRecord(bytes: bytes).parseSequenceParameterSet()
        }
        // The four High profile bytes are optional, so the prefixes that end among them parse.
        #expect(parsed == 4)
        #expect(throws: CodecConfigurationError.truncated("")) {
            try AVCDecoderConfigurationRecord(bytes: CodecFixtures.avcHigh640x360.prefix(10))
        }
    }

    @Test func avcWrongVersionRejected() {
        var bytes = CodecFixtures.avcHigh640x360
        bytes[0] = 2
        #expect(throws: CodecConfigurationError.unsupportedVersion("")) {
            try AVCDecoderConfigurationRecord(bytes: bytes)
        }
    }

    @Test func spsPrefixesThrowWithoutTrapping() throws {
        let nalUnit = try AVCDecoderConfigurationRecord(bytes: CodecFixtures.avcHigh640x360).sequenceParameterSets[0]
        // Parsing stops after the VUI timing information, so prefixes that reach it parse
        // to the same values; every shorter prefix throws.
        var parsed: [H264SequenceParameterSet] = []
        for length in 0..<nalUnit.count {
            if let sps = try? H264SequenceParameterSet(nalUnit: nalUnit.prefix(length)) { parsed.append(sps) }
        }
        #expect(parsed.isEmpty == false)
        #expect(parsed.count < 4)
        #expect(parsed.allSatisfy { $0.width == 640 })
        #expect(parsed.allSatisfy { $0.height == 360 })
        #expect(parsed.allSatisfy { $0.frameRate == 30 })
    }

    @Test func expGolombLongerThan32BitsRejected() {
        // NAL header 0x67, profile 66, flags 0, level 30, then only zero bits for seq_parameter_set_id
        let bytes: [UInt8] = [0x67, 0x42, 0x00, 0x1E] + [UInt8](repeating: 0, count: 8) + [0x80]
        #expect(throws: CodecConfigurationError.invalidValue("")) {
            try H264SequenceParameterSet(nalUnit: bytes)
        }
    }

    @Test func emulationPreventionBytesRemoved() {
        #expect(removingEmulationPrevention([0x00, 0x00, 0x03, 0x01, 0x00, 0x00, 0x03, 0x00, 0x03]) == [0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x03])
    }
}

@Suite struct HEVCConfigurationTests {
    @Test func hevcRecordFields() throws {
        let record = try HEVCDecoderConfigurationRecord(bytes: CodecFixtures.hevcMain640x360)
        #expect(record.generalProfileIDC == 1)
        #expect(record.generalTierFlag == false)
        #expect(record.generalProfileCompatibilityFlags == 0x6000_0000)
        #expect(record.generalConstraintIndicatorFlags == 0x9000_0000_0000)
        #expect(record.generalLevelIDC == 63)
        #expect(record.chromaFormat == 1)
        #expect(record.numTemporalLayers == 1)
        #expect(record.temporalIDNested)
        #expect(record.nalUnitLengthSize == 4)
        #expect(record.arrays.map(\.nalUnitType) == [32, 33, 34])
        #expect(record.arrays.map { $0.nalUnits.map(\.count) } == [[24], [42], [7]])
        #expect(record.encoded() == CodecFixtures.hevcMain640x360)
    }

    @Test func hevcSPSSize() throws {
        let sps = try HEVCDecoderConfigurationRecord(bytes: CodecFixtures.hevcMain640x360).parseSequenceParameterSet()
        #expect(sps.generalProfileIDC == 1)
        #expect(sps.generalLevelIDC == 63)
        #expect(sps.chromaFormatIDC == 1)
        #expect(sps.width == 640)
        #expect(sps.height == 360)
        #expect(sps.bitDepthLuma == 8)
        #expect(HEVCNames.profile(sps.generalProfileIDC) == "Main")
        #expect(HEVCNames.level(sps.generalLevelIDC) == "2.1")
    }

    @Test func hevcConformanceWindowApplied() throws {
        let record = try HEVCDecoderConfigurationRecord(bytes: CodecFixtures.hevcMain320x180)
        #expect(record.encoded() == CodecFixtures.hevcMain320x180)
        let sps = try record.parseSequenceParameterSet()
        #expect(sps.width == 320)
        #expect(sps.height == 180)
        #expect(HEVCNames.level(sps.generalLevelIDC) == "2.0")
    }

    @Test func hevcTrailingBytesIgnored() throws {
        let record = try HEVCDecoderConfigurationRecord(bytes: CodecFixtures.hevcMain640x360 + [0xDE, 0xAD])
        #expect(record.encoded() == CodecFixtures.hevcMain640x360)
    }

    @Test func hevcPrefixesThrowWithoutTrapping() {
        let parsed = countParsedPrefixes(CodecFixtures.hevcMain640x360) { bytes in
            _ = try HEVCDecoderConfigurationRecord(bytes: bytes).parseSequenceParameterSet()
        }
        #expect(parsed == 0)
    }

    @Test func hevcRecordWithoutSPSReportsMissing() throws {
        var bytes = CodecFixtures.hevcRecordHeader640x360
        bytes[22] = 2  // numOfArrays: VPS and PPS only
        let record = try HEVCDecoderConfigurationRecord(bytes: bytes + CodecFixtures.hevcVPSArray + CodecFixtures.hevcPPSArray)
        #expect(throws: CodecConfigurationError.missingParameterSet("")) {
            try record.parseSequenceParameterSet()
        }
    }
}

@Suite struct AV1AndVP9ConfigurationTests {
    @Test func av1RecordAndSequenceHeader() throws {
        let record = try AV1CodecConfigurationRecord(bytes: CodecFixtures.av1Main640x360)
        #expect(record.seqProfile == 0)
        #expect(record.seqLevelIdx0 == 1)
        #expect(record.bitDepth == 8)
        #expect(record.monochrome == false)
        #expect(record.configOBUs.count == 14)
        let header = try record.parseSequenceHeader()
        #expect(header.seqProfile == 0)
        #expect(header.seqLevelIdx0 == 1)
        #expect(header.maxFrameWidth == 640)
        #expect(header.maxFrameHeight == 360)
        #expect(header.frameRate == nil)
        #expect(AV1Names.profile(header.seqProfile) == "Main")
        #expect(AV1Names.level(header.seqLevelIdx0) == "2.1")
        #expect(AV1Names.level(31) == "Max")
    }

    @Test func av1PrefixesThrowWithoutTrapping() {
        let parsed = countParsedPrefixes(CodecFixtures.av1Main640x360) { bytes in
            _ = try AV1CodecConfigurationRecord(bytes: bytes).parseSequenceHeader()
        }
        #expect(parsed == 0)
    }

    @Test func av1TrailingOBUSkipped() throws {
        // a padding OBU (type 15) with obu_has_size_field and 2 bytes of payload
        let record = try AV1CodecConfigurationRecord(bytes: CodecFixtures.av1Main640x360 + [0x7A, 0x02, 0x00, 0x00])
        #expect(try record.parseSequenceHeader().maxFrameWidth == 640)
    }

    @Test func av1OBUSizeBeyondDataRejected() throws {
        var bytes = CodecFixtures.av1Main640x360
        bytes[5] = 0x7F  // obu_size 127, beyond the 12 bytes present
        #expect(throws: CodecConfigurationError.truncated("")) {
            try AV1CodecConfigurationRecord(bytes: bytes).parseSequenceHeader()
        }
    }

    @Test func vpcCFields() throws {
        let record = try VPCodecConfigurationRecord(bytes: CodecFixtures.vp9Profile0)
        #expect(record.profile == 0)
        #expect(record.level == 21)
        #expect(record.levelName == "2.1")
        #expect(record.bitDepth == 8)
        #expect(record.chromaSubsampling == 1)
        #expect(record.videoFullRangeFlag == false)
        #expect(record.colourPrimaries == 2)
        #expect(record.codecInitializationData.isEmpty)
        #expect(record.encoded() == CodecFixtures.vp9Profile0)
        #expect(try VPCodecConfigurationRecord(bytes: CodecFixtures.vp9Profile0 + [0xDE]).encoded() == CodecFixtures.vp9Profile0)
        #expect(countParsedPrefixes(CodecFixtures.vp9Profile0) { _ = try VPCodecConfigurationRecord(bytes: $0) } == 0)
    }

    @Test func vp9KeyFrameSize() throws {
        let header = try #require(try VP9KeyFrameHeader(frame: CodecFixtures.vp9KeyFrameStart))
        #expect(header.profile == 0)
        #expect(header.bitDepth == 8)
        #expect(header.width == 640)
        #expect(header.height == 360)
        // the header needs 9 bytes: marker byte, sync code, 36 bits of color config and size
        #expect(countParsedPrefixes(CodecFixtures.vp9KeyFrameStart) { _ = try VP9KeyFrameHeader(frame: $0) } == 16 - 9)
    }

    @Test func vp9InterFrameHasNoHeader() throws {
        // frame_marker 2, profile 0, show_existing_frame 0, frame_type 1 (non-key), show_frame 1
        #expect(try VP9KeyFrameHeader(frame: [0x86, 0x00, 0x00]) == nil)
        #expect(throws: CodecConfigurationError.invalidValue("")) {
            try VP9KeyFrameHeader(frame: [0x02, 0x49, 0x83, 0x42])  // frame_marker 0
        }
    }

    @Test func vp8KeyFrameSize() throws {
        // frame tag (key frame, version 0, shown, first partition 0), start code, 640 and 360 little-endian
        let frame: [UInt8] = [0x10, 0x00, 0x00, 0x9D, 0x01, 0x2A, 0x80, 0x02, 0x68, 0x01]
        let header = try #require(try VP8KeyFrameHeader(frame: frame))
        #expect(header.width == 640)
        #expect(header.height == 360)
        #expect(try VP8KeyFrameHeader(frame: [0x11, 0x00, 0x00]) == nil)  // inter frame
    }
}

@Suite struct AudioConfigurationTests {
    @Test func aacLCWithSyncExtension() throws {
        let config = try AudioSpecificConfig(bytes: CodecFixtures.aacLC48kHzMono)
        #expect(config.audioObjectType == 2)
        #expect(config.samplingFrequency == 48000)
        #expect(config.channelConfiguration == 1)
        #expect(config.extensionAudioObjectType == nil)  // the sync extension signals no SBR
        #expect(config.profileName == "LC")
        #expect(config.outputSampleRate == 48000)
        #expect(config.channelCount == 1)
        #expect(try AudioSpecificConfig(bytes: CodecFixtures.aacLC44kHzStereo).channelCount == 2)
    }

    @Test func aacHEWithExplicitSBR() throws {
        // hand-made: audioObjectType 5 (SBR), samplingFrequencyIndex 6 (24000), channelConfiguration 2,
        // extensionSamplingFrequencyIndex 3 (48000), audioObjectType 2 (LC), GASpecificConfig 000
        let bytes: [UInt8] = [0x2B, 0x11, 0x88, 0x00]
        let config = try AudioSpecificConfig(bytes: bytes)
        #expect(config.profileName == "HE-AAC")
        #expect(config.audioObjectType == 2)
        #expect(config.samplingFrequency == 24000)
        #expect(config.outputSampleRate == 48000)
        #expect(config.channelCount == 2)
    }

    @Test func aacHEv2WithSignalledPS() throws {
        // hand-made: LC 24 kHz mono, then sync extension 0x2B7, SBR present at 48 kHz, 0x548, PS present
        let bytes: [UInt8] = [0x13, 0x08, 0x56, 0xE5, 0x9D, 0x48, 0x80]
        let config = try AudioSpecificConfig(bytes: bytes)
        #expect(config.profileName == "HE-AACv2")
        #expect(config.outputSampleRate == 48000)
        #expect(config.channelCount == 2)
    }

    @Test func aacEscapedSampleRate() throws {
        // hand-made: audioObjectType 2, samplingFrequencyIndex 15, samplingFrequency 50000, channelConfiguration 2
        let bytes: [UInt8] = [0x17, 0x80, 0x61, 0xA8, 0x10]
        let config = try AudioSpecificConfig(bytes: bytes)
        #expect(config.samplingFrequency == 50000)
        #expect(config.channelCount == 2)
    }

    @Test func aacPrefixesThrowWithoutTrapping() {
        // The sync extension is optional, so the first 2 bytes alone parse too.
        #expect(countParsedPrefixes(CodecFixtures.aacLC48kHzMono) { _ = try AudioSpecificConfig(bytes: $0) } == 3)
    }

    @Test func opusHeadFields() throws {
        let head = try OpusHead(bytes: CodecFixtures.opusStereo)
        #expect(head.version == 1)
        #expect(head.channelCount == 2)
        #expect(head.preSkip == 312)
        #expect(head.inputSampleRate == 48000)
        #expect(head.outputGain == 0)
        #expect(head.channelMappingFamily == 0)
        #expect(head.encoded() == CodecFixtures.opusStereo)
        #expect(try OpusHead(bytes: CodecFixtures.opusStereo + [0xDE]).encoded() == CodecFixtures.opusStereo)
        #expect(countParsedPrefixes(CodecFixtures.opusStereo) { _ = try OpusHead(bytes: $0) } == 0)
    }

    @Test func opusHeadMappingFamilyOne() throws {
        // hand-made: 6 channels, family 1, 4 streams, 2 coupled, Vorbis channel order
        let bytes = Array("OpusHead".utf8) + [0x01, 0x06, 0x00, 0x00, 0x80, 0xBB, 0x00, 0x00, 0x00, 0x00, 0x01]
            + [0x04, 0x02, 0x00, 0x04, 0x01, 0x02, 0x03, 0x05]
        let head = try OpusHead(bytes: bytes)
        #expect(head.channelMappingTable.count == 8)
        #expect(head.encoded() == bytes)
        #expect(throws: CodecConfigurationError.truncated("")) { try OpusHead(bytes: bytes.dropLast()) }
    }

    @Test func opusHeadWrongMagicRejected() {
        var bytes = CodecFixtures.opusStereo
        bytes[4] = 0x54  // "OpusTead"
        #expect(throws: CodecConfigurationError.invalidValue("")) { try OpusHead(bytes: bytes) }
    }

    @Test func flacStreamInfoFields() throws {
        let info = try FLACStreamInfo(bytes: CodecFixtures.flac44kHzMono)
        #expect(info.minimumBlockSize == 1024)
        #expect(info.maximumBlockSize == 1024)
        #expect(info.sampleRate == 44100)
        #expect(info.channelCount == 1)
        #expect(info.bitsPerSample == 16)
        #expect(info.totalSamples == 0)
        #expect(countParsedPrefixes(CodecFixtures.flac44kHzMono) { _ = try FLACStreamInfo(bytes: $0) } == 0)
    }

    @Test func flacStreamInfoAfterMarkerAndBlockHeader() throws {
        // "fLaC", then a last-block header of type 0 (STREAMINFO) and length 34
        let bytes = Array("fLaC".utf8) + [0x80, 0x00, 0x00, 0x22] + CodecFixtures.flac44kHzMono
        #expect(try FLACStreamInfo(bytes: bytes).sampleRate == 44100)
    }
}
