import Bytes
import Testing

@testable import FLV

/// One video payload, the header it parses to, and the kind the classifier returns.
struct VideoFixture: Sendable, CustomTestStringConvertible {
    var name: String
    var bytes: [UInt8]
    var header: VideoTagHeader
    var kind: MediaKind
    /// Every shorter prefix ends inside a header field and must fail, except those in `validPrefixLengths`.
    var minimumLength: Int
    /// Prefix lengths that end at a track boundary of a multitrack message, which parse as fewer tracks.
    var validPrefixLengths: Set<Int> = []

    var testDescription: String { name }

    /// Cuts the codec data of each track of `header` from `bytes`. A range past the
    /// end fails the test instead of trapping.
    func trackData() throws -> [ArraySlice<UInt8>] {
        try header.tracks.map { track in
            try #require(track.data.upperBound <= bytes.count, "track \(track.trackID) data \(track.data)")
            return bytes[track.data]
        }
    }
}

// FourCC bytes, for readable fixtures.
let avc1: [UInt8] = [0x61, 0x76, 0x63, 0x31]  // "avc1"
let hvc1: [UInt8] = [0x68, 0x76, 0x63, 0x31]  // "hvc1"
let av01: [UInt8] = [0x61, 0x76, 0x30, 0x31]  // "av01"
let vp09: [UInt8] = [0x76, 0x70, 0x30, 0x39]  // "vp09"
let vp08: [UInt8] = [0x76, 0x70, 0x30, 0x38]  // "vp08"
let vvc1: [UInt8] = [0x76, 0x76, 0x63, 0x31]  // "vvc1"

let videoFixtures: [VideoFixture] = [
    VideoFixture(
        name: "legacy AVC sequence header",
        bytes: [
            0x17,  // frame type 1 (key frame) | codec id 7 (AVC)
            0x00,  // AVC packet type 0: sequence header
            0x00, 0x00, 0x00,  // composition time 0
            0x01, 0x64, 0x00, 0x1F,  // start of an AVCDecoderConfigurationRecord
        ],
        header: VideoTagHeader(
            frameType: .keyFrame, isExHeader: false, avcPacketType: .sequenceHeader, codec: .legacy(.avc),
            tracks: [VideoTrack(trackID: 0, codec: .legacy(.avc), data: 5..<9)]
        ),
        kind: .videoSequenceHeader([0]),
        minimumLength: 5
    ),
    VideoFixture(
        name: "legacy AVC key frame",
        bytes: [
            0x17,  // frame type 1 (key frame) | codec id 7 (AVC)
            0x01,  // AVC packet type 1: NAL units
            0x00, 0x00, 0x21,  // composition time 33 ms
            0x00, 0x00, 0x00, 0x02, 0x09, 0xF0,  // one length-prefixed NAL unit
        ],
        header: VideoTagHeader(
            frameType: .keyFrame, isExHeader: false, avcPacketType: .nalu, codec: .legacy(.avc),
            tracks: [VideoTrack(trackID: 0, codec: .legacy(.avc), compositionTime: 33, data: 5..<11)]
        ),
        kind: .videoKeyframe,
        minimumLength: 5
    ),
    VideoFixture(
        name: "legacy AVC inter frame, negative composition time",
        bytes: [
            0x27,  // frame type 2 (inter frame) | codec id 7 (AVC)
            0x01,  // AVC packet type 1: NAL units
            0xFF, 0xFF, 0xDF,  // composition time -33 ms
            0xAA,  // NAL unit data
        ],
        header: VideoTagHeader(
            frameType: .interFrame, isExHeader: false, avcPacketType: .nalu, codec: .legacy(.avc),
            tracks: [VideoTrack(trackID: 0, codec: .legacy(.avc), compositionTime: -33, data: 5..<6)]
        ),
        kind: .videoInterframe,
        minimumLength: 5
    ),
    VideoFixture(
        name: "legacy AVC end of sequence",
        bytes: [
            0x17,  // frame type 1 | codec id 7 (AVC)
            0x02,  // AVC packet type 2: end of sequence
            0x00, 0x00, 0x00,  // composition time 0
        ],
        header: VideoTagHeader(
            frameType: .keyFrame, isExHeader: false, avcPacketType: .endOfSequence, codec: .legacy(.avc),
            tracks: [VideoTrack(trackID: 0, codec: .legacy(.avc), data: 5..<5)]
        ),
        kind: .videoSequenceEnd([0]),
        minimumLength: 5
    ),
    VideoFixture(
        name: "legacy HEVC under codec id 12",
        bytes: [
            0x1C,  // frame type 1 (key frame) | codec id 12 (HEVC, outside the FLV specification)
            0x01,  // packet type 1: NAL units
            0x00, 0x00, 0x00,  // composition time 0
            0xBB,  // NAL unit data
        ],
        header: VideoTagHeader(
            frameType: .keyFrame, isExHeader: false, avcPacketType: .nalu, codec: .legacy(.hevc),
            tracks: [VideoTrack(trackID: 0, codec: .legacy(.hevc), data: 5..<6)]
        ),
        kind: .videoKeyframe,
        minimumLength: 5
    ),
    VideoFixture(
        name: "legacy Sorenson H.263 disposable inter frame",
        bytes: [
            0x32,  // frame type 3 (disposable inter frame) | codec id 2 (Sorenson H.263)
            0x00, 0x00, 0x84,  // H.263 picture data
        ],
        header: VideoTagHeader(
            frameType: .disposableInterFrame, isExHeader: false, codec: .legacy(.sorensonH263),
            tracks: [VideoTrack(trackID: 0, codec: .legacy(.sorensonH263), data: 1..<4)]
        ),
        kind: .videoInterframe,
        minimumLength: 1
    ),
    VideoFixture(
        name: "legacy command frame",
        bytes: [
            0x57,  // frame type 5 (command) | codec id 7 (AVC)
            0x01,  // video command 1: end of client-side seek
        ],
        header: VideoTagHeader(frameType: .command, isExHeader: false, command: .endSeek, codec: .legacy(.avc)),
        kind: .videoCommand,
        minimumLength: 2
    ),
    VideoFixture(
        name: "enhanced SequenceStart hvc1",
        bytes: [
            0x90,  // IsExHeader | frame type 1 (key frame) | packet type 0: SequenceStart
        ] + hvc1 + [
            0x01, 0x02, 0x03,  // start of an HEVCDecoderConfigurationRecord
        ],
        header: VideoTagHeader(
            frameType: .keyFrame, isExHeader: true, packetType: .sequenceStart, codec: .fourCC(.hvc1),
            tracks: [VideoTrack(trackID: 0, codec: .fourCC(.hvc1), data: 5..<8)]
        ),
        kind: .videoSequenceHeader([0]),
        minimumLength: 5
    ),
    VideoFixture(
        name: "enhanced CodedFrames hvc1 with composition time",
        bytes: [
            0x91,  // IsExHeader | frame type 1 (key frame) | packet type 1: CodedFrames
        ] + hvc1 + [
            0x00, 0x00, 0x43,  // composition time 67 ms
            0xCC, 0xDD,  // NAL unit data
        ],
        header: VideoTagHeader(
            frameType: .keyFrame, isExHeader: true, packetType: .codedFrames, codec: .fourCC(.hvc1),
            tracks: [VideoTrack(trackID: 0, codec: .fourCC(.hvc1), compositionTime: 67, data: 8..<10)]
        ),
        kind: .videoKeyframe,
        minimumLength: 8
    ),
    VideoFixture(
        name: "enhanced CodedFrames vp09 without composition time",
        bytes: [
            0xA1,  // IsExHeader | frame type 2 (inter frame) | packet type 1: CodedFrames
        ] + vp09 + [
            0x83, 0x49,  // VP9 frame data
        ],
        header: VideoTagHeader(
            frameType: .interFrame, isExHeader: true, packetType: .codedFrames, codec: .fourCC(.vp09),
            tracks: [VideoTrack(trackID: 0, codec: .fourCC(.vp09), data: 5..<7)]
        ),
        kind: .videoInterframe,
        minimumLength: 5
    ),
    VideoFixture(
        name: "enhanced CodedFramesX av01",
        bytes: [
            0xA3,  // IsExHeader | frame type 2 (inter frame) | packet type 3: CodedFramesX
        ] + av01 + [
            0x12, 0x00,  // AV1 temporal unit
        ],
        header: VideoTagHeader(
            frameType: .interFrame, isExHeader: true, packetType: .codedFramesX, codec: .fourCC(.av01),
            tracks: [VideoTrack(trackID: 0, codec: .fourCC(.av01), data: 5..<7)]
        ),
        kind: .videoInterframe,
        minimumLength: 5
    ),
    VideoFixture(
        name: "enhanced SequenceStart vp08",
        bytes: [
            0x90,  // IsExHeader | frame type 1 (key frame) | packet type 0: SequenceStart
        ] + vp08 + [
            0x01, 0x00, 0x00, 0x00,  // start of a VPCodecConfigurationRecord: version 1, flags 0
        ],
        header: VideoTagHeader(
            frameType: .keyFrame, isExHeader: true, packetType: .sequenceStart, codec: .fourCC(.vp08),
            tracks: [VideoTrack(trackID: 0, codec: .fourCC(.vp08), data: 5..<9)]
        ),
        kind: .videoSequenceHeader([0]),
        minimumLength: 5
    ),
    VideoFixture(
        name: "enhanced CodedFrames vp08 without composition time",
        bytes: [
            0x91,  // IsExHeader | frame type 1 (key frame) | packet type 1: CodedFrames
        ] + vp08 + [
            0x50, 0x42, 0x00,  // VP8 frame tag: key frame, version 0, shown
            0x9D, 0x01, 0x2A,  // VP8 key frame start code
        ],
        header: VideoTagHeader(
            frameType: .keyFrame, isExHeader: true, packetType: .codedFrames, codec: .fourCC(.vp08),
            tracks: [VideoTrack(trackID: 0, codec: .fourCC(.vp08), data: 5..<11)]
        ),
        kind: .videoKeyframe,
        minimumLength: 5
    ),
    VideoFixture(
        name: "enhanced SequenceStart vvc1",
        bytes: [
            0x90,  // IsExHeader | frame type 1 (key frame) | packet type 0: SequenceStart
        ] + vvc1 + [
            0xFF, 0x00, 0x01,  // start of a VvcDecoderConfigurationRecord, not decoded here
        ],
        header: VideoTagHeader(
            frameType: .keyFrame, isExHeader: true, packetType: .sequenceStart, codec: .fourCC(.vvc1),
            tracks: [VideoTrack(trackID: 0, codec: .fourCC(.vvc1), data: 5..<8)]
        ),
        kind: .videoSequenceHeader([0]),
        minimumLength: 5
    ),
    VideoFixture(
        name: "enhanced CodedFrames vvc1 without composition time",
        bytes: [
            0xA1,  // IsExHeader | frame type 2 (inter frame) | packet type 1: CodedFrames
        ] + vvc1 + [
            0x00, 0x00, 0x00, 0x02,  // NAL unit length 2; no composition time for vvc1
            0x00, 0x11,  // NAL unit header
        ],
        header: VideoTagHeader(
            frameType: .interFrame, isExHeader: true, packetType: .codedFrames, codec: .fourCC(.vvc1),
            tracks: [VideoTrack(trackID: 0, codec: .fourCC(.vvc1), data: 5..<11)]
        ),
        kind: .videoInterframe,
        minimumLength: 5
    ),
    VideoFixture(
        name: "enhanced SequenceEnd av01",
        bytes: [
            0x92,  // IsExHeader | frame type 1 | packet type 2: SequenceEnd
        ] + av01,
        header: VideoTagHeader(
            frameType: .keyFrame, isExHeader: true, packetType: .sequenceEnd, codec: .fourCC(.av01),
            tracks: [VideoTrack(trackID: 0, codec: .fourCC(.av01), data: 5..<5)]
        ),
        kind: .videoSequenceEnd([0]),
        minimumLength: 5
    ),
    VideoFixture(
        name: "enhanced Metadata ignores the command frame type",
        bytes: [
            0xD4,  // IsExHeader | frame type 5 (command, ignored) | packet type 4: Metadata
        ] + hvc1 + [
            0x02, 0x00, 0x01, 0x63,  // AMF0 string "c"
        ],
        header: VideoTagHeader(
            frameType: .command, isExHeader: true, packetType: .metadata, codec: .fourCC(.hvc1),
            tracks: [VideoTrack(trackID: 0, codec: .fourCC(.hvc1), data: 5..<9)]
        ),
        kind: .videoMetadata([0]),
        minimumLength: 5
    ),
    VideoFixture(
        name: "enhanced MPEG2TSSequenceStart",
        bytes: [
            0x95,  // IsExHeader | frame type 1 | packet type 5: MPEG2TSSequenceStart
        ] + avc1 + [
            0x01,  // start of the configuration
        ],
        header: VideoTagHeader(
            frameType: .keyFrame, isExHeader: true, packetType: .mpeg2TSSequenceStart, codec: .fourCC(.avc1),
            tracks: [VideoTrack(trackID: 0, codec: .fourCC(.avc1), data: 5..<6)]
        ),
        kind: .videoSequenceHeader([0]),
        minimumLength: 5
    ),
    VideoFixture(
        name: "enhanced command frame",
        bytes: [
            0xD0,  // IsExHeader | frame type 5 (command) | packet type 0, not Metadata
            0x00,  // video command 0: start of client-side seek; no FourCC
        ],
        header: VideoTagHeader(frameType: .command, isExHeader: true, packetType: .sequenceStart, command: .startSeek),
        kind: .videoCommand,
        minimumLength: 2
    ),
    VideoFixture(
        name: "enhanced command frame with Multitrack packet type bits",
        bytes: [
            0xD6,  // IsExHeader | frame type 5 (command) | packet type 6, not read as Multitrack
            0x01,  // video command 1: end of client-side seek; no multitrack layout
        ],
        header: VideoTagHeader(frameType: .command, isExHeader: true, packetType: .multitrack, command: .endSeek),
        kind: .videoCommand,
        minimumLength: 2
    ),
    VideoFixture(
        name: "enhanced ModEx TimestampOffsetNano",
        bytes: [
            0x97,  // IsExHeader | frame type 1 | packet type 7: ModEx
            0x02,  // ModEx data size 2 + 1 = 3
            0x07, 0xA1, 0x20,  // TimestampOffsetNano 500,000 ns
            0x01,  // ModEx type 0 (TimestampOffsetNano) | packet type 1: CodedFrames
        ] + avc1 + [
            0x00, 0x00, 0x00,  // composition time 0
            0x65,  // NAL unit data
        ],
        header: VideoTagHeader(
            frameType: .keyFrame, isExHeader: true, packetType: .codedFrames, timestampOffsetNanoseconds: 500_000,
            codec: .fourCC(.avc1),
            tracks: [VideoTrack(trackID: 0, codec: .fourCC(.avc1), data: 13..<14)]
        ),
        kind: .videoKeyframe,
        minimumLength: 13
    ),
    VideoFixture(
        name: "enhanced ModEx with a 16-bit data size",
        bytes: [
            0x97,  // IsExHeader | frame type 1 | packet type 7: ModEx
            0xFF,  // ModEx data size 255 + 1 = 256: a 16-bit size follows
            0x01, 0x00,  // ModEx data size 256 + 1 = 257
            0x00, 0x01, 0x00,  // TimestampOffsetNano 256 ns
        ] + [UInt8](repeating: 0, count: 254) + [  // rest of the ModEx data
            0x03,  // ModEx type 0 (TimestampOffsetNano) | packet type 3: CodedFramesX
        ] + vp09 + [
            0x77,  // VP9 frame data
        ],
        header: VideoTagHeader(
            frameType: .keyFrame, isExHeader: true, packetType: .codedFramesX,
            modExPrefixes: [
                ModExPrefix(type: .timestampOffsetNano, data: [0x00, 0x01, 0x00] + Array(repeating: 0, count: 254))
            ],
            codec: .fourCC(.vp09),
            tracks: [VideoTrack(trackID: 0, codec: .fourCC(.vp09), data: 266..<267)]
        ),
        kind: .videoKeyframe,
        minimumLength: 266
    ),
    VideoFixture(
        name: "enhanced ModEx of an unknown type before TimestampOffsetNano",
        bytes: [
            0xA7,  // IsExHeader | frame type 2 (inter frame) | packet type 7: ModEx
            0x00,  // ModEx data size 0 + 1 = 1
            0xEE,  // ModEx data
            0x57,  // ModEx type 5 (unknown) | packet type 7: ModEx again
            0x02,  // ModEx data size 2 + 1 = 3
            0x00, 0x00, 0x2A,  // TimestampOffsetNano 42 ns
            0x03,  // ModEx type 0 (TimestampOffsetNano) | packet type 3: CodedFramesX
        ] + av01 + [
            0x12, 0x00,  // AV1 temporal unit
        ],
        header: VideoTagHeader(
            frameType: .interFrame, isExHeader: true, packetType: .codedFramesX,
            timestampOffsetNanoseconds: 42,
            modExPrefixes: [ModExPrefix(type: ModExType(rawValue: 5), data: [0xEE])],
            codec: .fourCC(.av01),
            tracks: [VideoTrack(trackID: 0, codec: .fourCC(.av01), data: 13..<15)]
        ),
        kind: .videoInterframe,
        minimumLength: 13
    ),
    VideoFixture(
        name: "multitrack OneTrack SequenceStart",
        bytes: [
            0x96,  // IsExHeader | frame type 1 | packet type 6: Multitrack
            0x00,  // multitrack type 0 (OneTrack) | packet type 0: SequenceStart
        ] + hvc1 + [
            0x01,  // track id 1; OneTrack has no size, the data runs to the end
            0xAA, 0xBB,  // configuration record
        ],
        header: VideoTagHeader(
            frameType: .keyFrame, isExHeader: true, packetType: .sequenceStart, multitrackType: .oneTrack,
            codec: .fourCC(.hvc1),
            tracks: [VideoTrack(trackID: 1, codec: .fourCC(.hvc1), data: 7..<9)]
        ),
        kind: .videoSequenceHeader([1]),
        minimumLength: 7
    ),
    VideoFixture(
        name: "multitrack ManyTracks CodedFrames avc1",
        bytes: [
            0x96,  // IsExHeader | frame type 1 | packet type 6: Multitrack
            0x11,  // multitrack type 1 (ManyTracks) | packet type 1: CodedFrames
        ] + avc1 + [
            0x00,  // track id 0
            0x00, 0x00, 0x05,  // track size 5
            0x00, 0x00, 0x0A,  // composition time 10 ms
            0xAA, 0xBB,  // NAL unit data
            0x01,  // track id 1
            0x00, 0x00, 0x04,  // track size 4
            0xFF, 0xFF, 0xFF,  // composition time -1 ms
            0xCC,  // NAL unit data
        ],
        header: VideoTagHeader(
            frameType: .keyFrame, isExHeader: true, packetType: .codedFrames, multitrackType: .manyTracks,
            codec: .fourCC(.avc1),
            tracks: [
                VideoTrack(trackID: 0, codec: .fourCC(.avc1), compositionTime: 10, data: 13..<15),
                VideoTrack(trackID: 1, codec: .fourCC(.avc1), compositionTime: -1, data: 22..<23),
            ]
        ),
        kind: .videoKeyframe,
        minimumLength: 23,
        validPrefixLengths: [15]
    ),
    VideoFixture(
        name: "multitrack ManyTracksManyCodecs SequenceStart",
        bytes: [
            0x96,  // IsExHeader | frame type 1 | packet type 6: Multitrack
            0x20,  // multitrack type 2 (ManyTracksManyCodecs) | packet type 0: SequenceStart
        ] + avc1 + [
            0x00,  // track id 0
            0x00, 0x00, 0x02,  // track size 2
            0xAA, 0xBB,  // configuration record
        ] + hvc1 + [
            0x02,  // track id 2
            0x00, 0x00, 0x01,  // track size 1
            0xCC,  // configuration record
        ],
        header: VideoTagHeader(
            frameType: .keyFrame, isExHeader: true, packetType: .sequenceStart,
            multitrackType: .manyTracksManyCodecs, codec: .fourCC(.avc1),
            tracks: [
                VideoTrack(trackID: 0, codec: .fourCC(.avc1), data: 10..<12),
                VideoTrack(trackID: 2, codec: .fourCC(.hvc1), data: 20..<21),
            ]
        ),
        kind: .videoSequenceHeader([0, 2]),
        minimumLength: 21,
        validPrefixLengths: [12]
    ),
]

@Suite struct VideoTagHeaderTests {
    @Test(arguments: videoFixtures)
    func parsesFixture(_ fixture: VideoFixture) throws {
        #expect(try VideoTagHeader(payload: fixture.bytes) == fixture.header)
    }

    @Test(arguments: videoFixtures)
    func encodesFixture(_ fixture: VideoFixture) throws {
        #expect(try fixture.header.encoded(trackData: try fixture.trackData()) == fixture.bytes)
    }

    @Test(arguments: videoFixtures)
    func writesFixtureAfterExistingBytes(_ fixture: VideoFixture) throws {
        var buffer = ByteBuffer(bytes: [0xEE])
        try fixture.header.write(trackData: try fixture.trackData(), into: &buffer)
        #expect(buffer.readAllBytes() == [0xEE] + fixture.bytes)
    }

    @Test(arguments: videoFixtures)
    func classifiesFixture(_ fixture: VideoFixture) {
        #expect(MediaClassifier.classify(typeID: 9, payload: fixture.bytes) == fixture.kind)
    }

    @Test(arguments: videoFixtures)
    func prefixAtTrackBoundaryParses(_ fixture: VideoFixture) throws {
        for length in fixture.validPrefixLengths {
            let header = try VideoTagHeader(payload: fixture.bytes.prefix(length))
            #expect(header.tracks == [fixture.header.tracks[0]], "prefix of \(length) bytes")
        }
    }

    @Test(arguments: videoFixtures)
    func shortPrefixesFail(_ fixture: VideoFixture) {
        for length in 0..<fixture.minimumLength where !fixture.validPrefixLengths.contains(length) {
            let prefix = Array(fixture.bytes.prefix(length))
            #expect(throws: FLVError.self, "prefix of \(length) bytes") { try VideoTagHeader(payload: prefix) }
            #expect(MediaClassifier.classify(typeID: 9, payload: prefix) == .malformed, "prefix of \(length) bytes")
        }
    }

    @Test func derivedPropertiesOfMultitrackSequenceStart() throws {
        let header = try VideoTagHeader(payload: videoFixtures.last!.bytes)

        #expect(header.isSequenceHeader)
        #expect(!header.isKeyframe)
        #expect(!header.isSequenceEnd)
        #expect(!header.isCommandFrame)
        #expect(header.trackIDs == [0, 2])
        #expect(header.codec == .fourCC(.avc1))
    }

    @Test func commandFrameIsNotASequenceHeader() throws {
        let header = try VideoTagHeader(payload: [0xD0, 0x00] as [UInt8])  // command frame, packet type bits 0

        #expect(header.isCommandFrame)
        #expect(!header.isSequenceHeader)
        #expect(!header.isKeyframe)
        #expect(header.codec == nil)
    }

    @Test func modExWithSixteenBitSize() throws {
        var bytes: [UInt8] = [
            0x97,  // IsExHeader | frame type 1 | packet type 7: ModEx
            0xFF,  // ModEx data size 255 + 1 = 256: the 16-bit size follows
            0x01, 0x00,  // ModEx data size 256 + 1 = 257
        ]
        bytes += [0x00, 0x01, 0x00] + [UInt8](repeating: 0, count: 254)  // TimestampOffsetNano 256 ns, then padding
        bytes += [0x03] + vp09 + [0x77]  // ModEx type 0 | CodedFramesX, FourCC, frame data

        let header = try VideoTagHeader(payload: bytes)

        #expect(header.timestampOffsetNanoseconds == 256)
        #expect(header.packetType == .codedFramesX)
        #expect(header.tracks == [VideoTrack(trackID: 0, codec: .fourCC(.vp09), data: 266..<267)])
    }

    @Test func multitrackSizeBeyondPayloadThrows() {
        let bytes: [UInt8] =
            [
                0x96,  // IsExHeader | frame type 1 | packet type 6: Multitrack
                0x11,  // ManyTracks | CodedFrames
            ] + avc1 + [
                0x00,  // track id 0
                0x00, 0x00, 0x09,  // track size 9, but only 3 bytes follow
                0x00, 0x00, 0x00,
            ]
        #expect(throws: FLVError.invalidMultitrack("")) { try VideoTagHeader(payload: bytes) }
        #expect(MediaClassifier.classify(typeID: 9, payload: bytes) == .malformed)
    }

    @Test func reservedMultitrackTypeThrows() {
        let bytes: [UInt8] = [0x96, 0x30] + avc1 + [0x00]  // multitrack type 3 is reserved
        #expect(throws: FLVError.invalidMultitrack("")) { try VideoTagHeader(payload: bytes) }
    }

    @Test func nestedMultitrackThrows() {
        let bytes: [UInt8] = [0x96, 0x06] + avc1 + [0x00]  // OneTrack whose packet type is Multitrack again
        #expect(throws: FLVError.invalidMultitrack("")) { try VideoTagHeader(payload: bytes) }
    }

    @Test func multitrackWithoutTracksThrows() {
        let bytes: [UInt8] = [0x96, 0x11] + avc1  // ManyTracks, CodedFrames, then nothing
        #expect(throws: FLVError.invalidMultitrack("")) { try VideoTagHeader(payload: bytes) }
    }

    @Test func shortTimestampOffsetNanoThrows() {
        let bytes: [UInt8] = [0x97, 0x00, 0x05, 0x01] + avc1 + [0, 0, 0]  // ModEx data of 1 byte
        #expect(throws: FLVError.invalidHeader("")) { try VideoTagHeader(payload: bytes) }
    }

    @Test func unknownModExTypeIsSkipped() throws {
        let bytes: [UInt8] = [
            0x97,  // IsExHeader | frame type 1 | packet type 7: ModEx
            0x00,  // ModEx data size 1
            0xEE,  // ModEx data
            0x53,  // ModEx type 5 (unknown) | packet type 3: CodedFramesX
        ] + av01
        let header = try VideoTagHeader(payload: bytes)

        #expect(header.packetType == .codedFramesX)
        #expect(header.timestampOffsetNanoseconds == nil)
    }

    @Test func encodeRejectsWrongTrackDataCount() {
        let header = videoFixtures[0].header
        #expect(throws: FLVError.invalidHeader("")) { try header.encoded(trackData: [[UInt8]]()) }
    }

    @Test func encodeRejectsManyTracksWithTwoFourCCs() {
        let header = VideoTagHeader(
            frameType: .keyFrame, isExHeader: true, packetType: .sequenceStart, multitrackType: .manyTracks,
            codec: .fourCC(.avc1),
            tracks: [
                VideoTrack(trackID: 0, codec: .fourCC(.avc1), data: 0..<0),
                VideoTrack(trackID: 1, codec: .fourCC(.hvc1), data: 0..<0),
            ]
        )
        let trackData = [[UInt8]](repeating: [], count: 2)
        #expect(throws: FLVError.invalidMultitrack("")) { try header.encoded(trackData: trackData) }
    }

    @Test func encodeRejectsCompositionTimeBeyond24Bits() {
        let header = VideoTagHeader(
            frameType: .keyFrame, isExHeader: false, avcPacketType: .nalu, codec: .legacy(.avc),
            tracks: [VideoTrack(trackID: 0, codec: .legacy(.avc), compositionTime: 0x80_0000, data: 0..<0)]
        )
        #expect(throws: FLVError.invalidHeader("")) { try header.encoded(trackData: [[UInt8]()]) }
    }

    @Test func encodeRejectsCompositionTimeOfVP9() {
        let header = VideoTagHeader(
            frameType: .keyFrame, isExHeader: true, packetType: .codedFrames, codec: .fourCC(.vp09),
            tracks: [VideoTrack(trackID: 0, codec: .fourCC(.vp09), compositionTime: 5, data: 0..<0)]
        )
        #expect(throws: FLVError.invalidHeader("")) { try header.encoded(trackData: [[UInt8]()]) }
    }

    @Test func encodeRejectsEmptyModExData() {
        let header = VideoTagHeader(
            frameType: .keyFrame, isExHeader: true, packetType: .codedFramesX,
            modExPrefixes: [ModExPrefix(type: ModExType(rawValue: 5), data: [])], codec: .fourCC(.av01),
            tracks: [VideoTrack(trackID: 0, codec: .fourCC(.av01), data: 0..<0)]
        )
        #expect(throws: FLVError.invalidHeader("")) { try header.encoded(trackData: [[UInt8]()]) }
    }

    @Test func encodeWritesSixteenBitModExSizeFrom256Bytes() throws {
        let header = VideoTagHeader(
            frameType: .keyFrame, isExHeader: true, packetType: .codedFramesX,
            modExPrefixes: [ModExPrefix(type: ModExType(rawValue: 5), data: Array(repeating: 0xAB, count: 256))],
            codec: .fourCC(.av01),
            tracks: [VideoTrack(trackID: 0, codec: .fourCC(.av01), data: 0..<0)]
        )
        let bytes = try header.encoded(trackData: [[UInt8]()])

        #expect(Array(bytes.prefix(4)) == [0x97, 0xFF, 0x00, 0xFF])  // ModEx, UI8 escape, UI16 256 - 1
        #expect(bytes.count == 4 + 256 + 1 + 4)
        #expect(try VideoTagHeader(payload: bytes).modExPrefixes == header.modExPrefixes)
    }
}
