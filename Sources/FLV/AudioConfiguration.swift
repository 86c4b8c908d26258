/// The AudioSpecificConfig of ISO/IEC 14496-3 section 1.6.2.1, the body of an AAC
/// sequence header (legacy AAC packet type 0, or an `mp4a` SequenceStart).
///
///     audioObjectType UB[5] (31: 32 + UB[6])   samplingFrequencyIndex UB[4] (15: UB[24] follows)
///     channelConfiguration UB[4]
///     for SBR (5) and PS (29): extensionSamplingFrequencyIndex UB[4], then the core audioObjectType
///     GASpecificConfig, then optionally the 0x2B7 sync extension that signals SBR and PS
///
/// Parsing stops at a program_config_element (channelConfiguration 0), so the
/// sync extension after one is not read.
public struct AudioSpecificConfig: Hashable, Sendable {
    /// The sampling frequencies that samplingFrequencyIndex 0 to 12 select, in Hz.
    public static let samplingFrequencies = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350]

    /// The audio object type of the core coder: 2 for AAC LC, also under HE-AAC.
    public var audioObjectType: UInt8
    /// The sampling frequency of the core coder in Hz, or `nil` for a reserved index.
    public var samplingFrequency: Int?
    /// channelConfiguration: 1 to 7 and 11 to 14 name a layout, 0 defers to a program config element.
    public var channelConfiguration: UInt8
    /// The extension object type: 5 when SBR is present, 29 when PS is too; `nil` without one.
    public var extensionAudioObjectType: UInt8?
    /// The SBR output sampling frequency in Hz, when SBR is present.
    public var extensionSamplingFrequency: Int?

    /// Parses a configuration.
    /// - Throws: `CodecConfigurationError` when it ends inside a field.
    public init<Bytes: Collection>(bytes: Bytes) throws(CodecConfigurationError) where Bytes.Element == UInt8 {
        var reader = BitReader(Array(bytes))
        audioObjectType = try Self.readObjectType(&reader)
        samplingFrequency = try Self.readSamplingFrequency(&reader)
        channelConfiguration = UInt8(try reader.read(4, "channelConfiguration"))

        // explicit hierarchical signalling of SBR and PS
        if audioObjectType == 5 || audioObjectType == 29 {
            extensionAudioObjectType = audioObjectType
            extensionSamplingFrequency = try Self.readSamplingFrequency(&reader)
            audioObjectType = try Self.readObjectType(&reader)
        }

        // GASpecificConfig, then the backward-compatible sync extension
        guard Self.generalAudioObjectTypes.contains(audioObjectType), channelConfiguration != 0 else { return }
        try skipGASpecificConfig(&reader)
        guard extensionAudioObjectType == nil, reader.remainingBits >= 16 else { return }
        // The extension is optional, so one cut short leaves the values of the core configuration.
        var extended = self
        if (try? extended.readSyncExtension(&reader)) != nil { self = extended }
    }

    /// The profile name: "LC", "HE-AAC", "HE-AACv2", ... or the object type number.
    public var profileName: String {
        switch extensionAudioObjectType {
        case 29: return "HE-AACv2"
        case 5: return "HE-AAC"
        default: break
        }
        switch audioObjectType {
        case 1: return "Main"
        case 2: return "LC"
        case 3: return "SSR"
        case 4: return "LTP"
        case 23: return "LD"
        case 39: return "ELD"
        case 42: return "xHE-AAC"
        default: return "Object type \(audioObjectType)"
        }
    }

    /// The output sample rate: the SBR rate when SBR is present, else the core rate.
    public var outputSampleRate: Int? { extensionSamplingFrequency ?? samplingFrequency }

    /// The number of output channels, or `nil` when a program config element sets them.
    /// Parametric stereo turns one coded channel into two.
    public var channelCount: Int? {
        let counts: [UInt8: Int] = [1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 6: 6, 7: 8, 11: 7, 12: 8, 13: 24, 14: 8]
        guard let count = counts[channelConfiguration] else { return nil }
        return extensionAudioObjectType == 29 && count == 1 ? 2 : count
    }

    // MARK: - Parsing steps

    /// The object types whose configuration is a GASpecificConfig.
    private static let generalAudioObjectTypes: Set<UInt8> = [1, 2, 3, 4, 6, 7, 17, 19, 20, 21, 22, 23]

    private static func readObjectType(_ reader: inout BitReader) throws(CodecConfigurationError) -> UInt8 {
        let type = UInt8(try reader.read(5, "audioObjectType"))
        guard type == 31 else { return type }
        return 32 + UInt8(try reader.read(6, "audioObjectTypeExt"))
    }

    private static func readSamplingFrequency(_ reader: inout BitReader) throws(CodecConfigurationError) -> Int? {
        let index = Int(try reader.read(4, "samplingFrequencyIndex"))
        if index == 15 { return Int(try reader.read(24, "samplingFrequency")) }
        return index < samplingFrequencies.count ? samplingFrequencies[index] : nil
    }

    private func skipGASpecificConfig(_ reader: inout BitReader) throws(CodecConfigurationError) {
        try reader.skip(1, "frameLengthFlag")
        if try reader.readFlag("dependsOnCoreCoder") { try reader.skip(14, "coreCoderDelay") }
        let extensionFlag = try reader.readFlag("extensionFlag")
        if audioObjectType == 6 || audioObjectType == 20 { try reader.skip(3, "layerNr") }
        guard extensionFlag else { return }
        if audioObjectType == 22 { try reader.skip(16, "numOfSubFrame and layer_length") }
        if [17, 19, 20, 23].contains(audioObjectType) { try reader.skip(3, "resilience flags") }
        try reader.skip(1, "extensionFlag3")
    }

    /// Reads the 0x2B7 sync extension, by which an encoder signals SBR and PS
    /// while staying decodable as plain AAC.
    private mutating func readSyncExtension(_ reader: inout BitReader) throws(CodecConfigurationError) {
        guard try reader.read(11, "syncExtensionType") == 0x2B7 else { return }
        let type = try Self.readObjectType(&reader)
        guard type == 5, try reader.readFlag("sbrPresentFlag") else { return }
        extensionAudioObjectType = 5
        extensionSamplingFrequency = try Self.readSamplingFrequency(&reader)
        guard reader.remainingBits >= 12, try reader.read(11, "syncExtensionType") == 0x548 else { return }
        if try reader.readFlag("psPresentFlag") { extensionAudioObjectType = 29 }
    }
}

/// The Opus identification header of RFC 7845 section 5.1, the body of an `Opus` SequenceStart.
///
///     "OpusHead"   version UI8 (1)   channel count UI8   pre-skip UI16 LE
///     input sample rate UI32 LE   output gain SI16 LE (Q7.8 dB)   mapping family UI8
///     for families other than 0: stream count UI8, coupled count UI8, one mapping byte per channel
public struct OpusHead: Hashable, Sendable {
    /// The eight-byte magic signature "OpusHead".
    public static let magic: [UInt8] = Array("OpusHead".utf8)

    /// The version; the upper 4 bits are the major version, 0 for every version this parser reads.
    public var version: UInt8
    /// The output channel count, 1 to 255.
    public var channelCount: UInt8
    /// The samples at 48 kHz to drop from the start of the decoded output.
    public var preSkip: UInt16
    /// The sample rate of the encoder's input in Hz; 0 when unknown. Opus itself always decodes at 48 kHz.
    public var inputSampleRate: UInt32
    /// The output gain in Q7.8 dB.
    public var outputGain: Int16
    /// The channel mapping family: 0 mono or stereo, 1 Vorbis order, 255 unordered.
    public var channelMappingFamily: UInt8
    /// The stream count, coupled stream count and channel mapping, for families other than 0.
    public var channelMappingTable: [UInt8]

    /// Parses an identification header.
    /// - Throws: `CodecConfigurationError` when the magic is wrong, the major version is not 0,
    ///   the channel count is 0, or the header ends inside a field.
    public init<Bytes: Collection>(bytes: Bytes) throws(CodecConfigurationError) where Bytes.Element == UInt8 {
        let bytes = Array(bytes)
        guard bytes.count >= 19 else { throw .truncated("OpusHead, which needs 19 bytes, got \(bytes.count)") }
        guard Array(bytes[0..<8]) == Self.magic else { throw .invalidValue("Opus header without the OpusHead magic") }
        version = bytes[8]
        guard version >> 4 == 0 else { throw .unsupportedVersion("OpusHead version \(version)") }
        channelCount = bytes[9]
        guard channelCount > 0 else { throw .invalidValue("OpusHead with 0 channels") }
        preSkip = UInt16(bytes[10]) | UInt16(bytes[11]) << 8
        inputSampleRate = (12..<16).reduce(0) { $0 | UInt32(bytes[$1]) << (8 * UInt32($1 - 12)) }
        outputGain = Int16(bitPattern: UInt16(bytes[16]) | UInt16(bytes[17]) << 8)
        channelMappingFamily = bytes[18]
        channelMappingTable = []
        guard channelMappingFamily != 0 else { return }
        let tableSize = 2 + Int(channelCount)
        guard bytes.count >= 19 + tableSize else { throw .truncated("OpusHead channel mapping table") }
        channelMappingTable = Array(bytes[19..<19 + tableSize])
    }

    /// Encodes the identification header.
    public func encoded() -> [UInt8] {
        var bytes = Self.magic
        bytes.append(contentsOf: [version, channelCount, UInt8(truncatingIfNeeded: preSkip), UInt8(truncatingIfNeeded: preSkip >> 8)])
        bytes.append(contentsOf: (0..<4).map { UInt8(truncatingIfNeeded: inputSampleRate >> (8 * UInt32($0))) })
        let gain = UInt16(bitPattern: outputGain)
        bytes.append(contentsOf: [UInt8(truncatingIfNeeded: gain), UInt8(truncatingIfNeeded: gain >> 8), channelMappingFamily])
        bytes.append(contentsOf: channelMappingTable)
        return bytes
    }
}

/// The FLAC METADATA_BLOCK_STREAMINFO, the body of a `fLaC` SequenceStart.
///
///     minimum block size UI16   maximum block size UI16   minimum frame size UI24   maximum frame size UI24
///     sample rate UB[20]   channels - 1 UB[3]   bits per sample - 1 UB[5]   total samples UB[36]   MD5 (16 bytes)
///
/// Writers put the 34-byte block alone or after the "fLaC" marker and a block header,
/// and both are read.
public struct FLACStreamInfo: Hashable, Sendable {
    /// The size of the block body.
    public static let size = 34

    /// The minimum block size in samples.
    public var minimumBlockSize: UInt16
    /// The maximum block size in samples.
    public var maximumBlockSize: UInt16
    /// The sample rate in Hz.
    public var sampleRate: Int
    /// The channel count, 1 to 8.
    public var channelCount: Int
    /// The bits per sample, 4 to 32.
    public var bitsPerSample: Int
    /// The total number of samples per channel; 0 when unknown, as in a live stream.
    public var totalSamples: UInt64

    /// Parses a STREAMINFO block body, optionally after "fLaC" and a metadata block header.
    /// - Throws: `CodecConfigurationError` when the block ends inside a field or its sample rate is 0.
    public init<Bytes: Collection>(bytes: Bytes) throws(CodecConfigurationError) where Bytes.Element == UInt8 {
        var body = Array(bytes)
        if body.starts(with: Array("fLaC".utf8)) { body.removeFirst(4) }
        // A metadata block header of type 0 (STREAMINFO) and length 34 may come first.
        if body.count >= 4 + Self.size, body[0] & 0x7F == 0, body[1...3].elementsEqual([0, 0, UInt8(Self.size)]) {
            body.removeFirst(4)
        }
        var reader = BitReader(body)
        minimumBlockSize = UInt16(try reader.read(16, "minimum block size"))
        maximumBlockSize = UInt16(try reader.read(16, "maximum block size"))
        try reader.skip(48, "frame sizes")
        sampleRate = Int(try reader.read(20, "sample rate"))
        guard sampleRate > 0 else { throw .invalidValue("FLAC STREAMINFO with a sample rate of 0") }
        channelCount = Int(try reader.read(3, "channels")) + 1
        bitsPerSample = Int(try reader.read(5, "bits per sample")) + 1
        totalSamples = UInt64(try reader.read(4, "total samples")) << 32 | UInt64(try reader.read(32, "total samples"))
        try reader.skip(128, "MD5 signature")
    }
}
