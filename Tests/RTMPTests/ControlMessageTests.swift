import Bytes
import Testing

@testable import RTMP

/// One protocol control message: its whole chunk on chunk stream 2 and the typed value.
struct ControlFixture: CustomTestStringConvertible, Sendable {
    var name: String
    var bytes: [UInt8]
    var decode: @Sendable ([UInt8]) throws -> Bool
    var message: Message
    var testDescription: String { name }
}

/// The 12-byte type-0 header on chunk stream 2, message stream 0, timestamp 0.
func controlHeader(type: UInt8, length: UInt8) -> [UInt8] {
    [
        0x02,  // fmt 0, csid 2
        0x00, 0x00, 0x00,  // timestamp 0
        0x00, 0x00, length,  // length
        type,  // type ID
        0x00, 0x00, 0x00, 0x00,  // message stream 0
    ]
}

func fixture<Control: ProtocolControlMessage>(_ name: String, _ value: Control, _ body: [UInt8]) -> ControlFixture {
    ControlFixture(
        name: name,
        bytes: controlHeader(type: Control.typeID.rawValue, length: UInt8(body.count)) + body,
        decode: { payload in try Control(payload: payload) == value },
        message: value.message
    )
}

let controlFixtures: [ControlFixture] = [
    fixture("Set Chunk Size 4096", SetChunkSize(chunkSize: 4096), [0x00, 0x00, 0x10, 0x00]),
    fixture("Abort csid 6", Abort(chunkStreamID: ChunkStreamID(6)), [0x00, 0x00, 0x00, 0x06]),
    fixture("Acknowledgement 2500000", Acknowledgement(sequenceNumber: 2_500_000), [0x00, 0x26, 0x25, 0xA0]),
    fixture(
        "Window Acknowledgement Size 2500000",
        WindowAcknowledgementSize(windowSize: 2_500_000),
        [0x00, 0x26, 0x25, 0xA0]
    ),
    fixture(
        "Set Peer Bandwidth dynamic",
        SetPeerBandwidth(windowSize: 2_500_000, limitType: .dynamic),
        [0x00, 0x26, 0x25, 0xA0, 0x02]  // window, limit type 2
    ),
    fixture("Stream Begin 1", UserControl.streamBegin(MessageStreamID(1)), [0x00, 0x00, 0x00, 0x00, 0x00, 0x01]),
    fixture("Stream EOF 1", UserControl.streamEOF(MessageStreamID(1)), [0x00, 0x01, 0x00, 0x00, 0x00, 0x01]),
    fixture(
        "Set Buffer Length 1 3000 ms",
        UserControl.setBufferLength(MessageStreamID(1), milliseconds: 3000),
        [0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x0B, 0xB8]  // event 3, stream 1, 3000 ms
    ),
    fixture("Ping Request", UserControl.pingRequest(timestamp: 0x1234), [0x00, 0x06, 0x00, 0x00, 0x12, 0x34]),
    fixture("Ping Response", UserControl.pingResponse(timestamp: 0x1234), [0x00, 0x07, 0x00, 0x00, 0x12, 0x34]),
]

@Suite struct ControlMessageTests {
    @Test(arguments: controlFixtures)
    func fixtureDecodes(_ fixture: ControlFixture) throws {
        try DecoderVerifier.verify(fixture.bytes, decodesTo: [fixture.message])
        #expect(try fixture.decode(fixture.message.payload))
    }

    @Test(arguments: controlFixtures)
    func fixtureEncodes(_ fixture: ControlFixture) {
        var buffer = ByteBuffer()
        ChunkEncoder.encode(fixture.message, chunkSize: 128, into: &buffer)
        #expect(Array(buffer.readableBytesView) == fixture.bytes)
    }

    @Test func shortBodyIsRejected() {
        #expect(throws: RTMPProtocolError.invalidMessage("")) { try SetChunkSize(payload: [0, 0, 1]) }
        #expect(throws: RTMPProtocolError.invalidMessage("")) { try UserControl(payload: [0, 0, 0]) }
    }

    @Test func unknownUserControlEventIsKept() throws {
        let event = try UserControl(payload: [0x00, 0x1A, 0x00])  // SWF verification request
        #expect(event == .other(eventType: 0x1A, data: [0x00]))
        #expect(event.payload == [0x00, 0x1A, 0x00])
    }
}
