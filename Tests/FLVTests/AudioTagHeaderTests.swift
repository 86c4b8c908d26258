import Bytes
import Testing

@testable import FLV

/// One audio payload, the header it parses to, and the kind the classifier returns.
struct AudioFixture: Sendable, CustomTestStringConvertible {
    var name: String
    var bytes: [UInt8]
    var header: AudioTagHeader
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

let opus: [UInt8] = [0x4F, 0x70, 0x75, 0x73]  // "Opus"
let flac: [UInt8] = [0x66, 0x4C, 0x61, 0x43]  // "fLaC"
let mp4a: [UInt8] = [0x6D, 0x70, 0x34, 0x61]  // "mp4a"
let ac3: [UInt8] = [0x61, 0x63, 0x2D, 0x33]  // "ac-3"
let eac3: [UInt8] = [0x65, 0x63, 0x2D, 0x33]  // "ec-3"
let mp3FourCC: [UInt8] = [0x2E, 0x6D, 0x70, 0x33]  // ".mp3"

let audioFixtures: [AudioFixture] = [
    AudioFixture(
        name: "legacy AAC sequence header",
        bytes: [
            0xAF,  // sound format 10 (AAC) | rate 3 (44 kHz) | size 1 (16-bit) | type 1 (stereo)
            0x00,  // AAC packet type 0: sequence header
            0x12, 0x10,  // AudioSpecificConfig: AAC-LC, 44.1 kHz, 2 channels
        ],
        header: AudioTagHeader(
            soundFormat: .aac, soundRate: 3, soundSize: 1, soundType: 1, aacPacketType: .sequenceHeader,
            codec: .legacy(.aac), tracks: [AudioTrack(trackID: 0, codec: .legacy(.aac), data: 2..<4)]
        ),
        kind: .audioSequenceHeader([0]),
        minimumLength: 2
    ),
    AudioFixture(
        name: "legacy AAC raw frame",
        bytes: [
            0xAF,  // AAC, 44 kHz, 16-bit, stereo
            0x01,  // AAC packet type 1: raw
            0x21, 0x00,  // AAC frame data
        ],
        header: AudioTagHeader(
            soundFormat: .aac, soundRate: 3, soundSize: 1, soundType: 1, aacPacketType: .raw,
            codec: .legacy(.aac), tracks: [AudioTrack(trackID: 0, codec: .legacy(.aac), data: 2..<4)]
        ),
        kind: .audioFrame,
        minimumLength: 2
    ),
    AudioFixture(
        name: "legacy MP3",
        bytes: [
            0x2E,  // sound format 2 (MP3) | rate 3 (44 kHz) | size 1 (16-bit) | type 0 (mono)
            0xFF, 0xFB,  // MP3 frame sync
        ],
        header: AudioTagHeader(
            soundFormat: .mp3, soundRate: 3, soundSize: 1, soundType: 0,
            codec: .legacy(.mp3), tracks: [AudioTrack(trackID: 0, codec: .legacy(.mp3), data: 1..<3)]
        ),
        kind: .audioFrame,
        minimumLength: 1
    ),
    AudioFixture(
        name: "legacy Speex",
        bytes: [
            0xB2,  // sound format 11 (Speex) | rate 0 | size 1 (16-bit) | type 0 (mono)
            0x01,  // Speex data
        ],
        header: AudioTagHeader(
            soundFormat: .speex, soundRate: 0, soundSize: 1, soundType: 0,
            codec: .legacy(.speex), tracks: [AudioTrack(trackID: 0, codec: .legacy(.speex), data: 1..<2)]
        ),
        kind: .audioFrame,
        minimumLength: 1
    ),
    AudioFixture(
        name: "enhanced SequenceStart Opus",
        bytes: [
            0x90,  // sound format 9 (ExHeader) | packet type 0: SequenceStart
        ] + opus + [
            0x4F, 0x70,  // start of the Opus ID header
        ],
        header: AudioTagHeader(
            soundFormat: .exHeader, packetType: .sequenceStart, codec: .fourCC(.opus),
            tracks: [AudioTrack(trackID: 0, codec: .fourCC(.opus), data: 5..<7)]
        ),
        kind: .audioSequenceHeader([0]),
        minimumLength: 5
    ),
    AudioFixture(
        name: "enhanced CodedFrames Opus",
        bytes: [
            0x91,  // ExHeader | packet type 1: CodedFrames
        ] + opus + [
            0xFC, 0xFF,  // Opus packet
        ],
        header: AudioTagHeader(
            soundFormat: .exHeader, packetType: .codedFrames, codec: .fourCC(.opus),
            tracks: [AudioTrack(trackID: 0, codec: .fourCC(.opus), data: 5..<7)]
        ),
        kind: .audioFrame,
        minimumLength: 5
    ),
    AudioFixture(
        name: "enhanced MultichannelConfig",
        bytes: [
            0x94,  // ExHeader | packet type 4: MultichannelConfig
        ] + opus + [
            0x01,  // channel order 1: native
            0x02,  // 2 channels
            0x00, 0x00, 0x00, 0x03,  // channel flags: front left, front right
        ],
        header: AudioTagHeader(
            soundFormat: .exHeader, packetType: .multichannelConfig, codec: .fourCC(.opus),
            tracks: [AudioTrack(trackID: 0, codec: .fourCC(.opus), data: 5..<11)]
        ),
        kind: .audioMultichannelConfig([0]),
        minimumLength: 5
    ),
    AudioFixture(
        name: "enhanced SequenceEnd",
        bytes: [
            0x92,  // ExHeader | packet type 2: SequenceEnd
        ] + mp4a,
        header: AudioTagHeader(
            soundFormat: .exHeader, packetType: .sequenceEnd, codec: .fourCC(.mp4a),
            tracks: [AudioTrack(trackID: 0, codec: .fourCC(.mp4a), data: 5..<5)]
        ),
        kind: .audioSequenceEnd([0]),
        minimumLength: 5
    ),
    AudioFixture(
        name: "enhanced ModEx TimestampOffsetNano",
        bytes: [
            0x97,  // ExHeader | packet type 7: ModEx
            0x02,  // ModEx data size 2 + 1 = 3
            0x00, 0x00, 0x64,  // TimestampOffsetNano 100 ns
            0x01,  // ModEx type 0 (TimestampOffsetNano) | packet type 1: CodedFrames
        ] + mp4a + [
            0x21,  // AAC frame data
        ],
        header: AudioTagHeader(
            soundFormat: .exHeader, packetType: .codedFrames, timestampOffsetNanoseconds: 100,
            codec: .fourCC(.mp4a), tracks: [AudioTrack(trackID: 0, codec: .fourCC(.mp4a), data: 10..<11)]
        ),
        kind: .audioFrame,
        minimumLength: 10
    ),
    AudioFixture(
        name: "enhanced SequenceStart fLaC",
        bytes: [
            0x90,  // ExHeader | packet type 0: SequenceStart
        ] + flac + [
            0x80,  // FLAC metadata block header: last block | type 0 (STREAMINFO)
            0x00, 0x00, 0x22,  // block length 34; the block is left out of this fixture
        ],
        header: AudioTagHeader(
            soundFormat: .exHeader, packetType: .sequenceStart, codec: .fourCC(.flac),
            tracks: [AudioTrack(trackID: 0, codec: .fourCC(.flac), data: 5..<9)]
        ),
        kind: .audioSequenceHeader([0]),
        minimumLength: 5
    ),
    AudioFixture(
        name: "enhanced CodedFrames ac-3",
        bytes: [
            0x91,  // ExHeader | packet type 1: CodedFrames
        ] + ac3 + [
            0x0B, 0x77,  // AC-3 sync word
            0x12, 0x34,  // CRC1
        ],
        header: AudioTagHeader(
            soundFormat: .exHeader, packetType: .codedFrames, codec: .fourCC(.ac3),
            tracks: [AudioTrack(trackID: 0, codec: .fourCC(.ac3), data: 5..<9)]
        ),
        kind: .audioFrame,
        minimumLength: 5
    ),
    AudioFixture(
        name: "enhanced CodedFrames ec-3",
        bytes: [
            0x91,  // ExHeader | packet type 1: CodedFrames
        ] + eac3 + [
            0x0B, 0x77,  // E-AC-3 sync word
            0x00, 0x5F,  // stream type 0, substream 0, frame size 96 words
        ],
        header: AudioTagHeader(
            soundFormat: .exHeader, packetType: .codedFrames, codec: .fourCC(.eac3),
            tracks: [AudioTrack(trackID: 0, codec: .fourCC(.eac3), data: 5..<9)]
        ),
        kind: .audioFrame,
        minimumLength: 5
    ),
    AudioFixture(
        name: "enhanced CodedFrames .mp3",
        bytes: [
            0x91,  // ExHeader | packet type 1: CodedFrames
        ] + mp3FourCC + [
            0xFF, 0xFB, 0x90, 0x64,  // MPEG-1 Layer III frame header: 128 kbit/s, 44.1 kHz
        ],
        header: AudioTagHeader(
            soundFormat: .exHeader, packetType: .codedFrames, codec: .fourCC(.mp3),
            tracks: [AudioTrack(trackID: 0, codec: .fourCC(.mp3), data: 5..<9)]
        ),
        kind: .audioFrame,
        minimumLength: 5
    ),
    AudioFixture(
        name: "enhanced SequenceStart mp4a",
        bytes: [
            0x90,  // ExHeader | packet type 0: SequenceStart
        ] + mp4a + [
            0x12, 0x10,  // AudioSpecificConfig: AAC-LC, 44.1 kHz, 2 channels
        ],
        header: AudioTagHeader(
            soundFormat: .exHeader, packetType: .sequenceStart, codec: .fourCC(.mp4a),
            tracks: [AudioTrack(trackID: 0, codec: .fourCC(.mp4a), data: 5..<7)]
        ),
        kind: .audioSequenceHeader([0]),
        minimumLength: 5
    ),
    AudioFixture(
        name: "multitrack ModEx then ManyTracks CodedFrames",
        bytes: [
            0x97,  // ExHeader | packet type 7: ModEx
            0x02,  // ModEx data size 2 + 1 = 3
            0x00, 0x03, 0xE8,  // TimestampOffsetNano 1,000 ns
            0x05,  // ModEx type 0 (TimestampOffsetNano) | packet type 5: Multitrack
            0x11,  // multitrack type 1 (ManyTracks) | packet type 1: CodedFrames
        ] + mp4a + [
            0x00,  // track id 0
            0x00, 0x00, 0x01,  // track size 1
            0x21,  // AAC frame data
            0x02,  // track id 2
            0x00, 0x00, 0x00,  // track size 0
        ],
        header: AudioTagHeader(
            soundFormat: .exHeader, packetType: .codedFrames, multitrackType: .manyTracks,
            timestampOffsetNanoseconds: 1_000, codec: .fourCC(.mp4a),
            tracks: [
                AudioTrack(trackID: 0, codec: .fourCC(.mp4a), data: 15..<16),
                AudioTrack(trackID: 2, codec: .fourCC(.mp4a), data: 20..<20),
            ]
        ),
        kind: .audioFrame,
        minimumLength: 20,
        validPrefixLengths: [16]
    ),
    AudioFixture(
        name: "multitrack OneTrack SequenceStart",
        bytes: [
            0x95,  // ExHeader | packet type 5: Multitrack
            0x00,  // multitrack type 0 (OneTrack) | packet type 0: SequenceStart
        ] + mp4a + [
            0x01,  // track id 1; the data runs to the end
            0x12, 0x10,  // AudioSpecificConfig
        ],
        header: AudioTagHeader(
            soundFormat: .exHeader, packetType: .sequenceStart, multitrackType: .oneTrack,
            codec: .fourCC(.mp4a), tracks: [AudioTrack(trackID: 1, codec: .fourCC(.mp4a), data: 7..<9)]
        ),
        kind: .audioSequenceHeader([1]),
        minimumLength: 7
    ),
    AudioFixture(
        name: "multitrack ManyTracks CodedFrames",
        bytes: [
            0x95,  // ExHeader | packet type 5: Multitrack
            0x11,  // multitrack type 1 (ManyTracks) | packet type 1: CodedFrames
        ] + opus + [
            0x00,  // track id 0
            0x00, 0x00, 0x02,  // track size 2
            0xAA, 0xBB,  // Opus packet
            0x01,  // track id 1
            0x00, 0x00, 0x01,  // track size 1
            0xCC,  // Opus packet
        ],
        header: AudioTagHeader(
            soundFormat: .exHeader, packetType: .codedFrames, multitrackType: .manyTracks, codec: .fourCC(.opus),
            tracks: [
                AudioTrack(trackID: 0, codec: .fourCC(.opus), data: 10..<12),
                AudioTrack(trackID: 1, codec: .fourCC(.opus), data: 16..<17),
            ]
        ),
        kind: .audioFrame,
        minimumLength: 17,
        validPrefixLengths: [12]
    ),
    AudioFixture(
        name: "multitrack ManyTracksManyCodecs SequenceStart",
        bytes: [
            0x95,  // ExHeader | packet type 5: Multitrack
            0x20,  // multitrack type 2 (ManyTracksManyCodecs) | packet type 0: SequenceStart
        ] + opus + [
            0x00,  // track id 0
            0x00, 0x00, 0x01,  // track size 1
            0xAA,  // Opus ID header
        ] + flac + [
            0x03,  // track id 3
            0x00, 0x00, 0x01,  // track size 1
            0xBB,  // FLAC STREAMINFO
        ],
        header: AudioTagHeader(
            soundFormat: .exHeader, packetType: .sequenceStart, multitrackType: .manyTracksManyCodecs,
            codec: .fourCC(.opus),
            tracks: [
                AudioTrack(trackID: 0, codec: .fourCC(.opus), data: 10..<11),
                AudioTrack(trackID: 3, codec: .fourCC(.flac), data: 19..<20),
            ]
        ),
        kind: .audioSequenceHeader([0, 3]),
        minimumLength: 20,
        validPrefixLengths: [11]
    ),
]

@Suite struct AudioTagHeaderTests {
    @Test(arguments: audioFixtures)
    func parsesFixture(_ fixture: AudioFixture) throws {
        #expect(try AudioTagHeader(payload: fixture.bytes) == fixture.header)
    }

    @Test(arguments: audioFixtures)
    func encodesFixture(_ fixture: AudioFixture) throws {
        #expect(try fixture.header.encoded(trackData: try fixture.trackData()) == fixture.bytes)
    }

    @Test(arguments: audioFixtures)
    func writesFixtureAfterExistingBytes(_ fixture: AudioFixture) throws {
        var buffer = ByteBuffer(bytes: [0xEE])
        try fixture.header.write(trackData: try fixture.trackData(), into: &buffer)
        #expect(buffer.readAllBytes() == [0xEE] + fixture.bytes)
    }

    @Test(arguments: audioFixtures)
    func classifiesFixture(_ fixture: AudioFixture) {
        #expect(MediaClassifier.classify(typeID: 8, payload: fixture.bytes) == fixture.kind)
    }

    @Test(arguments: audioFixtures)
    func shortPrefixesFail(_ fixture: AudioFixture) {
        for length in 0..<fixture.minimumLength where !fixture.validPrefixLengths.contains(length) {
            let prefix = Array(fixture.bytes.prefix(length))
            #expect(throws: FLVError.self, "prefix of \(length) bytes") { try AudioTagHeader(payload: prefix) }
            #expect(MediaClassifier.classify(typeID: 8, payload: prefix) == .malformed, "prefix of \(length) bytes")
        }
    }

    @Test(arguments: [FourCC.opus, .flac, .ac3, .eac3, .mp3, .mp4a])
    func codedFramesOfEveryAudioFourCC(_ fourCC: FourCC) throws {
        let bytes: [UInt8] = [0x91] + fourCC.bytes + [0x00]  // ExHeader | CodedFrames, FourCC, one byte of data
        let header = try AudioTagHeader(payload: bytes)

        #expect(header.codec == .fourCC(fourCC))
        #expect(!header.isSequenceHeader)
        #expect(MediaClassifier.classify(typeID: 8, payload: bytes) == .audioFrame)
    }

    @Test func audioFourCCSpellings() {
        #expect(FourCC.opus.bytes == opus)
        #expect(FourCC.flac.bytes == flac)
        #expect(FourCC.ac3.bytes == [0x61, 0x63, 0x2D, 0x33])  // "ac-3"
        #expect(FourCC.eac3.bytes == [0x65, 0x63, 0x2D, 0x33])  // "ec-3"
        #expect(FourCC.mp3.bytes == [0x2E, 0x6D, 0x70, 0x33])  // ".mp3"
        #expect(FourCC.mp4a.bytes == mp4a)
        #expect(FourCC.vvc1.description == "vvc1")
        #expect(FourCC.vp08.rawValue == 0x7670_3038)
    }

    @Test func sequenceHeaderPropertiesOfMultichannelConfig() throws {
        let fixture = try #require(audioFixtures.first { $0.name == "enhanced MultichannelConfig" })
        let header = try AudioTagHeader(payload: fixture.bytes)

        #expect(header.isSequenceHeader)
        #expect(header.isMultichannelConfig)
        #expect(!header.isSequenceEnd)
        #expect(header.trackIDs == [0])
    }

    @Test func nestedAudioMultitrackThrows() {
        let bytes: [UInt8] = [0x95, 0x05] + opus + [0x00]  // OneTrack whose packet type is Multitrack again
        #expect(throws: FLVError.invalidMultitrack("")) { try AudioTagHeader(payload: bytes) }
        #expect(MediaClassifier.classify(typeID: 8, payload: bytes) == .malformed)
    }

    @Test func encodeRejectsLegacyHeaderWithoutRate() {
        let header = AudioTagHeader(
            soundFormat: .mp3, soundSize: 1, soundType: 0, codec: .legacy(.mp3),
            tracks: [AudioTrack(trackID: 0, codec: .legacy(.mp3), data: 0..<0)]
        )
        #expect(throws: FLVError.invalidHeader("")) { try header.encoded(trackData: [[UInt8]()]) }
    }

    @Test func encodeRejectsOneTrackWithTwoTracks() {
        let header = AudioTagHeader(
            soundFormat: .exHeader, packetType: .codedFrames, multitrackType: .oneTrack, codec: .fourCC(.opus),
            tracks: [
                AudioTrack(trackID: 0, codec: .fourCC(.opus), data: 0..<0),
                AudioTrack(trackID: 1, codec: .fourCC(.opus), data: 0..<0),
            ]
        )
        let trackData = [[UInt8]](repeating: [], count: 2)
        #expect(throws: FLVError.invalidMultitrack("")) { try header.encoded(trackData: trackData) }
    }

    @Test func encodeRejectsNestedMultitrackPacketType() {
        let header = AudioTagHeader(
            soundFormat: .exHeader, packetType: .multitrack, codec: .fourCC(.opus),
            tracks: [AudioTrack(trackID: 0, codec: .fourCC(.opus), data: 0..<0)]
        )
        #expect(throws: FLVError.invalidHeader("")) { try header.encoded(trackData: [[UInt8]()]) }
    }
}
