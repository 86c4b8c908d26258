import AMF
import Bytes
import Testing

@testable import RTMP

/// Command sequences as real encoders and players send them, replayed against
/// a `ServerSession` that accepts everything.
@Suite struct ServerSessionFlowTests {
    @Test func obsPublish() throws {
        // OBS announces its chunk size before connect and waits for each _result.
        let driver = ServerDriver(digestScheme: .scheme1)
        try driver.performHandshake(pieceSize: 97)
        guard case .handshakeCompleted(digest: true) = driver.events.first else {
            Issue.record("expected a digest handshake, got \(driver.events)")
            return
        }

        let connectReplies = try driver.send([
            SetChunkSize(chunkSize: 4096).message,
            connect([
                AMF0Property("app", "live"),
                AMF0Property("type", "nonprivate"),
                AMF0Property("flashVer", "FMLE/3.0 (compatible; FMSc/1.0)"),
                AMF0Property("swfUrl", "rtmp://127.0.0.1/live"),
                AMF0Property("tcUrl", "rtmp://127.0.0.1/live"),
            ]).message(),
        ])
        #expect(connectReplies.map(\.typeID) == [.windowAcknowledgementSize, .setPeerBandwidth, .setChunkSize, .commandAMF0])
        let result = try Command(message: connectReplies[3])
        #expect(result.name == "_result")
        #expect(result.transactionID == 1)
        #expect(result.commandObject["fmsVer"]?.stringValue == "FMS/3,5,7,7009")
        #expect(statusCode(result) == "NetConnection.Connect.Success")
        #expect(result.arguments.first?["objectEncoding"] == .number(0))
        #expect(driver.server.outgoingChunkSize == 4096)

        let release = try driver.send(call("releaseStream", 2, "key?token=1"))
        #expect(release.map(\.name) == ["_result"])
        let fcPublish = try driver.send(call("FCPublish", 3, "key?token=1"))
        #expect(fcPublish.map(\.name) == ["onFCPublish", "_result"])
        #expect(fcPublish.first?.arguments.first?["description"]?.stringValue == "key")
        let created = try driver.send(call("createStream", 4))
        #expect(created.first?.name == "_result")
        #expect(created.first?.arguments.first == .number(1))

        let publish = try driver.send(call("publish", 5, "key?token=1", "live"), streamID: 1)
        #expect(publish.map(statusCode) == ["NetStream.Publish.Start"])
        let replies = try driver.send([setDataFrame(streamID: 1), videoMessage(streamID: 1, timestamp: 0)])
        #expect(replies.isEmpty)

        try driver.send(call("FCUnpublish", 6, "key"))
        try driver.send(call("deleteStream", 7, 1.0))

        let summary = driver.events.map(describe)
        #expect(summary == [
            "handshake digest", "connect live", "releaseStream key", "fcPublish key", "createStream 1",
            "publish key token=1 live", "media 18", "media 9", "fcUnpublish key", "deleteStream 1",
        ])
    }

    @Test func ffmpegPlayWithDigestHandshake() throws {
        let driver = ServerDriver(digestScheme: .scheme0)
        try driver.performHandshake()
        try driver.send([
            connect([
                AMF0Property("app", "live/"),
                AMF0Property("flashVer", "LNX 9,0,124,2"),
                AMF0Property("tcUrl", "rtmp://127.0.0.1:1935/live/"),
                AMF0Property("fpad", false),
                AMF0Property("capabilities", 15),
                AMF0Property("audioCodecs", 4071),
                AMF0Property("videoCodecs", 252),
                AMF0Property("videoFunction", 1),
                AMF0Property("objectEncoding", 3),
            ]).message()
        ])
        try driver.send([WindowAcknowledgementSize(windowSize: 2_500_000).message])
        let created = try driver.send(call("createStream", 2))
        #expect(created.first?.arguments.first == .number(1))
        let length = try driver.send(call("getStreamLength", 3, "cam"), streamID: 1)
        #expect(length.first?.name == "_result")
        #expect(length.first?.arguments.first == .number(0))

        let play = try driver.send(
            [
                call("play", 4, "cam", -2000).message(chunkStreamID: ChunkStreamID(8), streamID: MessageStreamID(1)),
                UserControl.setBufferLength(MessageStreamID(1), milliseconds: 3000).message,
            ]
        )
        #expect(play.first.map { try? UserControl(payload: $0.payload) } == .streamBegin(MessageStreamID(1)))
        let commands = play.filter { $0.typeID == .commandAMF0 }.compactMap { try? Command(message: $0) }
        #expect(commands.map(statusCode) == ["NetStream.Play.Reset", "NetStream.Play.Start"])
        #expect(commands.allSatisfy { $0.name == "onStatus" })
        let data = play.filter { $0.typeID == .dataAMF0 }.compactMap { try? DataMessage(message: $0) }
        #expect(data.map(\.name) == ["|RtmpSampleAccess", "onStatus"])
        #expect(play.filter { $0.typeID != .userControl }.allSatisfy { $0.streamID == MessageStreamID(1) })
        #expect(play.filter { $0.typeID != .userControl }.allSatisfy { $0.chunkStreamID == .stream })

        guard case .connect(let request) = driver.events[1] else {
            Issue.record("expected connect, got \(driver.events)")
            return
        }
        #expect(request.app == "live")
        #expect(request.objectEncoding == 3)
        guard case .play(let playRequest) = driver.events.last else {
            Issue.record("expected play, got \(driver.events)")
            return
        }
        #expect(playRequest.streamName == "cam")
        #expect(playRequest.start == -2000)
        #expect(playRequest.reset)
    }

    @Test func ffmpegConnectResultEchoesObjectEncoding() throws {
        let driver = ServerDriver()
        try driver.performHandshake()
        let replies = try driver.send(connect([AMF0Property("app", "live"), AMF0Property("objectEncoding", 3)]))
        #expect(replies.first?.arguments.first?["objectEncoding"] == .number(3))
    }

    @Test func gstreamerPublishWithTransactionZero() throws {
        let driver = ServerDriver()
        try driver.performHandshake()
        try driver.send(connect([AMF0Property("app", "live"), AMF0Property("tcUrl", "rtmp://127.0.0.1/live")]))
        #expect(try driver.send(call("releaseStream", 0, "cam")).isEmpty)
        #expect(try driver.send(call("FCPublish", 0, "cam")).map(\.name) == ["onFCPublish"])
        let created = try driver.send(call("createStream", 2))
        #expect(created.first?.arguments.first == .number(1))
        let publish = try driver.send(call("publish", 0, "cam", "live"), streamID: 1)
        #expect(publish.map(statusCode) == ["NetStream.Publish.Start"])
        try driver.send([videoMessage(streamID: 1, timestamp: 40)])
        try driver.send(call("FCUnpublish", 0, "cam"))
        try driver.send(call("deleteStream", 0, "cam"))  // GStreamer names the stream here
        #expect(driver.events.map(describe).suffix(3) == ["media 9", "fcUnpublish cam", "deleteStream 1"])
    }

    @Test func librtmpPlayAtDefaultChunkSize() throws {
        let driver = ServerDriver()
        try driver.performHandshake(pieceSize: 1)
        try driver.send(connect([
            AMF0Property("app", "live"),
            AMF0Property("flashVer", "LNX 10,0,32,18"),
            AMF0Property("tcUrl", "rtmp://127.0.0.1:1935/live"),
            AMF0Property("fpad", false),
            AMF0Property("capabilities", 15),
            AMF0Property("audioCodecs", 3191),
            AMF0Property("videoCodecs", 252),
            AMF0Property("videoFunction", 1),
        ]))
        try driver.send([
            WindowAcknowledgementSize(windowSize: 2_500_000).message,
            UserControl.setBufferLength(.connection, milliseconds: 300).message,
            call("createStream", 2).message(),
        ])
        // librtmp never sends Set Chunk Size, so every command stays within 128-byte chunks.
        let play = try driver.send(
            [
                call("play", 3, "cam?token=2").message(chunkStreamID: ChunkStreamID(8), streamID: MessageStreamID(1)),
                UserControl.setBufferLength(MessageStreamID(1), milliseconds: 36_000_000).message,
            ],
            split: 5
        )
        #expect(play.contains { $0.typeID == .commandAMF0 })
        guard case .play(let request) = driver.events.last else {
            Issue.record("expected play, got \(driver.events)")
            return
        }
        #expect(request.streamName == "cam")
        #expect(request.query == "token=2")
        #expect(request.start == -2)
        #expect(request.duration == -1)
    }

    @Test func unknownCommandGetsErrorOnlyWithTransactionID() throws {
        let driver = ServerDriver()
        try driver.performHandshake()
        try driver.send(connect([AMF0Property("app", "live")]))
        let replies = try driver.send(call("getServerTime", 5))
        #expect(replies.map(\.name) == ["_error"])
        #expect(replies.first?.transactionID == 5)
        #expect(statusCode(replies[0]) == "NetConnection.Call.Failed")
        #expect(try driver.send(call("receiveVideo", 0, true)).isEmpty)
    }

    @Test func rejectedConnectClosesSession() throws {
        let driver = ServerDriver()
        driver.policy = { event, server in
            if case .connect = event { server.rejectConnect(description: "unknown app") }
        }
        try driver.performHandshake()
        let replies = try driver.send(connect([AMF0Property("app", "nope")]))
        #expect(replies.map(\.name) == ["_error"])
        #expect(statusCode(replies[0]) == "NetConnection.Connect.Rejected")
        #expect(driver.server.isClosed)
        #expect(driver.server.closeReason == .connectRejected(""))
    }

    @Test func rejectedPublishSendsErrorStatus() throws {
        let driver = ServerDriver()
        driver.policy = { event, server in
            switch event {
            case .connect: server.acceptConnect()
            case .publish(let request):
                server.rejectPublish(request, code: "NetStream.Publish.BadName", description: "bad key")
            default: break
            }
        }
        try driver.performHandshake()
        try driver.send(connect([AMF0Property("app", "live")]))
        try driver.send(call("createStream", 2))
        let replies = try driver.send(call("publish", 3, "wrong", "live"), streamID: 1)
        #expect(replies.map(statusCode) == ["NetStream.Publish.BadName"])
        #expect(replies.first?.arguments.first?["level"]?.stringValue == "error")
        try driver.send([videoMessage(streamID: 1, timestamp: 0)])
        #expect(!driver.events.contains { if case .media = $0 { return true } else { return false } })
    }

    @Test func pingRequestIsAnswered() throws {
        let driver = ServerDriver()
        try driver.performHandshake()
        let replies = try driver.send([UserControl.pingRequest(timestamp: 77).message])
        #expect(replies.map { try? UserControl(payload: $0.payload) } == [.pingResponse(timestamp: 77)])
    }

    @Test func acknowledgementFollowsThePeerWindow() throws {
        var configuration = ServerSession.Configuration()
        configuration.limits.minimumAcknowledgementWindow = 1
        let driver = ServerDriver(configuration: configuration)
        try driver.performHandshake()
        try driver.send(connect([AMF0Property("app", "live")]))
        try driver.send(call("createStream", 2))
        try driver.send(call("publish", 3, "cam", "live"), streamID: 1)
        // A window of 1000 bytes: the next 2000-byte message crosses it twice,
        // but one Acknowledgement is sent per receive call.
        try driver.send([WindowAcknowledgementSize(windowSize: 1000).message])
        let replies = try driver.send([videoMessage(streamID: 1, timestamp: 0, size: 2000)])
        let acknowledgements = replies.filter { $0.typeID == .acknowledgement }
        #expect(acknowledgements.count == 1)
        let received = driver.server.channel.bytesReceived
        #expect(try acknowledgements.map { try Acknowledgement(payload: $0.payload).sequenceNumber } == [UInt32(received)])
    }

    @Test func badVersionBecomesProtocolErrorEvent() {
        let server = ServerSession(configuration: .init(), crypto: FixedCrypto())
        server.receive([0x06], now: 0)
        guard case .protocolError(let error) = server.nextEvent() else {
            Issue.record("expected a protocol error")
            return
        }
        #expect(error == .unsupportedVersion(6))
        #expect(server.isClosed)
        #expect(server.nextEvent() == nil)
    }

    @Test func handshakeTimesOut() {
        let server = ServerSession(configuration: .init(), crypto: FixedCrypto(), now: 500)
        #expect(server.pollTimeout() == 10_500)
        server.handleTimeout(now: 10_499)
        #expect(!server.isClosed)
        server.handleTimeout(now: 10_500)
        #expect(server.closeReason == .timedOut(""))
    }
}

/// A short text for an event, so that a whole flow compares in one line.
func describe(_ event: ServerEvent) -> String {
    switch event {
    case .handshakeCompleted(let digest): return digest ? "handshake digest" : "handshake simple"
    case .connect(let request): return "connect \(request.app)"
    case .createStream(let id): return "createStream \(id.rawValue)"
    case .publish(let request):
        return "publish \(request.streamName) \(request.query ?? "-") \(request.publishType)"
    case .play(let request): return "play \(request.streamName)"
    case .fcPublish(let name): return "fcPublish \(name)"
    case .fcUnpublish(let name): return "fcUnpublish \(name)"
    case .releaseStream(let name): return "releaseStream \(name)"
    case .deleteStream(let id): return "deleteStream \(id.rawValue)"
    case .fcSubscribe(let name): return "fcSubscribe \(name)"
    case .receiveAudio(let id, let enabled): return "receiveAudio \(id.rawValue) \(enabled)"
    case .receiveVideo(let id, let enabled): return "receiveVideo \(id.rawValue) \(enabled)"
    case .pause(let id, let paused, let milliseconds): return "pause \(id.rawValue) \(paused) \(milliseconds)"
    case .seek(let id, let milliseconds): return "seek \(id.rawValue) \(milliseconds)"
    case .media(let message): return "media \(message.typeID.rawValue)"
    case .protocolError(let error): return "protocolError \(error)"
    }
}

/// A Flash-era client with `objectEncoding` 3 sends its commands as type 17 messages and
/// its command object as an AMF3 value behind the AMF0 avmplus marker.
@Suite struct AMF3ConnectTests {
    @Test func amf3ConnectIsUnderstoodAndEchoed() throws {
        let driver = ServerDriver()
        try driver.performHandshake()
        let commandObject = AMF0Value.avmPlus(.object(AMF3Object(
            traits: .anonymous, sealedValues: [],
            dynamicMembers: [
                AMF3Property("app", "live"),
                AMF3Property("tcUrl", "rtmp://127.0.0.1/live"),
                AMF3Property("objectEncoding", 3),
            ]
        )))
        var message = Command(name: "connect", transactionID: 1, commandObject: commandObject).message()
        message.typeID = .commandAMF3
        message.payload = [0x00] + message.payload  // the AMF3 command format byte, then AMF0 values

        let replies = try driver.send([message])
        let results = replies.filter { $0.typeID == .commandAMF0 }.compactMap { try? Command(message: $0) }
        #expect(results.first?.name == "_result")
        #expect(results.first?.arguments.first?["objectEncoding"] == .number(3))
        guard case .connect(let request) = driver.events.first(where: {
            if case .connect = $0 { return true }
            return false
        }) else {
            Issue.record("expected connect, got \(driver.events)")
            return
        }
        #expect(request.app == "live")
        #expect(request.tcUrl == "rtmp://127.0.0.1/live")
        #expect(request.objectEncoding == 3)
    }
}
