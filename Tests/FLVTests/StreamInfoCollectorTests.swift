import AMF
import Foundation
import Testing

@testable import FLV

// MARK: - Tag builders

/// Returns the Enhanced RTMP video header byte: IsExHeader, a frame type and a packet type.
private func exVideoByte(frameType: UInt8, packetType: UInt8) -> UInt8 {
    0x80 | frameType << 4 | packetType
}

/// Builds a single-track Enhanced RTMP video SequenceStart.
private func videoSequenceStart(_ fourCC: FourCC, _ record: [UInt8]) -> [UInt8] {
    [exVideoByte(frameType: 1, packetType: 0)] + fourCC.bytes + record
}

/// Builds a single-track Enhanced RTMP CodedFrames message. For avc1 and hvc1 a zero composition time comes first.
private func videoFrame(_ fourCC: FourCC, keyframe: Bool, _ data: [UInt8]) -> [UInt8] {
    let compositionTime: [UInt8] = fourCC == .avc1 || fourCC == .hvc1 ? [0, 0, 0] : []
    return [exVideoByte(frameType: keyframe ? 1 : 2, packetType: 1)] + fourCC.bytes + compositionTime + data
}

/// Builds a single-track Enhanced RTMP audio message: SoundFormat 9 (ExHeader) and a packet type.
private func audioMessage(_ fourCC: FourCC, packetType: UInt8, _ data: [UInt8]) -> [UInt8] {
    [0x90 | packetType] + fourCC.bytes + data
}

/// Encodes a 24-bit big-endian size.
private func uint24(_ value: Int) -> [UInt8] {
    [UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
}

/// Returns the timestamp in milliseconds of frame `index` at `rate` frames per second, rounded down as ffmpeg does.
private func timestamp(_ index: Int, rate: Int) -> UInt32 {
    UInt32(index * 1000 / rate)
}

/// Feeds a stream of one video codec at 30 fps for one second: a sequence start, then a key
/// frame and 29 inter frames of 1,000 bytes of filler each (the collector does not decode them).
private func feedVideo(
    _ collector: inout StreamInfoCollector,
    _ fourCC: FourCC,
    record: [UInt8],
    keyFrameStart: [UInt8] = []
) {
    collector.add(typeID: 9, timestamp: 0, payload: videoSequenceStart(fourCC, record))
    for index in 0..<30 {
        let isKeyframe = index == 0
        let body = isKeyframe ? keyFrameStart + [UInt8](repeating: 0xAA, count: 1000 - keyFrameStart.count) : [UInt8](repeating: 0xAA, count: 1000)
        collector.add(typeID: 9, timestamp: timestamp(index, rate: 30), payload: videoFrame(fourCC, keyframe: isKeyframe, body))
    }
}

@Suite struct StreamInfoCollectorTests {
    @Test func hevcTrackFromSequenceStart() throws {
        var collector = StreamInfoCollector()
        feedVideo(&collector, .hvc1, record: CodecFixtures.hevcMain640x360)
        let track = try #require(collector.info.video.first)
        #expect(collector.info.video.count == 1)
        #expect(track.trackID == 0)
        #expect(track.codec == "HEVC")
        #expect(track.fourCC == "hvc1")
        #expect(track.profile == "Main")
        #expect(track.level == "2.1")
        #expect(track.width == 640)
        #expect(track.height == 360)
        #expect(abs((track.frameRate ?? 0) - 30) < 0.5)
        // 30 frames of 8,000 bits in 30 frame durations of 967 / 29 ms each
        #expect(abs((track.bitrate ?? 0) - 240_000) < 1_000)
        #expect(collector.isComplete)
    }

    @Test func av1TrackFromSequenceStart() throws {
        var collector = StreamInfoCollector()
        feedVideo(&collector, .av01, record: CodecFixtures.av1Main640x360)
        let track = try #require(collector.info.video.first)
        #expect(track.codec == "AV1")
        #expect(track.fourCC == "av01")
        #expect(track.profile == "Main")
        #expect(track.level == "2.1")
        #expect(track.width == 640)
        #expect(track.height == 360)
        #expect(abs((track.frameRate ?? 0) - 30) < 0.5)
    }

    @Test func vp9SizeFromFirstKeyFrame() throws {
        var collector = StreamInfoCollector()
        collector.add(typeID: 9, timestamp: 0, payload: videoSequenceStart(.vp09, CodecFixtures.vp9Profile0))
        let beforeKeyframe = try #require(collector.info.video.first)
        #expect(beforeKeyframe.codec == "VP9")
        #expect(beforeKeyframe.profile == "Profile 0")
        #expect(beforeKeyframe.level == "2.1")
        #expect(beforeKeyframe.width == nil)
        #expect(collector.isComplete == false)

        feedVideo(&collector, .vp09, record: CodecFixtures.vp9Profile0, keyFrameStart: CodecFixtures.vp9KeyFrameStart)
        let track = try #require(collector.info.video.first)
        #expect(track.width == 640)
        #expect(track.height == 360)
        #expect(abs((track.frameRate ?? 0) - 30) < 0.5)
        #expect(collector.isComplete)
    }

    @Test func opusTrackFromSequenceStart() throws {
        var collector = StreamInfoCollector()
        collector.add(typeID: 8, timestamp: 0, payload: audioMessage(.opus, packetType: 0, CodecFixtures.opusStereo))
        #expect(collector.isComplete == false)  // an audio-only stream also needs a frame
        // 50 packets of 20 ms with 120 bytes each: 48 kb/s
        for index in 0..<50 {
            collector.add(typeID: 8, timestamp: UInt32(index * 20), payload: audioMessage(.opus, packetType: 1, [UInt8](repeating: 0x55, count: 120)))
        }
        let track = try #require(collector.info.audio.first)
        #expect(track.codec == "Opus")
        #expect(track.fourCC == "Opus")
        #expect(track.sampleRate == 48000)
        #expect(track.channels == 2)
        #expect(abs((track.bitrate ?? 0) - 48_000) < 500)
        #expect(collector.isComplete)
        #expect(collector.info.video.isEmpty)
    }

    @Test func flacTrackFromSequenceStart() throws {
        var collector = StreamInfoCollector()
        collector.add(typeID: 8, timestamp: 0, payload: audioMessage(.flac, packetType: 0, CodecFixtures.flac44kHzMono))
        let track = try #require(collector.info.audio.first)
        #expect(track.codec == "FLAC")
        #expect(track.sampleRate == 44100)
        #expect(track.channels == 1)
    }

    @Test func multitrackTracksReportedSeparately() throws {
        var collector = StreamInfoCollector()
        for (timestamp, payload) in MultitrackFixture.messages {
            collector.add(typeID: payload.typeID, timestamp: timestamp, payload: payload.bytes)
        }
        let info = collector.info
        #expect(info.video.map(\.trackID) == [0, 1])
        #expect(info.audio.map(\.trackID) == [0, 1])

        let video0 = info.video[0]
        #expect(video0.codec == "HEVC")
        #expect(video0.width == 640)
        #expect(video0.height == 360)
        #expect(video0.level == "2.1")
        #expect(abs((video0.frameRate ?? 0) - 30) < 0.5)
        let video1 = info.video[1]
        #expect(video1.codec == "HEVC")
        #expect(video1.width == 320)
        #expect(video1.height == 180)
        #expect(video1.level == "2.0")
        #expect(abs((video1.frameRate ?? 0) - 30) < 0.5)
        #expect(abs((video1.bitrate ?? 0) - 72_000) < 500)  // 300 bytes per frame

        let audio0 = info.audio[0]
        #expect(audio0.codec == "AAC")
        #expect(audio0.fourCC == "mp4a")
        #expect(audio0.profile == "LC")
        #expect(audio0.sampleRate == 48000)
        #expect(audio0.channels == 1)
        let audio1 = info.audio[1]
        #expect(audio1.codec == "AAC")
        #expect(audio1.sampleRate == 44100)
        #expect(audio1.channels == 2)

        #expect(collector.isComplete)
        #expect(info.summary.contains("; track 1: HEVC Main 320x180 30 fps 72 kb/s;"))
    }

    @Test func multitrackWaitsForEveryTrack() {
        var collector = StreamInfoCollector()
        // only the sequence start of track 0 and a key frame that carries track 0
        collector.add(typeID: 9, timestamp: 0, payload: videoSequenceStart(.hvc1, CodecFixtures.hevcMain640x360))
        collector.add(typeID: 9, timestamp: 0, payload: videoFrame(.hvc1, keyframe: true, [0xAA]))
        #expect(collector.isComplete)
        collector.add(typeID: 9, timestamp: 0, payload: MultitrackFixture.track1SequenceStart)
        #expect(collector.isComplete == false)  // track 1 has had no key frame
    }

    @Test func truncatedMessagesIgnored() {
        var collector = StreamInfoCollector()
        for (timestamp, payload) in MultitrackFixture.messages {
            for length in 0..<payload.bytes.count {
                collector.add(typeID: payload.typeID, timestamp: timestamp, payload: payload.bytes.prefix(length))
            }
        }
        // Cut sequence headers leave fields nil or count as received, but nothing traps.
        #expect(collector.info.video.count <= 2)
        #expect(collector.info.audio.count <= 2)
    }

    @Test func timestampGoingBackRestartsRates() throws {
        var collector = StreamInfoCollector()
        feedVideo(&collector, .hvc1, record: CodecFixtures.hevcMain640x360)
        // the publisher restarts at 0 and sends 25 fps
        for index in 0..<26 {
            collector.add(typeID: 9, timestamp: timestamp(index, rate: 25), payload: videoFrame(.hvc1, keyframe: index == 0, [0xAA]))
        }
        let track = try #require(collector.info.video.first)
        #expect(abs((track.frameRate ?? 0) - 25) < 0.5)
    }

    @Test func legacyMP3UsesHeaderBits() throws {
        var collector = StreamInfoCollector()
        // SoundFormat 2 (MP3), SoundRate 3 (44 kHz), SoundSize 1 (16-bit), SoundType 1 (stereo)
        collector.add(typeID: 8, timestamp: 0, payload: [0x2F, 0xFF, 0xFB, 0x90, 0x00])
        let track = try #require(collector.info.audio.first)
        #expect(track.codec == "MP3")
        #expect(track.fourCC == ".mp3")
        #expect(track.sampleRate == 44100)
        #expect(track.channels == 2)
        #expect(collector.isComplete)
    }

    @Test func legacyH263SizeFromMetadata() throws {
        var collector = StreamInfoCollector()
        let metadata = AMF0Value.ecmaArray([
            AMF0Property("width", .number(320)),
            AMF0Property("height", .number(240)),
            AMF0Property("framerate", .number(15)),
        ])
        collector.add(typeID: 18, timestamp: 0, payload: Metadata.encodeOnMetaData(metadata))
        // frame type 1 (key frame), codec id 2 (Sorenson H.263), then picture data that is not read
        collector.add(typeID: 9, timestamp: 0, payload: [0x12, 0x00, 0x00, 0x84])
        let track = try #require(collector.info.video.first)
        #expect(track.codec == "Sorenson H.263")
        #expect(track.fourCC == nil)
        #expect(track.width == 320)
        #expect(track.height == 240)
        #expect(track.frameRate == 15)
        #expect(collector.isComplete)  // H.263 has no sequence header to wait for
    }

    @Test func metadataFieldsKeptAsText() {
        var collector = StreamInfoCollector()
        let metadata = AMF0Value.ecmaArray([
            AMF0Property("width", .number(640)),
            AMF0Property("framerate", .number(29.97)),
            AMF0Property("encoder", .string("Lavf59.27.100")),
            AMF0Property("stereo", .boolean(true)),
            AMF0Property("nested", .object([])),
        ])
        let payload = AMF0Value.encode([.string("@setDataFrame"), .string("onMetaData"), metadata])
        collector.add(typeID: 18, timestamp: 0, payload: payload)
        let fields = collector.info.metadata
        #expect(fields["width"] == "640")
        #expect(fields["framerate"] == "29.97")
        #expect(fields["encoder"] == "Lavf59.27.100")
        #expect(fields["stereo"] == "true")
        #expect(fields["nested"] == nil)
        #expect(collector.isComplete == false)  // metadata alone has no tracks
    }

    @Test func summaryOneLine() {
        let info = StreamInfo(
            video: [VideoTrackInfo(trackID: 0, codec: "HEVC", profile: "Main", width: 640, height: 360, frameRate: 30, bitrate: 600_000)],
            audio: [AudioTrackInfo(trackID: 0, codec: "AAC", profile: "LC", sampleRate: 48000, channels: 2, bitrate: 96_000)]
        )
        #expect(info.summary == "HEVC Main 640x360 30 fps 600 kb/s; AAC LC 48000 Hz 2 ch 96 kb/s")
        #expect(StreamInfo(video: [VideoTrackInfo(trackID: 2, codec: "AV1", frameRate: 29.97)]).summary == "track 2: AV1 29.97 fps")
        #expect(StreamInfo().summary == "no audio or video")
    }

    @Test func streamInfoCodableRoundTrip() throws {
        let info = StreamInfo(
            video: [VideoTrackInfo(trackID: 1, codec: "VP9", fourCC: "vp09", profile: "Profile 0", width: 640, height: 360)],
            audio: [AudioTrackInfo(trackID: 0, codec: "Opus", fourCC: "Opus", sampleRate: 48000, channels: 2)],
            metadata: ["encoder": "test"]
        )
        let decoded = try JSONDecoder().decode(StreamInfo.self, from: JSONEncoder().encode(info))
        #expect(decoded == info)
    }
}

/// A multitrack stream in the shape ffmpeg n9.0.2 writes for two HEVC and two AAC inputs:
/// track 0 as single-track (video) or legacy (audio) messages, track 1 inside OneTrack
/// multitrack messages. The coded frames here use ManyTracks to carry both video tracks
/// in one message, with filler bytes in place of coded video.
private enum MultitrackFixture {
    struct Payload {
        var typeID: UInt8
        var bytes: [UInt8]
    }

    static let track1SequenceStart: [UInt8] =
        [
            0x96,  // IsExHeader, frame type 1, packet type 6 (Multitrack)
            0x00,  // multitrack type 0 (OneTrack), packet type 0 (SequenceStart)
        ] + FourCC.hvc1.bytes
        + [0x01]  // track id 1
        + CodecFixtures.hevcMain320x180

    static var messages: [(UInt32, Payload)] {
        var messages: [(UInt32, Payload)] = [
            (0, Payload(typeID: 9, bytes: videoSequenceStart(.hvc1, CodecFixtures.hevcMain640x360))),
            (0, Payload(typeID: 9, bytes: track1SequenceStart)),
            // legacy AAC: SoundFormat 10, 44 kHz, 16-bit, stereo, then AACPacketType 0
            (0, Payload(typeID: 8, bytes: [0xAF, 0x00] + CodecFixtures.aacLC48kHzMono)),
            // SoundFormat 9 (ExHeader) with packet type 5 (Multitrack), OneTrack SequenceStart, mp4a, track 1
            (0, Payload(typeID: 8, bytes: [0x95, 0x00] + FourCC.mp4a.bytes + [0x01] + CodecFixtures.aacLC44kHzStereo)),
            // OneTrack MultichannelConfig for track 1: channel order 1 (native), 2 channels, flags 3 (front left and right)
            (0, Payload(typeID: 8, bytes: [0x95, 0x04] + FourCC.mp4a.bytes + [0x01, 0x01, 0x02, 0x00, 0x00, 0x00, 0x03])),
        ]
        for index in 0..<30 {
            messages.append((timestamp(index, rate: 30), Payload(typeID: 9, bytes: bothTracksFrame(keyframe: index == 0))))
        }
        return messages
    }

    /// Builds a ManyTracks CodedFrames message: track 0 with 1,000 bytes and track 1 with 300.
    private static func bothTracksFrame(keyframe: Bool) -> [UInt8] {
        let track0 = [UInt8](repeating: 0, count: 3) + [UInt8](repeating: 0xAA, count: 1000)  // composition time, data
        let track1 = [UInt8](repeating: 0, count: 3) + [UInt8](repeating: 0xBB, count: 300)
        return [exVideoByte(frameType: keyframe ? 1 : 2, packetType: 6)]
            + [0x11]  // multitrack type 1 (ManyTracks), packet type 1 (CodedFrames)
            + FourCC.hvc1.bytes
            + [0x00] + uint24(track0.count) + track0  // track id 0, size, data
            + [0x01] + uint24(track1.count) + track1  // track id 1, size, data
    }
}
