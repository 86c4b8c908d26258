import AMF
import Bytes
import Testing

@testable import RTMP

/// Commands that players and older clients send besides play: FCSubscribe,
/// receiveAudio/receiveVideo, pause, seek, _checkbw and unknown calls.
@Suite struct PlayControlTests {
    /// onBWDone with transaction ID 0 and a null command object, as a type-20 body.
    static let onBWDoneBody: [UInt8] = [
        0x02, 0x00, 0x08,  // string marker, length 8
        0x6F, 0x6E, 0x42, 0x57, 0x44, 0x6F, 0x6E, 0x65,  // "onBWDone"
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // number 0.0
        0x05,  // null command object
    ]

    /// Returns a driver whose client has connected and plays "cam" on message stream 1.
    static func playingDriver() throws -> ServerDriver {
        let driver = ServerDriver()
        try driver.performHandshake()
        try driver.send([connect([AMF0Property("app", "live")]).message()])
        try driver.send(call("createStream", 2))
        try driver.send(call("play", 0, "cam"), streamID: 1)
        return driver
    }

    /// Sends `command` on message stream `streamID` and returns every message sent back.
    static func sendMessages(_ driver: ServerDriver, _ command: Command, streamID: UInt32 = 1) throws -> [Message] {
        let chunkStream = streamID == 0 ? ChunkStreamID.command : ChunkStreamID(8)
        return try driver.send([command.message(chunkStreamID: chunkStream, streamID: MessageStreamID(streamID))])
    }

    static func lastEvent(_ driver: ServerDriver) -> ServerEvent? { driver.events.last }

    @Test func fcSubscribeAnswersPlayStart() throws {
        let driver = try Self.playingDriver()
        let replies = try driver.send(call("FCSubscribe", 3, "cam?token=1"))
        #expect(replies.map(\.name) == ["onFCSubscribe", "_result"])
        #expect(statusCode(replies[0]) == "NetStream.Play.Start")
        #expect(replies[0].arguments.first?["description"]?.stringValue == "cam")
        #expect(replies[1].transactionID == 3)
        guard case .fcSubscribe(let name) = Self.lastEvent(driver) else {
            Issue.record("expected fcSubscribe, got \(String(describing: Self.lastEvent(driver)))")
            return
        }
        #expect(name == "cam")
    }

    @Test func receiveVideoFalseIsReported() throws {
        let driver = try Self.playingDriver()
        let replies = try driver.send(call("receiveVideo", 0, false), streamID: 1)
        #expect(replies.isEmpty)
        guard case .receiveVideo(let streamID, let enabled) = Self.lastEvent(driver) else {
            Issue.record("expected receiveVideo, got \(String(describing: Self.lastEvent(driver)))")
            return
        }
        #expect(streamID == MessageStreamID(1))
        #expect(enabled == false)
    }

    @Test func receiveAudioTakesNumberFlag() throws {
        let driver = try Self.playingDriver()
        try driver.send(call("receiveAudio", 0, 0.0), streamID: 1)
        guard case .receiveAudio(_, let enabled) = Self.lastEvent(driver) else {
            Issue.record("expected receiveAudio, got \(String(describing: Self.lastEvent(driver)))")
            return
        }
        #expect(enabled == false)
        try driver.send(call("receiveAudio", 0, true), streamID: 1)
        guard case .receiveAudio(_, let enabledAgain) = Self.lastEvent(driver) else {
            Issue.record("expected receiveAudio")
            return
        }
        #expect(enabledAgain == true)
    }

    @Test func pauseAnswersNotifyAndStreamEOF() throws {
        let driver = try Self.playingDriver()
        let replies = try Self.sendMessages(driver, call("pause", 0, true, 1500.0))
        #expect(replies.map(\.typeID) == [.userControl, .commandAMF0])
        #expect(try UserControl(payload: replies[0].payload) == .streamEOF(MessageStreamID(1)))
        let status = try Command(message: replies[1])
        #expect(status.name == "onStatus")
        #expect(statusCode(status) == "NetStream.Pause.Notify")
        #expect(replies[1].streamID == MessageStreamID(1))
        guard case .pause(let streamID, let paused, let milliseconds) = Self.lastEvent(driver) else {
            Issue.record("expected pause, got \(String(describing: Self.lastEvent(driver)))")
            return
        }
        #expect(streamID == MessageStreamID(1))
        #expect(paused == true)
        #expect(milliseconds == 1500)
    }

    @Test func unpauseAnswersNotifyAndStreamBegin() throws {
        let driver = try Self.playingDriver()
        try Self.sendMessages(driver, call("pause", 0, true, 1500.0))
        let replies = try Self.sendMessages(driver, call("pause", 0, false, 1500.0))
        #expect(replies.map(\.typeID) == [.userControl, .commandAMF0])
        #expect(try UserControl(payload: replies[0].payload) == .streamBegin(MessageStreamID(1)))
        #expect(statusCode(try Command(message: replies[1])) == "NetStream.Unpause.Notify")
        guard case .pause(_, let paused, _) = Self.lastEvent(driver) else {
            Issue.record("expected pause, got \(String(describing: Self.lastEvent(driver)))")
            return
        }
        #expect(paused == false)
    }

    @Test func seekOnLiveAnswersSeekNotify() throws {
        let driver = try Self.playingDriver()
        let replies = try driver.send(call("seek", 0, 3000.0), streamID: 1)
        #expect(replies.map(statusCode) == ["NetStream.Seek.Notify"])
        #expect(replies.first?.arguments.first?["level"]?.stringValue == "status")
        guard case .seek(let streamID, let milliseconds) = Self.lastEvent(driver) else {
            Issue.record("expected seek, got \(String(describing: Self.lastEvent(driver)))")
            return
        }
        #expect(streamID == MessageStreamID(1))
        #expect(milliseconds == 3000)
    }

    @Test func pauseOnIdleStreamIsIgnored() throws {
        let driver = ServerDriver()
        try driver.performHandshake()
        try driver.send([connect([AMF0Property("app", "live")]).message()])
        try driver.send(call("createStream", 2))
        let eventCount = driver.events.count
        let replies = try Self.sendMessages(driver, call("pause", 0, true, 0.0))
        #expect(replies.isEmpty)
        #expect(driver.events.count == eventCount)
    }

    @Test func checkBandwidthAnswersResultAndOnBWDone() throws {
        let driver = try Self.playingDriver()
        let replies = try Self.sendMessages(driver, call("_checkbw", 4), streamID: 0)
        #expect(replies.count == 2)
        let result = try Command(message: replies[0])
        #expect(result.name == "_result")
        #expect(result.transactionID == 4)
        #expect(replies[1].payload == Self.onBWDoneBody)
    }

    @Test func onBWDoneFixtureDecodes() throws {
        let message = Message(
            chunkStreamID: .command,
            typeID: .commandAMF0,
            streamID: .connection,
            timestamp: 0,
            payload: Self.onBWDoneBody
        )
        #expect(try Command(message: message) == Command(name: "onBWDone", transactionID: 0))
        #expect(Command(name: "onBWDone", transactionID: 0).payload == Self.onBWDoneBody)
    }

    @Test func unknownCallWithTransactionFails() throws {
        let driver = try Self.playingDriver()
        let replies = try driver.send(call("getServerTime", 5))
        #expect(replies.map(\.name) == ["_error"])
        #expect(replies.first?.transactionID == 5)
        #expect(statusCode(replies[0]) == "NetConnection.Call.Failed")
    }

    @Test func unknownCallWithoutTransactionIsSilent() throws {
        let driver = try Self.playingDriver()
        let replies = try driver.send(call("getServerTime", 0))
        #expect(replies.isEmpty)
    }

    @Test func amf3PauseIsDecoded() throws {
        let driver = try Self.playingDriver()
        var message = call("pause", 0, true, 10.0).message(chunkStreamID: ChunkStreamID(8), streamID: MessageStreamID(1))
        message.typeID = .commandAMF3
        message.payload = [0x00] + message.payload  // AMF3 format byte 0, then AMF0
        let replies = try driver.send([message])
        #expect(replies.map(\.typeID) == [.userControl, .commandAMF0])
        guard case .pause(_, true, 10) = Self.lastEvent(driver) else {
            Issue.record("expected pause, got \(String(describing: Self.lastEvent(driver)))")
            return
        }
    }
}
