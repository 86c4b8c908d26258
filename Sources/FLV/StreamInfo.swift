/// A description of one video track of a live stream, built from its sequence headers and media.
public struct VideoTrackInfo: Sendable, Equatable, Codable {
    /// The Enhanced RTMP track id; 0 for legacy and single-track streams.
    public var trackID: UInt8
    /// The codec name: "H.264", "HEVC", "AV1", "VP9", "VP8", "VVC", a legacy codec name, or the FourCC.
    public var codec: String
    /// The FourCC, such as "avc1" or "hvc1"; `nil` for legacy codec ids other than AVC and HEVC.
    public var fourCC: String?
    /// The profile, such as "High", "Main", "Main 10" or "Profile 0".
    public var profile: String?
    /// The level, such as "3.1" or "4.0".
    public var level: String?
    /// The picture width in pixels, after cropping.
    public var width: Int?
    /// The picture height in pixels, after cropping.
    public var height: Int?
    /// The frame rate in frames per second: measured from timestamps once two frames
    /// have arrived, before that from the codec's timing information when it has any.
    public var frameRate: Double?
    /// The measured bitrate of the coded frames in bits per second.
    public var bitrate: Int?

    /// Creates a track description.
    public init(
        trackID: UInt8,
        codec: String,
        fourCC: String? = nil,
        profile: String? = nil,
        level: String? = nil,
        width: Int? = nil,
        height: Int? = nil,
        frameRate: Double? = nil,
        bitrate: Int? = nil
    ) {
        self.trackID = trackID
        self.codec = codec
        self.fourCC = fourCC
        self.profile = profile
        self.level = level
        self.width = width
        self.height = height
        self.frameRate = frameRate
        self.bitrate = bitrate
    }
}

/// A description of one audio track of a live stream, built from its sequence headers and media.
public struct AudioTrackInfo: Sendable, Equatable, Codable {
    /// The Enhanced RTMP track id; 0 for legacy and single-track streams.
    public var trackID: UInt8
    /// The codec name: "AAC", "Opus", "FLAC", "AC-3", "E-AC-3", "MP3", a legacy format name, or the FourCC.
    public var codec: String
    /// The FourCC, such as "mp4a" or "Opus"; `nil` for legacy formats other than AAC and MP3.
    public var fourCC: String?
    /// The profile, such as "LC" or "HE-AAC".
    public var profile: String?
    /// The output sample rate in Hz.
    public var sampleRate: Int?
    /// The output channel count.
    public var channels: Int?
    /// The measured bitrate of the coded frames in bits per second.
    public var bitrate: Int?

    /// Creates a track description.
    public init(
        trackID: UInt8,
        codec: String,
        fourCC: String? = nil,
        profile: String? = nil,
        sampleRate: Int? = nil,
        channels: Int? = nil,
        bitrate: Int? = nil
    ) {
        self.trackID = trackID
        self.codec = codec
        self.fourCC = fourCC
        self.profile = profile
        self.sampleRate = sampleRate
        self.channels = channels
        self.bitrate = bitrate
    }
}

/// A description of a live stream: its tracks, in track id order, and its metadata.
public struct StreamInfo: Sendable, Equatable, Codable {
    /// The video tracks.
    public var video: [VideoTrackInfo]
    /// The audio tracks.
    public var audio: [AudioTrackInfo]
    /// The scalar fields of the latest onMetaData as text, such as "encoder" and "width".
    public var metadata: [String: String]

    /// Creates a stream description.
    public init(video: [VideoTrackInfo] = [], audio: [AudioTrackInfo] = [], metadata: [String: String] = [:]) {
        self.video = video
        self.audio = audio
        self.metadata = metadata
    }

    /// A one-line human summary, such as
    /// "HEVC Main 640x360 30 fps 600 kb/s; AAC LC 48000 Hz 2 ch 96 kb/s".
    /// Tracks other than track 0 are prefixed with their id, as in "track 1: HEVC Main 320x180".
    public var summary: String {
        let parts = video.map(Self.describe) + audio.map(Self.describe)
        return parts.isEmpty ? "no audio or video" : parts.joined(separator: "; ")
    }

    private static func describe(_ track: VideoTrackInfo) -> String {
        var words = [track.codec]
        if let profile = track.profile { words.append(profile) }
        if let width = track.width, let height = track.height { words.append("\(width)x\(height)") }
        if let frameRate = track.frameRate { words.append("\(formatRate(frameRate)) fps") }
        if let bitrate = track.bitrate { words.append("\(kilobits(bitrate)) kb/s") }
        return prefix(track.trackID) + words.joined(separator: " ")
    }

    private static func describe(_ track: AudioTrackInfo) -> String {
        var words = [track.codec]
        if let profile = track.profile { words.append(profile) }
        if let sampleRate = track.sampleRate { words.append("\(sampleRate) Hz") }
        if let channels = track.channels { words.append("\(channels) ch") }
        if let bitrate = track.bitrate { words.append("\(kilobits(bitrate)) kb/s") }
        return prefix(track.trackID) + words.joined(separator: " ")
    }

    private static func prefix(_ trackID: UInt8) -> String {
        trackID == 0 ? "" : "track \(trackID): "
    }

    /// Formats a frame rate as a whole number when it is within 0.01 of one, else with two decimals.
    private static func formatRate(_ rate: Double) -> String {
        // Int(_:) traps on values out of range, which a hand-made StreamInfo could hold.
        guard rate.isFinite, abs(rate) < 1_000_000 else { return "\(rate)" }
        let rounded = rate.rounded()
        if abs(rate - rounded) < 0.01 { return String(Int(rounded)) }
        let hundredths = Int((rate * 100).rounded())
        let fraction = hundredths % 100
        return "\(hundredths / 100)." + (fraction < 10 ? "0\(fraction)" : "\(fraction)")
    }

    private static func kilobits(_ bitrate: Int) -> Int {
        (bitrate + 500) / 1000
    }
}
