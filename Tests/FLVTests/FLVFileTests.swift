import Bytes
import Testing

@testable import FLV

/// A file with one script data tag and one video tag whose timestamp needs the extended byte.
let flvFileBytes: [UInt8] = [
    // file header
    0x46, 0x4C, 0x56,  // signature "FLV"
    0x01,  // version 1
    0x05,  // flags: audio (0x04) and video (0x01)
    0x00, 0x00, 0x00, 0x09,  // data offset 9
    0x00, 0x00, 0x00, 0x00,  // PreviousTagSize0
    // tag 1
    0x12,  // tag type 18: script data
    0x00, 0x00, 0x03,  // data size 3
    0x00, 0x00, 0x00,  // timestamp 0
    0x00,  // timestamp extended
    0x00, 0x00, 0x00,  // stream id 0
    0x02, 0x00, 0x00,  // data: AMF0 empty string
    0x00, 0x00, 0x00, 0x0E,  // PreviousTagSize 11 + 3
    // tag 2
    0x09,  // tag type 9: video
    0x00, 0x00, 0x02,  // data size 2
    0x02, 0x03, 0x04,  // timestamp, lower 24 bits
    0x01,  // timestamp extended: bits 24 to 31
    0x00, 0x00, 0x00,  // stream id 0
    0x57, 0x00,  // data: command frame
    0x00, 0x00, 0x00, 0x0D,  // PreviousTagSize 11 + 2
]

let flvFileTags: [FLVTag] = [
    FLVTag(type: .scriptData, timestamp: 0, data: [0x02, 0x00, 0x00]),
    FLVTag(type: .video, timestamp: 0x0102_0304, data: [0x57, 0x00]),
]

@Suite struct FLVFileTests {
    @Test func readsFixture() throws {
        let (header, tags) = try FLVReader.readAll(flvFileBytes)

        #expect(header == FLVFileHeader(version: 1, hasAudio: true, hasVideo: true, dataOffset: 9))
        #expect(tags == flvFileTags)
    }

    @Test func writesFixture() throws {
        var writer = FLVWriter(header: FLVFileHeader(hasAudio: true, hasVideo: true))
        for tag in flvFileTags {
            try writer.write(tag)
        }
        #expect(writer.takeBytes() == flvFileBytes)
        #expect(writer.takeBytes() == [])
    }

    @Test func readsByteByByte() throws {
        var reader = FLVReader(bytes: [])
        var tags: [FLVTag] = []
        for byte in flvFileBytes {
            reader.append([byte])
            while let tag = try reader.nextTag() {
                tags.append(tag)
            }
        }
        #expect(tags == flvFileTags)
        #expect(reader.bufferedBytes == 0)
    }

    @Test func everyPrefixReturnsOnlyWholeTags() throws {
        #expect(flvFileBytes.count == 48)
        for length in 0..<flvFileBytes.count {
            var reader = FLVReader(bytes: flvFileBytes.prefix(length))
            var count = 0
            while try reader.nextTag() != nil {
                count += 1
            }
            let expected = length >= 31 ? 1 : 0  // the first tag ends with its PreviousTagSize at byte 31
            #expect(count == expected, "prefix of \(length) bytes")
        }
    }

    @Test func readAllThrowsOnPartialTag() {
        #expect(throws: FLVError.truncated("")) { try FLVReader.readAll(flvFileBytes.dropLast()) }
        #expect(throws: FLVError.truncated("")) { try FLVReader.readAll(flvFileBytes.prefix(5)) }
    }

    @Test func invalidSignatureThrows() {
        var bytes = flvFileBytes
        bytes[0] = 0x47  // "GLV"
        #expect(throws: FLVError.invalidSignature([])) { try FLVReader.readAll(bytes) }
    }

    @Test func dataOffsetBelowNineThrows() {
        var bytes = flvFileBytes
        bytes[8] = 0x08  // data offset 8
        #expect(throws: FLVError.invalidHeader("")) { try FLVReader.readAll(bytes) }
    }

    @Test func largerDataOffsetIsSkipped() throws {
        var writer = FLVWriter(header: FLVFileHeader(hasAudio: false, hasVideo: true, dataOffset: 12))
        try writer.write(flvFileTags[1])
        let bytes = writer.takeBytes()

        // flags (video), data offset 12, 3 bytes of padding, PreviousTagSize0
        #expect(Array(bytes[4..<16]) == [0x01, 0, 0, 0, 0x0C, 0, 0, 0, 0, 0, 0, 0])
        let (header, tags) = try FLVReader.readAll(bytes)
        #expect(header.dataOffset == 12)
        #expect(!header.hasAudio)
        #expect(tags == [flvFileTags[1]])
    }

    @Test func filterBitAndStreamIDAreRead() throws {
        var bytes = Array(flvFileBytes.prefix(13))
        bytes += [
            0x28,  // filter bit (0x20) | tag type 8: audio
            0x00, 0x00, 0x00,  // data size 0
            0x00, 0x00, 0x10,  // timestamp 16
            0x00,  // timestamp extended
            0x00, 0x00, 0x01,  // stream id 1
            0x00, 0x00, 0x00, 0x0B,  // PreviousTagSize 11
        ]
        let (_, tags) = try FLVReader.readAll(bytes)

        #expect(tags == [FLVTag(type: .audio, timestamp: 16, streamID: 1, isFiltered: true, data: [])])
    }

    @Test func oversizedPayloadThrows() {
        var writer = FLVWriter(header: FLVFileHeader(hasAudio: true, hasVideo: false))
        let data = [UInt8](repeating: 0, count: FLVTag.maximumDataSize + 1)
        #expect(throws: FLVError.payloadTooLarge(0)) { try writer.writeTag(type: .audio, timestamp: 0, data: data) }
    }
}
