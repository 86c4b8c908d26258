import AMF
import Bytes
import Testing

@testable import RTMP

@Suite struct AggregateMessageTests {
    /// An AAC frame at 0x010003E8 ms and an AVC frame 20 ms later, as a type-22 body.
    static let body: [UInt8] = [
        0x08,  // type 8, audio
        0x00, 0x00, 0x03,  // size 3
        0x00, 0x03, 0xE8,  // timestamp, lower 24 bits: 1000
        0x01,  // timestamp, upper 8 bits
        0x00, 0x00, 0x00,  // stream ID 0
        0xAF, 0x01, 0x21,  // data: AAC raw frame
        0x00, 0x00, 0x00, 0x0E,  // back pointer 11 + 3
        0x09,  // type 9, video
        0x00, 0x00, 0x04,  // size 4
        0x00, 0x03, 0xFC,  // timestamp, lower 24 bits: 1020
        0x01,  // timestamp, upper 8 bits
        0x00, 0x00, 0x00,  // stream ID 0
        0x27, 0x01, 0x00, 0x00,  // data: AVC inter frame header
        0x00, 0x00, 0x00, 0x0F,  // back pointer 11 + 4
    ]

    /// The offsets at which the body may end: after each sub-message's data or back pointer bytes.
    static let validLengths: Set<Int> = [14, 15, 16, 17, 18, 33, 34, 35, 36, 37]

    static func aggregate(_ payload: [UInt8], timestamp: UInt32 = 5_000) -> Message {
        Message(chunkStreamID: .video, typeID: .aggregate, streamID: MessageStreamID(1), timestamp: timestamp, payload: payload)
    }

    static let expectedParts = [
        Message(chunkStreamID: .video, typeID: .audio, streamID: MessageStreamID(1), timestamp: 5_000, payload: [0xAF, 0x01, 0x21]),
        Message(
            chunkStreamID: .video,
            typeID: .video,
            streamID: MessageStreamID(1),
            timestamp: 5_020,
            payload: [0x27, 0x01, 0x00, 0x00]
        ),
    ]

    @Test func splitGivesAbsoluteTimestamps() throws {
        let parts = try AggregateMessage.split(Self.aggregate(Self.body), maximumParts: 16)
        #expect(parts == Self.expectedParts)
    }

    @Test func payloadEncodesFixture() {
        var parts = Self.expectedParts
        parts[0].timestamp = 0x0100_03E8
        parts[1].timestamp = 0x0100_03FC
        #expect(AggregateMessage.payload(parts) == Self.body)
    }

    @Test func timestampsWrapAt32Bits() throws {
        let parts = try AggregateMessage.split(Self.aggregate(Self.body, timestamp: 0xFFFF_FFF0), maximumParts: 16)
        #expect(parts.map(\.timestamp) == [0xFFFF_FFF0, 0x0000_0004])
    }

    @Test func missingLastBackPointerIsAccepted() throws {
        let parts = try AggregateMessage.split(Self.aggregate(Array(Self.body.dropLast(4))), maximumParts: 16)
        #expect(parts == Self.expectedParts)
    }

    @Test func everyCutInsideASubMessageThrows() {
        for length in 1..<Self.body.count where !Self.validLengths.contains(length) {
            let message = Self.aggregate(Array(Self.body.prefix(length)))
            #expect(throws: RTMPProtocolError.invalidMessage(""), "length \(length)") {
                try AggregateMessage.split(message, maximumParts: 16)
            }
        }
    }

    @Test func nestedAggregateThrows() {
        var nested = Self.body
        nested[0] = 22  // type 22 inside an aggregate
        #expect(throws: RTMPProtocolError.invalidMessage("")) {
            try AggregateMessage.split(Self.aggregate(nested), maximumParts: 16)
        }
    }

    @Test func commandInsideAggregateThrows() {
        var command = Self.body
        command[0] = 20  // a command message is not media
        #expect(throws: RTMPProtocolError.invalidMessage("")) {
            try AggregateMessage.split(Self.aggregate(command), maximumParts: 16)
        }
    }

    @Test func partsBeyondLimitThrow() throws {
        #expect(throws: RTMPProtocolError.invalidMessage("")) {
            try AggregateMessage.split(Self.aggregate(Self.body), maximumParts: 1)
        }
        #expect(try AggregateMessage.split(Self.aggregate(Self.body), maximumParts: 2).count == 2)
    }

    @Test func serverReportsEachSubMessage() throws {
        let driver = ServerDriver()
        try driver.performHandshake()
        try driver.send([connect([AMF0Property("app", "live")]).message()])
        try driver.send(call("createStream", 2))
        try driver.send(call("publish", 0, "key", "live"), streamID: 1)
        try driver.send([Self.aggregate(Self.body)])

        let media = driver.events.compactMap { event -> Message? in
            if case .media(let message) = event { return message }
            return nil
        }
        #expect(media.map(\.typeID) == [.audio, .video])
        #expect(media.map(\.timestamp) == [5_000, 5_020])
        #expect(media.map(\.payload) == Self.expectedParts.map(\.payload))
    }

    @Test func serverClosesOnMalformedAggregate() throws {
        let driver = ServerDriver()
        try driver.performHandshake()
        try driver.send([connect([AMF0Property("app", "live")]).message()])
        try driver.send(call("createStream", 2))
        try driver.send(call("publish", 0, "key", "live"), streamID: 1)
        try driver.send([Self.aggregate(Array(Self.body.prefix(5)))])
        #expect(driver.server.closeReason == .protocolViolation(.invalidMessage("")))
    }
}
