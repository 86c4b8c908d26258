import Bytes
import Testing

@testable import RTMP

/// One chunk-layer case: the bytes on the wire and the messages they carry,
/// checked both ways with a chunk size of 128.
struct ChunkFixture: CustomTestStringConvertible, Sendable {
    var name: String
    var bytes: [UInt8]
    var messages: [Message]
    var testDescription: String { name }
}

/// Returns `count` payload bytes 0, 1, 2, ... so that chunk boundaries are visible.
func countingPayload(_ count: Int) -> [UInt8] {
    (0..<count).map { UInt8(truncatingIfNeeded: $0) }
}

func message(
    _ csid: UInt32,
    type: UInt8,
    stream: UInt32,
    timestamp: UInt32,
    _ payload: [UInt8]
) -> Message {
    Message(
        chunkStreamID: ChunkStreamID(csid),
        typeID: MessageTypeID(type),
        streamID: MessageStreamID(stream),
        timestamp: timestamp,
        payload: payload
    )
}

let chunkFixtures: [ChunkFixture] = [
    ChunkFixture(
        name: "type 0, 1-byte basic header",
        bytes: [
            0x03,  // fmt 0, csid 3
            0x00, 0x00, 0x0A,  // timestamp 10
            0x00, 0x00, 0x03,  // length 3
            0x14,  // type 20, command AMF0
            0x00, 0x00, 0x00, 0x00,  // message stream 0
            0xAA, 0xBB, 0xCC,  // payload
        ],
        messages: [message(3, type: 20, stream: 0, timestamp: 10, [0xAA, 0xBB, 0xCC])]
    ),
    ChunkFixture(
        name: "message stream ID is little-endian",
        bytes: [
            0x04,  // fmt 0, csid 4
            0x00, 0x00, 0x00,  // timestamp 0
            0x00, 0x00, 0x01,  // length 1
            0x08,  // type 8, audio
            0x04, 0x03, 0x02, 0x01,  // message stream 0x01020304, least significant byte first
            0x7F,  // payload
        ],
        messages: [message(4, type: 8, stream: 0x0102_0304, timestamp: 0, [0x7F])]
    ),
    ChunkFixture(
        name: "2-byte basic header, csid 64",
        bytes: [
            0x00, 0x00,  // fmt 0, csid 0 marker, csid 64 + 0
            0x00, 0x00, 0x01,  // timestamp 1
            0x00, 0x00, 0x01,  // length 1
            0x09,  // type 9, video
            0x01, 0x00, 0x00, 0x00,  // message stream 1
            0x17,  // payload
        ],
        messages: [message(64, type: 9, stream: 1, timestamp: 1, [0x17])]
    ),
    ChunkFixture(
        name: "2-byte basic header, csid 319",
        bytes: [
            0x00, 0xFF,  // fmt 0, csid 0 marker, csid 64 + 255
            0x00, 0x00, 0x02,  // timestamp 2
            0x00, 0x00, 0x01,  // length 1
            0x09,  // type 9, video
            0x01, 0x00, 0x00, 0x00,  // message stream 1
            0x27,  // payload
        ],
        messages: [message(319, type: 9, stream: 1, timestamp: 2, [0x27])]
    ),
    ChunkFixture(
        name: "3-byte basic header, csid 320",
        bytes: [
            0x01, 0x00, 0x01,  // fmt 0, csid 1 marker, 64 + 0x0100 (low byte first)
            0x00, 0x00, 0x03,  // timestamp 3
            0x00, 0x00, 0x01,  // length 1
            0x08,  // type 8, audio
            0x01, 0x00, 0x00, 0x00,  // message stream 1
            0xAF,  // payload
        ],
        messages: [message(320, type: 8, stream: 1, timestamp: 3, [0xAF])]
    ),
    ChunkFixture(
        name: "3-byte basic header, csid 65599",
        bytes: [
            0x01, 0xFF, 0xFF,  // fmt 0, csid 1 marker, 64 + 0xFFFF
            0x00, 0x00, 0x04,  // timestamp 4
            0x00, 0x00, 0x01,  // length 1
            0x08,  // type 8, audio
            0x01, 0x00, 0x00, 0x00,  // message stream 1
            0xAF,  // payload
        ],
        messages: [message(65_599, type: 8, stream: 1, timestamp: 4, [0xAF])]
    ),
    ChunkFixture(
        name: "message split into a type-0 and a type-3 chunk",
        bytes: [
            0x06,  // fmt 0, csid 6
            0x00, 0x03, 0xE8,  // timestamp 1000
            0x00, 0x00, 0xC8,  // length 200
            0x09,  // type 9, video
            0x01, 0x00, 0x00, 0x00,  // message stream 1
        ] + countingPayload(200).prefix(128) + [
            0xC6,  // fmt 3, csid 6: continuation
        ] + countingPayload(200).suffix(72),
        messages: [message(6, type: 9, stream: 1, timestamp: 1000, countingPayload(200))]
    ),
    ChunkFixture(
        name: "types 0, 2, 3 and 1 with timestamp deltas",
        bytes: [
            0x06,  // fmt 0, csid 6
            0x00, 0x03, 0xE8,  // timestamp 1000
            0x00, 0x00, 0x02,  // length 2
            0x08,  // type 8, audio
            0x01, 0x00, 0x00, 0x00,  // message stream 1
            0xAF, 0x01,  // payload
            0x86,  // fmt 2, csid 6
            0x00, 0x00, 0x21,  // delta 33: timestamp 1033
            0xAF, 0x02,  // payload
            0xC6,  // fmt 3, csid 6: a new message with the same delta, timestamp 1066
            0xAF, 0x03,  // payload
            0x46,  // fmt 1, csid 6
            0x00, 0x00, 0x0A,  // delta 10: timestamp 1076
            0x00, 0x00, 0x01,  // length 1
            0x08,  // type 8, audio
            0xAF,  // payload
        ],
        messages: [
            message(6, type: 8, stream: 1, timestamp: 1000, [0xAF, 0x01]),
            message(6, type: 8, stream: 1, timestamp: 1033, [0xAF, 0x02]),
            message(6, type: 8, stream: 1, timestamp: 1066, [0xAF, 0x03]),
            message(6, type: 8, stream: 1, timestamp: 1076, [0xAF]),
        ]
    ),
    ChunkFixture(
        name: "extended timestamp repeated on the continuation chunk",
        bytes: [
            0x07,  // fmt 0, csid 7
            0xFF, 0xFF, 0xFF,  // timestamp marker: extended timestamp follows
            0x00, 0x00, 0x82,  // length 130
            0x09,  // type 9, video
            0x01, 0x00, 0x00, 0x00,  // message stream 1
            0x01, 0x00, 0x00, 0x00,  // extended timestamp 0x01000000
        ] + countingPayload(130).prefix(128) + [
            0xC7,  // fmt 3, csid 7: continuation
            0x01, 0x00, 0x00, 0x00,  // extended timestamp repeated
        ] + countingPayload(130).suffix(2),
        messages: [message(7, type: 9, stream: 1, timestamp: 0x0100_0000, countingPayload(130))]
    ),
    ChunkFixture(
        name: "extended delta on type 2, repeated by a new type-3 message",
        bytes: [
            0x06,  // fmt 0, csid 6
            0x00, 0x00, 0x00,  // timestamp 0
            0x00, 0x00, 0x01,  // length 1
            0x08,  // type 8, audio
            0x01, 0x00, 0x00, 0x00,  // message stream 1
            0x01,  // payload
            0x86,  // fmt 2, csid 6
            0xFF, 0xFF, 0xFF,  // delta marker: extended delta follows
            0x01, 0x00, 0x00, 0x00,  // extended delta 0x01000000
            0x02,  // payload
            0xC6,  // fmt 3, csid 6: a new message with the same delta
            0x01, 0x00, 0x00, 0x00,  // extended delta repeated
            0x03,  // payload
        ],
        messages: [
            message(6, type: 8, stream: 1, timestamp: 0, [0x01]),
            message(6, type: 8, stream: 1, timestamp: 0x0100_0000, [0x02]),
            message(6, type: 8, stream: 1, timestamp: 0x0200_0000, [0x03]),
        ]
    ),
    ChunkFixture(
        name: "empty message",
        bytes: [
            0x05,  // fmt 0, csid 5
            0x00, 0x00, 0x00,  // timestamp 0
            0x00, 0x00, 0x00,  // length 0
            0x12,  // type 18, data AMF0
            0x01, 0x00, 0x00, 0x00,  // message stream 1
        ],
        messages: [message(5, type: 18, stream: 1, timestamp: 0, [])]
    ),
]

@Suite struct ChunkFixtureTests {
    @Test(arguments: chunkFixtures)
    func fixtureDecodes(_ fixture: ChunkFixture) throws {
        try DecoderVerifier.verify(fixture.bytes, decodesTo: fixture.messages)
    }

    @Test(arguments: chunkFixtures)
    func fixtureEncodes(_ fixture: ChunkFixture) {
        var writer = ChunkWriter()
        var buffer = ByteBuffer()
        for message in fixture.messages {
            writer.write(message, into: &buffer)
        }
        #expect(Array(buffer.readableBytesView) == fixture.bytes)
    }

    @Test func fastPathUsesTypeZeroAndTypeThree() {
        let video = message(7, type: 9, stream: 1, timestamp: 0x0100_0000, countingPayload(130))
        var buffer = ByteBuffer()
        ChunkEncoder.encode(video, chunkSize: 128, into: &buffer)
        let extendedFixture = chunkFixtures.first { $0.name.hasPrefix("extended timestamp repeated") }!
        #expect(Array(buffer.readableBytesView) == extendedFixture.bytes)
    }

    @Test func fastPathNeverCompresses() {
        // Two equal messages: the session writer would send the second with a
        // type-3 header, the fast path sends type 0 again.
        let first = message(6, type: 8, stream: 1, timestamp: 0, [0xAF])
        var buffer = ByteBuffer()
        ChunkEncoder.encode(first, chunkSize: 128, into: &buffer)
        ChunkEncoder.encode(first, chunkSize: 128, into: &buffer)
        let bytes = Array(buffer.readableBytesView)
        #expect(bytes.count == 26)
        #expect(bytes[13] == 0x06)  // fmt 0, csid 6
    }

    @Test func continuationWithoutExtendedTimestampIsTolerated() throws {
        // Some encoders leave the extended timestamp off continuation chunks;
        // the decoder checks that the next bytes are not the stored value.
        let bytes: [UInt8] = [
            0x07,  // fmt 0, csid 7
            0xFF, 0xFF, 0xFF,  // timestamp marker
            0x00, 0x00, 0x82,  // length 130
            0x09,  // type 9, video
            0x01, 0x00, 0x00, 0x00,  // message stream 1
            0x01, 0x00, 0x00, 0x00,  // extended timestamp 0x01000000
        ] + countingPayload(130).prefix(128) + [
            0xC7,  // fmt 3, csid 7: continuation without the extended timestamp
        ] + countingPayload(130).suffix(2)
        let expected = [message(7, type: 9, stream: 1, timestamp: 0x0100_0000, countingPayload(130))]
        try DecoderVerifier.verify(bytes, decodesTo: expected)
    }

    @Test func timestampWrapsAt32Bits() throws {
        let bytes: [UInt8] = [
            0x06,  // fmt 0, csid 6
            0xFF, 0xFF, 0xFF,  // timestamp marker
            0x00, 0x00, 0x01,  // length 1
            0x08,  // type 8, audio
            0x01, 0x00, 0x00, 0x00,  // message stream 1
            0xFF, 0xFF, 0xFF, 0xF0,  // extended timestamp 0xFFFFFFF0
            0x01,  // payload
            0x86,  // fmt 2, csid 6
            0x00, 0x00, 0x20,  // delta 32: wraps to 0x10
            0x02,  // payload
        ]
        let expected = [
            message(6, type: 8, stream: 1, timestamp: 0xFFFF_FFF0, [0x01]),
            message(6, type: 8, stream: 1, timestamp: 0x10, [0x02]),
        ]
        try DecoderVerifier.verify(bytes, decodesTo: expected)
    }

    @Test func setChunkSizeAppliesToTheNextChunk() throws {
        let bytes: [UInt8] = [
            0x02,  // fmt 0, csid 2
            0x00, 0x00, 0x00,  // timestamp 0
            0x00, 0x00, 0x04,  // length 4
            0x01,  // type 1, Set Chunk Size
            0x00, 0x00, 0x00, 0x00,  // message stream 0
            0x00, 0x00, 0x01, 0x00,  // chunk size 256
            0x06,  // fmt 0, csid 6
            0x00, 0x00, 0x00,  // timestamp 0
            0x00, 0x00, 0xC8,  // length 200, one chunk at size 256
            0x09,  // type 9, video
            0x01, 0x00, 0x00, 0x00,  // message stream 1
        ] + countingPayload(200)
        let expected = [
            SetChunkSize(chunkSize: 256).message,
            message(6, type: 9, stream: 1, timestamp: 0, countingPayload(200)),
        ]
        try DecoderVerifier.verify(bytes, decodesTo: expected)
    }

    @Test func abortDropsThePartialMessage() throws {
        let bytes: [UInt8] = [
            0x06,  // fmt 0, csid 6
            0x00, 0x00, 0x00,  // timestamp 0
            0x00, 0x00, 0xC8,  // length 200
            0x09,  // type 9, video
            0x01, 0x00, 0x00, 0x00,  // message stream 1
        ] + countingPayload(128) + [
            0x02,  // fmt 0, csid 2
            0x00, 0x00, 0x00,  // timestamp 0
            0x00, 0x00, 0x04,  // length 4
            0x02,  // type 2, Abort
            0x00, 0x00, 0x00, 0x00,  // message stream 0
            0x00, 0x00, 0x00, 0x06,  // chunk stream 6
            0xC6,  // fmt 3, csid 6: starts a new 200-byte message after the abort
        ] + countingPayload(128)
        try DecoderVerifier.verify(bytes, decodesTo: [Abort(chunkStreamID: ChunkStreamID(6)).message])
    }

    @Test func chunkSizeAboveTheLimitIsRejected() {
        var decoder = ChunkDecoder()
        var buffer = ByteBuffer()
        ChunkEncoder.encode(SetChunkSize(chunkSize: 1 << 20).message, chunkSize: 128, into: &buffer)
        #expect(throws: RTMPProtocolError.invalidChunkSize(0, maximum: 0)) { try decoder.decode(from: &buffer) }
    }

    @Test func chunkSizeZeroIsRejected() {
        var decoder = ChunkDecoder()
        var buffer = ByteBuffer()
        ChunkEncoder.encode(SetChunkSize(chunkSize: 0).message, chunkSize: 128, into: &buffer)
        #expect(throws: RTMPProtocolError.invalidChunkSize(0, maximum: 0)) { try decoder.decode(from: &buffer) }
    }

    @Test func messageAboveTheLimitIsRejectedBeforeItsPayload() {
        var limits = Limits()
        limits.maximumMessageSize = 1000
        var decoder = ChunkDecoder(limits: limits)
        var buffer = ByteBuffer(bytes: [
            0x06,  // fmt 0, csid 6
            0x00, 0x00, 0x00,  // timestamp 0
            0x00, 0x03, 0xE9,  // length 1001
            0x09,  // type 9, video
            0x01, 0x00, 0x00, 0x00,  // message stream 1
        ])
        #expect(throws: RTMPProtocolError.messageTooLarge(0, maximum: 0)) { try decoder.decode(from: &buffer) }
    }

    @Test func chunkStreamsAboveTheLimitAreRejected() throws {
        var limits = Limits()
        limits.maximumChunkStreams = 2
        var decoder = ChunkDecoder(limits: limits)
        var buffer = ByteBuffer()
        for csid: UInt32 in [3, 4, 5] {
            ChunkEncoder.encode(message(csid, type: 8, stream: 1, timestamp: 0, [1]), chunkSize: 128, into: &buffer)
        }
        #expect(try decoder.decode(from: &buffer) != nil)
        #expect(try decoder.decode(from: &buffer) != nil)
        #expect(throws: RTMPProtocolError.tooManyChunkStreams(0)) { try decoder.decode(from: &buffer) }
    }

    @Test func compressedHeaderOnNewChunkStreamIsRejected() {
        var decoder = ChunkDecoder()
        var buffer = ByteBuffer(bytes: [
            0x86,  // fmt 2, csid 6, which has no type-0 header yet
            0x00, 0x00, 0x21,  // delta 33
        ])
        #expect(throws: RTMPProtocolError.invalidChunkHeader("")) { try decoder.decode(from: &buffer) }
    }

    @Test func writerLeavesUncompressedChunkStreamsAtTypeZero() {
        var writer = ChunkWriter(compressedChunkStreams: [ChunkStreamID.command])
        var buffer = ByteBuffer()
        let audio = message(6, type: 8, stream: 1, timestamp: 0, [0xAF])
        writer.write(audio, into: &buffer)
        writer.write(audio, into: &buffer)
        #expect(Array(buffer.readableBytesView) == [
            0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x01, 0x00, 0x00, 0x00, 0xAF,  // type 0
            0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x01, 0x00, 0x00, 0x00, 0xAF,  // type 0 again
        ])
    }
}
