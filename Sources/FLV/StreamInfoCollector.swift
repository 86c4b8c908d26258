import AMF

/// Builds a `StreamInfo` from the messages of a stream as they pass.
///
/// Feed every audio, video and data message to `add(typeID:timestamp:payload:)`
/// in stream order, then read `info` whenever a description is needed, and
/// `isComplete` to know when waiting longer adds nothing but better rates.
///
/// Work per message is cheap: coded frames cost one header parse and a few
/// additions, and only sequence headers, the first key frame of VP8 and VP9
/// tracks and `onMetaData` are parsed further. Each track (by track id, for
/// audio and video separately) keeps its own state, so multitrack streams are
/// reported track by track.
///
/// Rates are averages since the track's first coded frame:
///
///     frame rate = (frames - 1) / span
///     bitrate    = bits × (frames - 1) / (frames × span)
///
/// where span is the time from the first to the last frame. The second form
/// counts each frame as lasting span / (frames - 1), so a single second of
/// 30 fps video gives 30 frames of 1/30 s rather than 29 intervals.
/// A timestamp that goes backwards, as after a publisher restarts, starts
/// the averages again.
public struct StreamInfoCollector: Sendable {
    private var videoTracks: [UInt8: VideoTrackState] = [:]
    private var audioTracks: [UInt8: AudioTrackState] = [:]
    private var metadata: [String: String] = [:]

    /// The number of onMetaData fields kept, so that a large metadata object costs bounded memory.
    public static let maximumMetadataFields = 64
    /// The maximum length in characters of an onMetaData text value; longer values are cut.
    public static let maximumMetadataValueLength = 256

    /// Creates a collector that has seen no messages.
    public init() {}

    /// Adds one message of the stream.
    /// - Parameters:
    ///   - typeID: the RTMP message type id, also the FLV tag type: 8 audio, 9 video,
    ///     18 AMF0 data (`onMetaData`, with or without `@setDataFrame`). Other types are ignored.
    ///   - timestamp: the message timestamp in milliseconds.
    ///   - payload: the whole message payload. A malformed payload is ignored.
    public mutating func add(typeID: UInt8, timestamp: UInt32, payload: some Collection<UInt8>) {
        switch typeID {
        case MediaClassifier.videoTypeID:
            _ = try? withPayloadBytes(payload) { raw throws(FLVError) in try addVideo(raw, timestamp: timestamp) }
        case MediaClassifier.audioTypeID:
            _ = try? withPayloadBytes(payload) { raw throws(FLVError) in try addAudio(raw, timestamp: timestamp) }
        case MediaClassifier.amf0DataTypeID:
            addData(payload)
        default:
            break
        }
    }

    /// Whether every track seen has had its sequence header (or, for codecs without one,
    /// its first frame), and every video track a key frame. A stream with no video also
    /// needs one coded audio frame per track. A stream with no tracks is never complete.
    ///
    /// A sequence header that cannot be parsed still counts, leaving its fields `nil`,
    /// so that a probe does not wait for a header that will never parse.
    public var isComplete: Bool {
        guard videoTracks.isEmpty == false || audioTracks.isEmpty == false else { return false }
        let videoReady = videoTracks.values.allSatisfy { $0.hasConfiguration && $0.hasKeyframe }
        let audioReady = audioTracks.values.allSatisfy { $0.hasConfiguration }
        if videoTracks.isEmpty {
            return audioReady && audioTracks.values.allSatisfy { $0.rate.frames > 0 }
        }
        return videoReady && audioReady
    }

    /// The description of the stream so far. Video track 0 takes its width, height and frame rate from
    /// onMetaData when its codec data gave none, as for Sorenson H.263 and VP6.
    public var info: StreamInfo {
        var video = videoTracks.keys.sorted().compactMap { videoTracks[$0]?.currentInfo }
        let audio = audioTracks.keys.sorted().compactMap { audioTracks[$0]?.currentInfo }
        if let index = video.firstIndex(where: { $0.trackID == 0 }) {
            video[index].width = video[index].width ?? metadataInteger("width")
            video[index].height = video[index].height ?? metadataInteger("height")
            video[index].frameRate = video[index].frameRate ?? metadataNumber("framerate")
        }
        return StreamInfo(video: video, audio: audio, metadata: metadata)
    }

    // MARK: - Video

    private mutating func addVideo(_ payload: UnsafeRawBufferPointer, timestamp: UInt32) throws(FLVError) {
        // The header is parsed before the tracks are visited, so the visitor gets it afterwards.
        var tracks: [VideoTrack] = []
        let header = try VideoTagHeader.scan(payload) { track throws(FLVError) in tracks.append(track) }
        guard header.isCommandFrame == false, header.isMetadata == false else { return }

        for track in tracks {
            let data = UnsafeRawBufferPointer(rebasing: payload[track.data])
            var state = videoTracks[track.trackID] ?? VideoTrackState(trackID: track.trackID, codec: track.codec)
            if state.codec != track.codec { state = VideoTrackState(trackID: track.trackID, codec: track.codec) }

            if header.isSequenceHeader {
                state.applySequenceHeader(data)
            } else if header.isCodedFrames {
                state.addFrame(data, timestamp: timestamp, isKeyframe: header.isKeyframe)
            }
            videoTracks[track.trackID] = state
        }
    }

    // MARK: - Audio

    private mutating func addAudio(_ payload: UnsafeRawBufferPointer, timestamp: UInt32) throws(FLVError) {
        var tracks: [AudioTrack] = []
        let header = try AudioTagHeader.scan(payload) { track throws(FLVError) in tracks.append(track) }

        for track in tracks {
            let data = UnsafeRawBufferPointer(rebasing: payload[track.data])
            var state = audioTracks[track.trackID] ?? AudioTrackState(trackID: track.trackID, codec: track.codec)
            if state.codec != track.codec { state = AudioTrackState(trackID: track.trackID, codec: track.codec) }

            state.applyLegacyBits(header)
            if header.isMultichannelConfig {
                state.applyMultichannelConfig(data)
            } else if header.isSequenceHeader {
                state.applySequenceHeader(data)
            } else if header.packetType == nil || header.packetType == .codedFrames {
                // A legacy message is coded audio unless it is an AAC sequence header.
                state.addFrame(byteCount: data.count, timestamp: timestamp)
            }
            audioTracks[track.trackID] = state
        }
    }

    // MARK: - Metadata

    private mutating func addData(_ payload: some Collection<UInt8>) {
        guard let object = try? Metadata.decodeOnMetaData(payload), let properties = object.properties else { return }
        var fields: [String: String] = [:]
        for property in properties where fields.count < Self.maximumMetadataFields {
            guard let text = Self.text(of: property.value) else { continue }
            fields[property.key] = String(text.prefix(Self.maximumMetadataValueLength))
        }
        metadata = fields
    }

    /// Returns the text of a number, string or Boolean, writing whole numbers without a fractional part.
    private static func text(of value: AMF0Value) -> String? {
        switch value {
        case .number(let number):
            if number.isFinite, number == number.rounded(), abs(number) < 1e15 { return String(Int64(number)) }
            return String(number)
        case .string(let string), .longString(let string):
            return string
        case .boolean(let flag):
            return flag ? "true" : "false"
        default:
            return nil
        }
    }

    private func metadataNumber(_ key: String) -> Double? {
        guard let text = metadata[key], let number = Double(text), number.isFinite, number > 0 else { return nil }
        return number
    }

    private func metadataInteger(_ key: String) -> Int? {
        guard let number = metadataNumber(key), number < 1_000_000 else { return nil }
        return Int(number)
    }
}

/// Frame and byte counts of one track, from which its frame rate and bitrate are averaged.
struct RateMeter: Sendable {
    private(set) var frames = 0
    private var bytes = 0
    private var lastTimestamp: UInt32 = 0
    /// The milliseconds from the first frame to the last.
    private var span: Int64 = 0

    mutating func add(byteCount: Int, timestamp: UInt32) {
        // RTMP timestamps wrap at 2^32 ms, so the difference is read as a signed 32-bit value.
        let delta = Int32(bitPattern: timestamp &- lastTimestamp)
        if frames > 0 && delta < 0 { self = RateMeter() }
        if frames > 0 { span += Int64(delta) }
        frames += 1
        bytes += byteCount
        lastTimestamp = timestamp
    }

    /// Frames per second, once two frames with different timestamps have arrived.
    var frameRate: Double? {
        guard frames >= 2, span > 0 else { return nil }
        return Double(frames - 1) * 1000 / Double(span)
    }

    /// Bits per second, once two frames with different timestamps have arrived.
    var bitrate: Int? {
        guard frames >= 2, span > 0 else { return nil }
        let bits = Double(bytes) * 8
        return Int((bits * 1000 * Double(frames - 1) / (Double(frames) * Double(span))).rounded())
    }
}
