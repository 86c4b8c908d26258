import AMF
import RTMP
import Testing

@testable import RTMPClient

/// Synthetic FLV payloads: enough for `MediaClassifier`, and distinct for comparison.
enum Payload {
    /// AVC sequence header: 0x17 (keyframe, AVC), packet type 0, composition time 0, then a byte of config.
    static func videoSequenceHeader(_ tag: UInt8) -> [UInt8] { [0x17, 0x00, 0x00, 0x00, 0x00, 0x01, tag] }
    /// AVC keyframe: 0x17, packet type 1 (NALUs), composition time 0, then data.
    static func keyframe(_ tag: UInt8) -> [UInt8] { [0x17, 0x01, 0x00, 0x00, 0x00, tag, tag] }
    /// AVC interframe: 0x27 (inter frame, AVC), packet type 1, composition time 0, then data.
    static func interframe(_ tag: UInt8) -> [UInt8] { [0x27, 0x01, 0x00, 0x00, 0x00, tag, tag] }
    /// AAC sequence header: 0xAF (AAC, 44 kHz, 16 bit, stereo), packet type 0, AudioSpecificConfig.
    static func audioSequenceHeader(_ tag: UInt8) -> [UInt8] { [0xAF, 0x00, 0x12, tag] }
    /// AAC raw frame: 0xAF, packet type 1, data.
    static func audioFrame(_ tag: UInt8) -> [UInt8] { [0xAF, 0x01, tag, tag] }
    /// `@setDataFrame onMetaData {width}`.
    static func metadata(width: Double) -> [UInt8] {
        AMF0Value.encode(["@setDataFrame", "onMetaData", .ecmaArray([AMF0Property("width", .number(width))])])
    }

    static func message(_ type: MessageTypeID, _ payload: [UInt8], at timestamp: UInt32 = 0) -> Message {
        Message(chunkStreamID: .stream, typeID: type, streamID: MessageStreamID(1), timestamp: timestamp, payload: payload)
    }
}

struct PublishReplayTests {
    @Test func resumeSendsLatestMetadataAndHeadersInFirstSeenOrder() {
        var replay = PublishReplay()
        replay.record(Payload.message(.dataAMF0, Payload.metadata(width: 640)))
        replay.record(Payload.message(.video, Payload.videoSequenceHeader(1)))
        replay.record(Payload.message(.audio, Payload.audioSequenceHeader(1)))
        replay.record(Payload.message(.video, Payload.keyframe(2)))
        replay.record(Payload.message(.video, Payload.videoSequenceHeader(3)))
        replay.record(Payload.message(.dataAMF0, Payload.metadata(width: 1280)))

        let messages = replay.resume().map(\.payload)
        #expect(messages == [
            Payload.metadata(width: 1280), Payload.videoSequenceHeader(3), Payload.audioSequenceHeader(1),
        ])
        #expect(replay.isAwaitingKeyframe)
    }

    @Test func framesWaitForTheNextKeyframe() {
        var replay = PublishReplay()
        replay.record(Payload.message(.video, Payload.keyframe(1)))
        _ = replay.resume()

        let earlyInterframeSent = replay.shouldSend(Payload.message(.video, Payload.interframe(2)))
        #expect(!earlyInterframeSent)
        let earlyAudioSent = replay.shouldSend(Payload.message(.audio, Payload.audioFrame(3)))
        #expect(!earlyAudioSent)
        let headerSent = replay.shouldSend(Payload.message(.video, Payload.videoSequenceHeader(4)))
        #expect(headerSent)
        let metadataSent = replay.shouldSend(Payload.message(.dataAMF0, Payload.metadata(width: 1)))
        #expect(metadataSent)
        let keyframeSent = replay.shouldSend(Payload.message(.video, Payload.keyframe(5)))
        #expect(keyframeSent)
        #expect(!replay.isAwaitingKeyframe)
        let laterInterframeSent = replay.shouldSend(Payload.message(.video, Payload.interframe(6)))
        #expect(laterInterframeSent)
        let laterAudioSent = replay.shouldSend(Payload.message(.audio, Payload.audioFrame(7)))
        #expect(laterAudioSent)
    }

    @Test func audioOnlyStreamResumesAtOnce() {
        var replay = PublishReplay()
        replay.record(Payload.message(.audio, Payload.audioSequenceHeader(1)))
        replay.record(Payload.message(.audio, Payload.audioFrame(2)))
        #expect(replay.resume().map(\.payload) == [Payload.audioSequenceHeader(1)])
        #expect(!replay.isAwaitingKeyframe)
        let audioSent = replay.shouldSend(Payload.message(.audio, Payload.audioFrame(3)))
        #expect(audioSent)
    }

    @Test func freshReplayHasNothingToResend() {
        var replay = PublishReplay()
        #expect(replay.resume().isEmpty)
        let interframeSent = replay.shouldSend(Payload.message(.video, Payload.interframe(1)))
        #expect(interframeSent)
    }
}
