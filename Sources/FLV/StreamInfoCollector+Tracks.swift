/// The state of one video track inside a `StreamInfoCollector`.
struct VideoTrackState: Sendable {
    let codec: VideoCodec
    private(set) var hasConfiguration: Bool
    private(set) var hasKeyframe = false
    private(set) var rate = RateMeter()
    private var info: VideoTrackInfo
    /// The frame rate from the codec's own timing information, used until two frames arrive.
    private var configuredFrameRate: Double?

    init(trackID: UInt8, codec: VideoCodec) {
        self.codec = codec
        info = VideoTrackInfo(trackID: trackID, codec: CodecNames.video(codec), fourCC: CodecNames.fourCC(codec))
        hasConfiguration = CodecNames.needsSequenceHeader(codec) == false
    }

    /// The description with the rates measured so far.
    var currentInfo: VideoTrackInfo {
        var current = info
        current.frameRate = rate.frameRate ?? configuredFrameRate
        current.bitrate = rate.bitrate
        return current
    }

    /// Replaces the fields of the previous sequence header with those of this one.
    mutating func applySequenceHeader(_ data: UnsafeRawBufferPointer) {
        hasConfiguration = true
        info.profile = nil
        info.level = nil
        info.width = nil
        info.height = nil
        configuredFrameRate = nil

        switch codec {
        case .legacy(.avc), .fourCC(.avc1):
            guard let sps = try? AVCDecoderConfigurationRecord(bytes: data).parseSequenceParameterSet() else { return }
            info.profile = sps.profileName
            info.level = sps.levelName
            info.width = sps.width
            info.height = sps.height
            configuredFrameRate = sps.frameRate
        case .legacy(.hevc), .fourCC(.hvc1):
            guard let record = try? HEVCDecoderConfigurationRecord(bytes: data) else { return }
            info.profile = HEVCNames.profile(record.generalProfileIDC)
            info.level = HEVCNames.level(record.generalLevelIDC)
            if record.averageFrameRate > 0 { configuredFrameRate = Double(record.averageFrameRate) / 256 }
            guard let sps = try? record.parseSequenceParameterSet() else { return }
            info.width = sps.width
            info.height = sps.height
        case .fourCC(.av01):
            guard let record = try? AV1CodecConfigurationRecord(bytes: data) else { return }
            info.profile = AV1Names.profile(record.seqProfile)
            info.level = AV1Names.level(record.seqLevelIdx0)
            guard let sequenceHeader = try? record.parseSequenceHeader() else { return }
            info.width = sequenceHeader.maxFrameWidth
            info.height = sequenceHeader.maxFrameHeight
            configuredFrameRate = sequenceHeader.frameRate
        case .fourCC(.vp09), .fourCC(.vp08):
            guard let record = try? VPCodecConfigurationRecord(bytes: data) else { return }
            info.profile = "Profile \(record.profile)"
            info.level = record.levelName
        default:
            break
        }
    }

    /// Counts a coded frame and, for VP8 and VP9 key frames, reads the frame size.
    mutating func addFrame(_ data: UnsafeRawBufferPointer, timestamp: UInt32, isKeyframe: Bool) {
        rate.add(byteCount: data.count, timestamp: timestamp)
        guard isKeyframe else { return }
        hasKeyframe = true

        // The VP8 and VP9 records carry no frame size, and the size may change at any key frame.
        if codec == .fourCC(.vp09), let header = try? VP9KeyFrameHeader(frame: data) {
            info.width = header.width
            info.height = header.height
            info.profile = info.profile ?? "Profile \(header.profile)"
        } else if codec == .fourCC(.vp08), let header = try? VP8KeyFrameHeader(frame: data) {
            info.width = header.width
            info.height = header.height
        }
    }
}

/// The state of one audio track inside a `StreamInfoCollector`.
struct AudioTrackState: Sendable {
    let codec: AudioCodec
    private(set) var hasConfiguration: Bool
    private(set) var rate = RateMeter()
    private var info: AudioTrackInfo

    init(trackID: UInt8, codec: AudioCodec) {
        self.codec = codec
        info = AudioTrackInfo(trackID: trackID, codec: CodecNames.audio(codec), fourCC: CodecNames.fourCC(codec))
        hasConfiguration = CodecNames.needsSequenceHeader(codec) == false
    }

    /// The description with the bitrate measured so far.
    var currentInfo: AudioTrackInfo {
        var current = info
        current.bitrate = rate.bitrate
        return current
    }

    /// Fills the sample rate and channel count from the legacy header bits, when
    /// nothing better is known. For AAC the bits are always 44 kHz stereo, and the
    /// AudioSpecificConfig replaces them.
    mutating func applyLegacyBits(_ header: AudioTagHeader) {
        guard case .legacy(let format) = codec, let soundRate = header.soundRate, let soundType = header.soundType else {
            return
        }
        var sampleRate = [5512, 11025, 22050, 44100][Int(soundRate & 0x03)]
        var channels = soundType == 1 ? 2 : 1
        switch format {
        case .nellymoser16kHzMono, .speex:
            (sampleRate, channels) = (16000, 1)
        case .nellymoser8kHzMono:
            (sampleRate, channels) = (8000, 1)
        case .mp3At8kHz:
            sampleRate = 8000
        default:
            break
        }
        info.sampleRate = info.sampleRate ?? sampleRate
        info.channels = info.channels ?? channels
    }

    mutating func applySequenceHeader(_ data: UnsafeRawBufferPointer) {
        hasConfiguration = true
        switch codec {
        case .legacy(.aac), .fourCC(.mp4a):
            guard let config = try? AudioSpecificConfig(bytes: data) else { return }
            info.profile = config.profileName
            info.sampleRate = config.outputSampleRate ?? info.sampleRate
            info.channels = config.channelCount ?? info.channels
        case .fourCC(.opus):
            guard let head = try? OpusHead(bytes: data) else { return }
            // Opus always decodes at 48 kHz; the input rate is what the encoder was given.
            info.sampleRate = head.inputSampleRate > 0 ? Int(head.inputSampleRate) : 48000
            info.channels = Int(head.channelCount)
        case .fourCC(.flac):
            guard let streamInfo = try? FLACStreamInfo(bytes: data) else { return }
            info.sampleRate = streamInfo.sampleRate
            info.channels = streamInfo.channelCount
        default:
            break
        }
    }

    /// Takes the channel count from an Enhanced RTMP MultichannelConfig
    /// (audioChannelOrder UI8, channelCount UI8, then the mapping) when the codec's own configuration gave none.
    mutating func applyMultichannelConfig(_ data: UnsafeRawBufferPointer) {
        guard data.count >= 2, data[1] > 0 else { return }
        info.channels = info.channels ?? Int(data[1])
    }

    mutating func addFrame(byteCount: Int, timestamp: UInt32) {
        rate.add(byteCount: byteCount, timestamp: timestamp)
    }
}

/// Display names of codecs, and which of them start with a sequence header.
enum CodecNames {
    static func video(_ codec: VideoCodec) -> String {
        switch codec {
        case .fourCC(.avc1), .legacy(.avc): return "H.264"
        case .fourCC(.hvc1), .legacy(.hevc): return "HEVC"
        case .fourCC(.av01): return "AV1"
        case .fourCC(.vp09): return "VP9"
        case .fourCC(.vp08): return "VP8"
        case .fourCC(.vvc1): return "VVC"
        case .fourCC(let fourCC): return fourCC.description
        case .legacy(.sorensonH263): return "Sorenson H.263"
        case .legacy(.screen): return "Screen Video"
        case .legacy(.on2VP6): return "VP6"
        case .legacy(.on2VP6Alpha): return "VP6 Alpha"
        case .legacy(.screenV2): return "Screen Video 2"
        case .legacy(let id): return "video codec \(id.rawValue)"
        }
    }

    static func audio(_ codec: AudioCodec) -> String {
        switch codec {
        case .fourCC(.mp4a), .legacy(.aac): return "AAC"
        case .fourCC(.opus): return "Opus"
        case .fourCC(.flac): return "FLAC"
        case .fourCC(.ac3): return "AC-3"
        case .fourCC(.eac3): return "E-AC-3"
        case .fourCC(.mp3), .legacy(.mp3), .legacy(.mp3At8kHz): return "MP3"
        case .fourCC(let fourCC): return fourCC.description
        case .legacy(.linearPCMPlatformEndian), .legacy(.linearPCMLittleEndian): return "PCM"
        case .legacy(.adpcm): return "ADPCM"
        case .legacy(.nellymoser), .legacy(.nellymoser8kHzMono), .legacy(.nellymoser16kHzMono): return "Nellymoser"
        case .legacy(.g711ALaw): return "G.711 A-law"
        case .legacy(.g711MuLaw): return "G.711 mu-law"
        case .legacy(.speex): return "Speex"
        case .legacy(let format): return "sound format \(format.rawValue)"
        }
    }

    /// Returns the FourCC of a track. Legacy codecs have one only where Enhanced RTMP names the same codec.
    static func fourCC(_ codec: VideoCodec) -> String? {
        switch codec {
        case .fourCC(let fourCC): return fourCC.description
        case .legacy(.avc): return FourCC.avc1.description
        case .legacy(.hevc): return FourCC.hvc1.description
        case .legacy: return nil
        }
    }

    static func fourCC(_ codec: AudioCodec) -> String? {
        switch codec {
        case .fourCC(let fourCC): return fourCC.description
        case .legacy(.aac): return FourCC.mp4a.description
        case .legacy(.mp3), .legacy(.mp3At8kHz): return FourCC.mp3.description
        case .legacy: return nil
        }
    }

    /// Legacy AVC and HEVC and every Enhanced RTMP video codec start with a configuration record.
    static func needsSequenceHeader(_ codec: VideoCodec) -> Bool {
        switch codec {
        case .legacy(.avc), .legacy(.hevc), .fourCC: return true
        case .legacy: return false
        }
    }

    /// AAC, Opus and FLAC start with a configuration; MP3, AC-3 and the legacy formats need none.
    static func needsSequenceHeader(_ codec: AudioCodec) -> Bool {
        switch codec {
        case .legacy(.aac), .fourCC(.mp4a), .fourCC(.opus), .fourCC(.flac): return true
        default: return false
        }
    }
}
