import AMF
import Bytes
import Testing

@testable import FLV

/// `["@setDataFrame", "onMetaData", {width: 320}]` as a publisher sends it.
let setDataFrameMessage: [UInt8] = [
    0x02, 0x00, 0x0D,  // string, length 13
    0x40, 0x73, 0x65, 0x74, 0x44, 0x61, 0x74, 0x61, 0x46, 0x72, 0x61, 0x6D, 0x65,  // "@setDataFrame"
    0x02, 0x00, 0x0A,  // string, length 10
    0x6F, 0x6E, 0x4D, 0x65, 0x74, 0x61, 0x44, 0x61, 0x74, 0x61,  // "onMetaData"
    0x08, 0x00, 0x00, 0x00, 0x01,  // ECMA array, count 1
    0x00, 0x05, 0x77, 0x69, 0x64, 0x74, 0x68,  // key "width"
    0x00, 0x40, 0x74, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // number 320
    0x00, 0x00, 0x09,  // empty key, object end
]

/// The same message without `@setDataFrame`, as subscribers receive it.
let onMetaDataMessage = Array(setDataFrameMessage.dropFirst(16))

@Suite struct MetadataTests {
    @Test func stripsSetDataFrame() {
        #expect(Metadata.strippingSetDataFrame(setDataFrameMessage) == onMetaDataMessage)
    }

    @Test func stripReturnsNilWithoutSetDataFrame() {
        #expect(Metadata.strippingSetDataFrame(onMetaDataMessage) == nil)
        #expect(Metadata.strippingSetDataFrame([0x02, 0x00, 0x0D, 0x40] as [UInt8]) == nil)  // cut short
        #expect(Metadata.strippingSetDataFrame([] as [UInt8]) == nil)
    }

    @Test func decodesOnMetaDataEitherWay() throws {
        let expected: AMF0Value = .ecmaArray([AMF0Property("width", 320)])

        #expect(try Metadata.decodeOnMetaData(setDataFrameMessage) == expected)
        #expect(try Metadata.decodeOnMetaData(onMetaDataMessage) == expected)
    }

    @Test func otherDataMessageIsNotMetadata() throws {
        let cuePoint = AMF0Value.encode(["onCuePoint", .object([])])
        #expect(try Metadata.decodeOnMetaData(cuePoint) == nil)
    }

    @Test func malformedMetadataThrows() {
        let bytes = onMetaDataMessage.dropLast(12)  // cut inside the number
        #expect(throws: AMFError.truncated("")) { try Metadata.decodeOnMetaData(bytes) }
    }

    @Test func encodesOnMetaData() {
        let encoded = Metadata.encodeOnMetaData(.ecmaArray([AMF0Property("width", 320)]))
        #expect(encoded == onMetaDataMessage)
    }
}

@Suite struct MediaClassifierTests {
    @Test func dataMessages() {
        #expect(MediaClassifier.classify(typeID: 18, payload: setDataFrameMessage) == .metadata)
        #expect(MediaClassifier.classify(typeID: 18, payload: onMetaDataMessage) == .metadata)
        #expect(MediaClassifier.classify(typeID: 18, payload: AMF0Value.encode(["onCuePoint"])) == .data)
        #expect(MediaClassifier.classify(typeID: 18, payload: [] as [UInt8]) == .data)
        #expect(MediaClassifier.classify(typeID: 15, payload: [0x00] as [UInt8]) == .data)
    }

    @Test(arguments: [1, 2, 3, 4, 5, 6, 17, 20, 22] as [UInt8])
    func otherMessageTypes(_ typeID: UInt8) {
        #expect(MediaClassifier.classify(typeID: typeID, payload: [0x17, 0x01] as [UInt8]) == .other)
    }

    @Test func emptyMediaIsMalformed() {
        #expect(MediaClassifier.classify(typeID: 8, payload: [] as [UInt8]) == .malformed)
        #expect(MediaClassifier.classify(typeID: 9, payload: [] as [UInt8]) == .malformed)
    }

    @Test func unknownPacketTypesAreOther() {
        let video: [UInt8] = [0x98] + avc1  // IsExHeader | key frame | packet type 8, reserved
        let legacyAVC: [UInt8] = [0x17, 0x03, 0x00, 0x00, 0x00]  // AVC packet type 3, undefined
        let audio: [UInt8] = [0x93] + opus  // ExHeader | packet type 3, reserved
        #expect(MediaClassifier.classify(typeID: 9, payload: video) == .other)
        #expect(MediaClassifier.classify(typeID: 9, payload: legacyAVC) == .other)
        #expect(MediaClassifier.classify(typeID: 8, payload: audio) == .other)
    }

    @Test func everyPayloadFormGivesTheSameKind() {
        let bytes = videoFixtures[0].bytes
        let expected = videoFixtures[0].kind
        let buffer = ByteBuffer(bytes: [0xEE] + bytes)  // one consumed byte before the payload
        var consumed = buffer
        _ = consumed.readByte()

        #expect(MediaClassifier.classify(typeID: 9, payload: bytes) == expected)
        #expect(MediaClassifier.classify(typeID: 9, payload: ([0xEE] + bytes).dropFirst()) == expected)
        #expect(MediaClassifier.classify(typeID: 9, payload: consumed) == expected)
        #expect(bytes.withUnsafeBytes { MediaClassifier.classify(typeID: 9, payload: $0) } == expected)
        #expect(MediaClassifier.classify(typeID: 9, payload: bytes.reversed().reversed()) == expected)
    }

    @Test func headersParseFromByteBuffer() throws {
        var buffer = ByteBuffer(bytes: [0xEE] + audioFixtures[0].bytes)
        _ = buffer.readByte()
        #expect(try AudioTagHeader(payload: buffer) == audioFixtures[0].header)

        var videoBuffer = ByteBuffer(bytes: [0xEE] + videoFixtures[1].bytes)
        _ = videoBuffer.readByte()
        #expect(try VideoTagHeader(payload: videoBuffer) == videoFixtures[1].header)
    }

    @Test func trackIDSetOperations() {
        var set: TrackIDSet = [0, 63, 64, 255]
        set.insert(128)

        #expect(Array(set) == [0, 63, 64, 128, 255])
        #expect(set.count == 5)
        #expect(set.contains(255))
        #expect(!set.contains(1))
        #expect(TrackIDSet([0, 64]).isSubset(of: set))
        #expect(!TrackIDSet([1]).isSubset(of: set))
        #expect(set.intersects([128]))
        #expect(!set.intersects([7]))
        #expect(TrackIDSet().isEmpty)
        #expect(set.description == "[0, 63, 64, 128, 255]")
    }
}
