import Bytes
import Testing

@testable import RTMP

@Suite struct SessionPairTests {
    /// Connects, creates a stream and returns its ID.
    func connectAndCreateStream(_ pair: SessionPair) -> MessageStreamID? {
        pair.client.connect(app: "live", tcUrl: "rtmp://127.0.0.1/live")
        pair.client.createStream()
        pair.drive()
        return pair.client.lastCreatedStream
    }

    @Test(arguments: [HandshakeDigestScheme.scheme0, .scheme1, nil])
    func handshakeAndConnect(_ scheme: HandshakeDigestScheme?) {
        var configuration = ClientSession.Configuration()
        configuration.digestScheme = scheme
        let pair = SessionPair(clientConfiguration: configuration)
        pair.client.connect(app: "live", tcUrl: "rtmp://127.0.0.1/live")
        pair.drive()
        let events = pair.takeEvents()
        guard case .handshakeCompleted(let clientDigest) = events.client.first,
            case .handshakeCompleted(let serverDigest) = events.server.first
        else {
            Issue.record("no handshake: \(events)")
            return
        }
        #expect(clientDigest == (scheme != nil))
        #expect(serverDigest == (scheme != nil))
        #expect(events.client.contains { if case .connected = $0 { return true } else { return false } })
        #expect(pair.server.outgoingChunkSize == 4096)
        #expect(!pair.client.isClosed)
        #expect(!pair.server.isClosed)
    }

    @Test func publishDeliversMediaWithAbsoluteTimestamps() {
        let pair = SessionPair()
        guard let streamID = connectAndCreateStream(pair) else {
            Issue.record("no stream created")
            return
        }
        #expect(streamID == MessageStreamID(1))
        pair.client.preparePublish(name: "cam")
        pair.client.publish(name: "cam")
        pair.drive()
        let statuses = pair.takeEvents().client.compactMap { event -> String? in
            if case .status(_, _, let code, _) = event { return code }
            return nil
        }
        #expect(statuses == ["NetStream.Publish.Start"])

        // Timestamps 0, 33, 66, one past the 24-bit range, and one more: the
        // client writer uses types 0, 2, 3 and extended deltas.
        let timestamps: [UInt32] = [0, 33, 66, 0x0100_0000, 0x0100_0021]
        for timestamp in timestamps {
            pair.client.sendMedia(videoMessage(streamID: streamID.rawValue, timestamp: timestamp, size: 5000))
        }
        pair.drive()
        let media = pair.takeEvents().server.compactMap { event -> Message? in
            if case .media(let message) = event { return message }
            return nil
        }
        #expect(media.map(\.timestamp) == timestamps)
        #expect(media.allSatisfy { $0.payload.count == 5000 })
        #expect(media.allSatisfy { $0.streamID == streamID })
    }

    @Test func playReceivesFastPathMedia() throws {
        let pair = SessionPair()
        guard let streamID = connectAndCreateStream(pair) else {
            Issue.record("no stream created")
            return
        }
        pair.client.play(name: "cam")
        pair.drive()
        let events = pair.takeEvents()
        let codes = events.client.compactMap { event -> String? in
            if case .status(_, _, let code, _) = event { return code }
            return nil
        }
        #expect(codes == ["NetStream.Play.Reset", "NetStream.Play.Start"])
        #expect(events.client.contains { event in
            if case .userControl(.streamBegin(streamID)) = event { return true }
            return false
        })

        // The server encodes once with its announced chunk size, as the fan-out does.
        var shared = ByteBuffer()
        let video = videoMessage(streamID: streamID.rawValue, timestamp: 0x0123_4567, size: 9000)
        ChunkEncoder.encode(video, chunkSize: pair.server.outgoingChunkSize, into: &shared)
        pair.client.receive(Array(shared.readableBytesView), now: pair.now)
        pair.drive()
        let media = pair.takeEvents().client.compactMap { event -> Message? in
            if case .media(let message) = event { return message }
            return nil
        }
        // The data messages |RtmpSampleAccess and onStatus came before, in the play reply.
        #expect(media.last == video)
    }

    @Test func unpublishNotifyReachesPlayer() {
        let pair = SessionPair()
        guard let streamID = connectAndCreateStream(pair) else {
            Issue.record("no stream created")
            return
        }
        pair.client.play(name: "cam")
        pair.drive()
        _ = pair.takeEvents()
        pair.server.sendUnpublishNotify(streamID: streamID, streamName: "cam")
        pair.drive()
        let events = pair.takeEvents().client
        #expect(events.count == 2)
        guard case .userControl(.streamEOF(streamID)) = events.first,
            case .status(streamID, "status", "NetStream.Play.UnpublishNotify", _) = events.last
        else {
            Issue.record("unexpected events \(events)")
            return
        }
    }

    @Test func deleteStreamReachesServer() {
        let pair = SessionPair()
        guard let streamID = connectAndCreateStream(pair) else {
            Issue.record("no stream created")
            return
        }
        _ = pair.takeEvents()
        pair.client.deleteStream(streamID)
        pair.drive()
        #expect(pair.takeEvents().server.map(describe) == ["deleteStream 1"])
    }
}
