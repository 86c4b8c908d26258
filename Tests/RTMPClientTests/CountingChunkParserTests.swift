import Testing

@testable import RTMPClient

/// Byte fixtures for the load generator's counting chunk parser.
@Suite struct CountingChunkParserTests {
    typealias Parsed = CountingChunkParser.ParsedMessage

    /// Parses `bytes` whole, or one byte at a time, and returns every message.
    func parse(_ bytes: [UInt8], byteByByte: Bool = false) throws -> ([Parsed], CountingChunkParser) {
        var parser = CountingChunkParser()
        var messages: [Parsed] = []
        let pieces = byteByByte ? bytes.map { [$0] } : [bytes]
        for piece in pieces {
            _ = try piece.withUnsafeBytes { raw in
                try parser.parse(raw) { messages.append($0); return true }
            }
        }
        return (messages, parser)
    }

    /// Four audio messages on chunk stream 6 with header types 0, 1, 2 and 3.
    static let headerTypes: [UInt8] = [
        0x06,                   // fmt 0, csid 6
        0x00, 0x03, 0xE8,       // timestamp 1000
        0x00, 0x00, 0x05,       // length 5
        0x08,                   // audio
        0x01, 0x00, 0x00, 0x00, // message stream 1, little-endian
        0xAF, 0x01, 0x21, 0x22, 0x23,
        0x46,                   // fmt 1, csid 6
        0x00, 0x00, 0x14,       // delta 20
        0x00, 0x00, 0x03,       // length 3
        0x08,                   // audio
        0xAF, 0x01, 0x31,
        0x86,                   // fmt 2, csid 6
        0x00, 0x00, 0x1E,       // delta 30
        0xAF, 0x01, 0x41,
        0xC6,                   // fmt 3, csid 6: a new message, delta 30 again
        0xAF, 0x01, 0x51,
    ]

    @Test func headerTypesZeroToThree() throws {
        for byteByByte in [false, true] {
            let (messages, _) = try parse(Self.headerTypes, byteByByte: byteByByte)
            #expect(messages.map(\.timestamp) == [1000, 1020, 1050, 1080])
            #expect(messages.map(\.length) == [5, 3, 3, 3])
            #expect(messages.allSatisfy { $0.typeID == 8 })
            #expect(messages.allSatisfy { $0.streamID == 1 })
            #expect(messages.allSatisfy { $0.payload.isEmpty })
            #expect(messages.map(\.head) == Array(repeating: .init(count: 2, first: 0xAF, second: 0x01), count: 4))
        }
    }

    @Test func mediaSpanningChunks() throws {
        var bytes: [UInt8] = [
            0x07,                   // fmt 0, csid 7
            0x00, 0x00, 0x00,       // timestamp 0
            0x00, 0x00, 0xC8,       // length 200
            0x09,                   // video
            0x01, 0x00, 0x00, 0x00, // message stream 1
        ]
        bytes += [0x17, 0x01] + [UInt8](repeating: 0xAA, count: 126)
        bytes += [0xC7] + [UInt8](repeating: 0xBB, count: 72) // fmt 3 continuation
        for byteByByte in [false, true] {
            let (messages, _) = try parse(bytes, byteByByte: byteByByte)
            #expect(messages.count == 1)
            #expect(messages.first?.length == 200)
            #expect(messages.first?.head == .init(count: 2, first: 0x17, second: 0x01))
            #expect(messages.first.map { BenchFrame.classifyVideo($0.head) } == .keyframe)
        }
    }

    @Test func extendedTimestampOnEveryChunk() throws {
        var bytes: [UInt8] = [
            0x07,                   // fmt 0, csid 7
            0xFF, 0xFF, 0xFF,       // extended timestamp follows
            0x00, 0x00, 0x96,       // length 150
            0x09,                   // video
            0x01, 0x00, 0x00, 0x00, // message stream 1
            0x01, 0x00, 0x00, 0x00, // extended timestamp 0x01000000
        ]
        bytes += [0x27, 0x01] + [UInt8](repeating: 0, count: 126)
        bytes += [0xC7, 0x01, 0x00, 0x00, 0x00] + [UInt8](repeating: 0, count: 22) // continuation repeats it
        bytes += [
            0x87,                   // fmt 2, csid 7
            0x00, 0x00, 0x21,       // delta 33, not extended
        ]
        bytes += [UInt8](repeating: 0, count: 128) + [0xC7] + [UInt8](repeating: 0, count: 22)
        for byteByByte in [false, true] {
            let (messages, _) = try parse(bytes, byteByByte: byteByByte)
            #expect(messages.map(\.timestamp) == [0x0100_0000, 0x0100_0021])
            #expect(messages.map(\.length) == [150, 150])
        }
    }

    @Test func setChunkSizeAppliesNext() throws {
        var bytes: [UInt8] = [
            0x02,                   // fmt 0, csid 2
            0x00, 0x00, 0x00,       // timestamp 0
            0x00, 0x00, 0x04,       // length 4
            0x01,                   // Set Chunk Size
            0x00, 0x00, 0x00, 0x00, // message stream 0
            0x00, 0x00, 0x10, 0x00, // 4096
            0x06,                   // fmt 0, csid 6
            0x00, 0x00, 0x0A,       // timestamp 10
            0x00, 0x01, 0x2C,       // length 300
            0x08,                   // audio
            0x01, 0x00, 0x00, 0x00, // message stream 1
        ]
        bytes += [UInt8](repeating: 0x55, count: 300) // one chunk at 4096
        let (messages, parser) = try parse(bytes)
        #expect(parser.chunkSize == 4096)
        #expect(messages.map(\.typeID) == [1, 8])
        #expect(messages.first?.payload == [0x00, 0x00, 0x10, 0x00])
        #expect(messages.last?.length == 300)
    }

    @Test func longBasicHeadersAndCommands() throws {
        let bytes: [UInt8] = [
            0x00, 0x06,             // fmt 0, csid 64 + 6
            0x00, 0x00, 0x00,       // timestamp 0
            0x00, 0x00, 0x02,       // length 2
            0x14,                   // command (AMF0)
            0x00, 0x00, 0x00, 0x00, // message stream 0
            0x05, 0x05,             // two AMF0 nulls, collected
            0x01, 0x01, 0x01,       // fmt 0, csid 64 + 1 + 256
            0x00, 0x00, 0x00,
            0x00, 0x00, 0x01,       // length 1
            0x09,                   // video
            0x01, 0x00, 0x00, 0x00,
            0x17,
        ]
        let (messages, _) = try parse(bytes, byteByByte: true)
        #expect(messages.map(\.typeID) == [20, 9])
        #expect(messages.first?.payload == [0x05, 0x05])
        #expect(messages.last?.head == .init(count: 1, first: 0x17))
    }

    @Test func zeroChunkSizeAndStopping() throws {
        let zero: [UInt8] = [0x02, 0, 0, 0, 0, 0, 4, 0x01, 0, 0, 0, 0, 0, 0, 0, 0]
        #expect(throws: CountingChunkParser.Failure.invalidChunkSize(0)) { try parse(zero) }

        var parser = CountingChunkParser()
        var count = 0
        let stopped = try Self.headerTypes.withUnsafeBytes { raw in
            try parser.parse(raw) { _ in count += 1; return false }
        }
        #expect(!stopped)
        #expect(count == 1)
    }

    @Test func videoFrameClassification() {
        func kind(_ first: UInt8, _ second: UInt8) -> BenchFrame {
            BenchFrame.classifyVideo(.init(count: 2, first: first, second: second))
        }
        #expect(kind(0x17, 0x01) == .keyframe)   // AVC keyframe NALU
        #expect(kind(0x17, 0x00) == .other)      // AVC sequence header
        #expect(kind(0x27, 0x01) == .interframe) // AVC inter frame
        #expect(kind(0x1C, 0x01) == .keyframe)   // HEVC (legacy codec 12) keyframe
        #expect(kind(0x14, 0x00) == .keyframe)   // VP6: every message is a frame
        #expect(kind(0x91, 0x00) == .keyframe)   // enhanced: keyframe, CodedFrames
        #expect(kind(0x93, 0x00) == .keyframe)   // enhanced: keyframe, CodedFramesX
        #expect(kind(0x90, 0x00) == .other)      // enhanced: SequenceStart
        #expect(kind(0xA3, 0x00) == .interframe) // enhanced: inter frame, CodedFramesX
        #expect(BenchFrame.classifyVideo(.init(count: 1, first: 0x17)) == .other)
    }
}
