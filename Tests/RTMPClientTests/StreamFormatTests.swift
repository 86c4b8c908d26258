import FLV
import Foundation
import Network
import RTMP
import Testing

@testable import RTMPClient

/// Enhanced RTMP video through the clients, and the publisher's bounded write queue.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct StreamFormatTests {
    /// Rewrites a legacy AVC video payload in the Enhanced RTMP form with the FourCC `avc1`.
    ///
    ///     legacy:   frameType(4 bits) codecID=7(4 bits) | AVCPacketType | CompositionTime(SI24) | data
    ///     enhanced: 0x80 | frameType << 4 | packetType  | "avc1"        | [CompositionTime(SI24)] | data
    ///
    /// AVCPacketType 0 (sequence header) becomes SequenceStart (0), 1 (NALUs) becomes
    /// CodedFrames (1), which keeps the composition time, and 2 (end of sequence) SequenceEnd (2).
    static func enhancedVideo(_ legacy: [UInt8]) -> [UInt8] {
        let frameType = legacy[0] >> 4
        let packetType = legacy[1]
        let header: [UInt8] = [0x80 | frameType << 4 | packetType] + Array("avc1".utf8)
        return packetType == 1 ? header + legacy[2...] : header + legacy[5...]
    }

    @Test func enhancedVideoTagsArriveByteForByte() async throws {
        let server = try TestServer()
        let group = EventLoopGroup(numberOfThreads: 1)
        defer { group.shutdown() }
        let messages = try publishMessages(of: Samples.h264AAC).map { message in
            var message = message
            if message.typeID == .video { message.payload = Self.enhancedVideo(message.payload) }
            return message
        }
        let enhancedKeyframes = messages.filter {
            MediaClassifier.classify(typeID: $0.typeID.rawValue, payload: $0.payload) == .videoKeyframe
        }
        #expect(enhancedKeyframes.count == 3)

        let (player, recording) = try await startPlayer(server.playURL, group: group)
        let publisher = try PublishClient(configuration: ClientConfiguration(url: try RTMPURL(server.publishURL)), group: group)
        try await publisher.connect()
        try await publishAll(messages, with: publisher)
        await publisher.close()
        #expect(await eventually(seconds: 30) { recording.publisherEnded })
        await player.close()

        // The recorded file contains the Enhanced payloads unchanged, with timestamps from 0.
        let (header, tags) = try FLVReader.readAll(recording.file)
        #expect(header.hasAudio)
        #expect(header.hasVideo)
        let recordedVideo = tags.filter { $0.type == .video }
        let sentVideo = messages.filter { $0.typeID == .video }
        #expect(recordedVideo.map(\.data) == sentVideo.map(\.payload))
        #expect(recordedVideo.map(\.timestamp) == sentVideo.map(\.timestamp))
        #expect(recordedVideo.first?.data.first.map { $0 & 0x80 } == 0x80)
    }

    @Test func sendReturnsOnlyOnceTheQueueDrained() async throws {
        let server = try TestServer()
        let group = EventLoopGroup(numberOfThreads: 1)
        defer { group.shutdown() }
        var configuration = ClientConfiguration(url: try RTMPURL(server.publishURL))
        configuration.writeWatermarks = (low: 4 * 1024, high: 16 * 1024)
        let publisher = try PublishClient(configuration: configuration, group: group)
        try await publisher.connect()

        // Each 512 KiB frame is far over the high watermark, so each send waits for the server to read it.
        for index in 0..<16 {
            let payload: [UInt8] = [0x27, 0x01, 0, 0, 0] + [UInt8](repeating: UInt8(index), count: 512 * 1024)
            let frame = Message(chunkStreamID: .video, typeID: .video, streamID: MessageStreamID(1),
                                timestamp: UInt32(index * 40), payload: payload)
            try await publisher.send(frame)
        }
        let largest = await publisher.largestQueueAtSendCompletion()
        #expect(largest < 4 * 1024)
        await publisher.close()
    }
}
