import AMF
import Bytes
import Testing

@testable import RTMP

@Suite struct CommandTests {
    /// createStream with transaction ID 4, as its type-20 body.
    static let createStreamBody: [UInt8] = [
        0x02, 0x00, 0x0C,  // string marker, length 12
        0x63, 0x72, 0x65, 0x61, 0x74, 0x65, 0x53, 0x74, 0x72, 0x65, 0x61, 0x6D,  // "createStream"
        0x00, 0x40, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // number 4.0
        0x05,  // null command object
    ]

    @Test func createStreamDecodes() throws {
        let message = Message(
            chunkStreamID: .command,
            typeID: .commandAMF0,
            streamID: .connection,
            timestamp: 0,
            payload: Self.createStreamBody
        )
        #expect(try Command(message: message) == Command(name: "createStream", transactionID: 4))
    }

    @Test func createStreamEncodes() {
        #expect(Command(name: "createStream", transactionID: 4).payload == Self.createStreamBody)
    }

    @Test func amf3CommandSkipsFormatByte() throws {
        let message = Message(
            chunkStreamID: .command,
            typeID: .commandAMF3,
            streamID: .connection,
            timestamp: 0,
            payload: [0x00] + Self.createStreamBody  // AMF3 format byte 0, then AMF0
        )
        #expect(try Command(message: message).name == "createStream")
    }

    @Test func bodyWithoutNameIsRejected() {
        let message = Message(
            chunkStreamID: .command,
            typeID: .commandAMF0,
            streamID: .connection,
            timestamp: 0,
            payload: [0x05]  // null where the name belongs
        )
        #expect(throws: RTMPProtocolError.invalidCommand("")) { try Command(message: message) }
    }

    @Test func setDataFrameDecodes() throws {
        let message = setDataFrame(streamID: 1)
        let data = try DataMessage(message: message)
        #expect(data.name == "@setDataFrame")
        #expect(data.values.first == "onMetaData")
        #expect(data.values.last?["width"] == .number(1280))
    }
}

@Suite struct MessageChannelTests {
    @Test func acknowledgementSequenceWrapsAt32Bits() throws {
        var channel = MessageChannel(limits: Limits(), compressedChunkStreams: nil)
        ChunkEncoder.encode(WindowAcknowledgementSize(windowSize: 1_000_000).message, chunkSize: 128, into: &channel.inbound)
        _ = try channel.nextMessage()
        channel.countReceived(Int(UInt32.max))  // 4,294,967,295 bytes: one Acknowledgement
        channel.countReceived(1_000_001)  // crosses 2^32: the next one wraps

        var outbound = ByteBuffer(bytes: channel.takeOutbound() ?? [])
        var decoder = ChunkDecoder()
        let sequenceNumbers = try DecoderVerifier.decodeAll(&decoder, &outbound).map {
            try Acknowledgement(payload: $0.payload).sequenceNumber
        }
        #expect(sequenceNumbers == [UInt32.max, 1_000_000])
    }

    @Test func tinyWindowIsRaisedToTheMinimum() throws {
        var channel = MessageChannel(limits: Limits(), compressedChunkStreams: nil)
        ChunkEncoder.encode(WindowAcknowledgementSize(windowSize: 1).message, chunkSize: 128, into: &channel.inbound)
        _ = try channel.nextMessage()
        #expect(channel.peerWindow == 4_096)
        channel.countReceived(4_095)
        #expect(channel.takeOutbound() == nil)
    }
}

@Suite struct ServerSessionInputTests {
    @Test func c2AndFirstChunksInOneRead() throws {
        var client = ClientHandshake(digestScheme: nil, crypto: FixedCrypto())
        let server = ServerSession(configuration: .init(), crypto: FixedCrypto(), now: 0)
        server.receive(client.start(now: 0), now: 1)
        var reply = ByteBuffer(bytes: server.pollOutbound() ?? [])
        let c2 = try client.advance(&reply).outbound

        var chunks = ByteBuffer()
        var writer = ChunkWriter()
        writer.write(SetChunkSize(chunkSize: 4096).message, into: &chunks)
        writer.chunkSize = 4096
        writer.write(connect([AMF0Property("app", "live")]).message(), into: &chunks)
        server.receive(c2 + chunks.readAllBytes(), now: 2)

        #expect(server.nextEvent().map(describe) == "handshake simple")
        #expect(server.nextEvent().map(describe) == "connect live")
        #expect(server.nextEvent() == nil)
    }

    @Test func mediaBeforePublishIsDropped() throws {
        let driver = ServerDriver()
        try driver.performHandshake()
        try driver.send(connect([AMF0Property("app", "live")]))
        try driver.send(call("createStream", 2))
        try driver.send([videoMessage(streamID: 1, timestamp: 0)])
        #expect(driver.events.map(describe).last == "createStream 1")
    }

    @Test func connectTwiceIsProtocolError() throws {
        let driver = ServerDriver()
        try driver.performHandshake()
        try driver.send(connect([AMF0Property("app", "live")]))
        try driver.send(connect([AMF0Property("app", "live")], transactionID: 2))
        #expect(driver.server.isClosed)
        #expect(driver.server.closeReason == .protocolViolation(.invalidCommand("")))
    }
}
