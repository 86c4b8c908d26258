import Bytes
import Testing

@testable import AMF

/// `count` strict arrays nested in one another, the innermost holding `leaf`.
private func nestedStrictArrays(_ count: Int, leaf: [UInt8]) -> [UInt8] {
    var bytes: [UInt8] = []
    for _ in 0..<count {
        bytes += [0x0A, 0x00, 0x00, 0x00, 0x01]  // strict array, count 1
    }
    return bytes + leaf
}

@Suite struct AMF0LenientDecodingTests {
    @Test func ecmaArrayCountLargerThanEntries() throws {
        let bytes: [UInt8] = [
            0x08,  // marker: ECMA array
            0x00, 0x00, 0x00, 0x05,  // count 5, but one entry follows
            0x00, 0x01, 0x61,  // key "a"
            0x05,  // null
            0x00, 0x00, 0x09,  // empty key, object end
        ]
        #expect(try AMF0Decoder.decodeAll(bytes) == [.ecmaArray([AMF0Property("a", .null)])])
    }

    @Test func ecmaArrayCountZeroWithEntries() throws {
        let bytes: [UInt8] = [
            0x08,  // marker: ECMA array
            0x00, 0x00, 0x00, 0x00,  // count 0, but two entries follow
            0x00, 0x01, 0x61,  // key "a"
            0x01, 0x01,  // true
            0x00, 0x01, 0x62,  // key "b"
            0x01, 0x00,  // false
            0x00, 0x00, 0x09,  // empty key, object end
        ]
        let expected: AMF0Value = .ecmaArray([AMF0Property("a", true), AMF0Property("b", false)])
        #expect(try AMF0Decoder.decodeAll(bytes) == [expected])
    }

    @Test func objectEndMissingAtMessageEnd() throws {
        let bytes: [UInt8] = [
            0x03,  // marker: object
            0x00, 0x01, 0x61,  // key "a"
            0x00, 0x3F, 0xF0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // number 1.0; the message ends here
        ]
        #expect(try AMF0Decoder.decodeAll(bytes) == [.object([AMF0Property("a", 1)])])
    }

    @Test func nestedObjectEndsMissingAtMessageEnd() throws {
        let bytes: [UInt8] = [
            0x03,  // marker: object
            0x00, 0x01, 0x61,  // key "a"
            0x08, 0x00, 0x00, 0x00, 0x01,  // ECMA array, count 1
            0x00, 0x01, 0x62,  // key "b"
            0x05,  // null; both object ends are missing
        ]
        let expected: AMF0Value = .object([AMF0Property("a", .ecmaArray([AMF0Property("b", .null)]))])
        #expect(try AMF0Decoder.decodeAll(bytes) == [expected])
    }

    @Test func typedObjectEndMissingAtMessageEnd() throws {
        let bytes: [UInt8] = [
            0x10,  // marker: typed object
            0x00, 0x01, 0x54,  // class name "T"
            0x00, 0x01, 0x78,  // key "x"
            0x06,  // undefined; the message ends here
        ]
        let expected: AMF0Value = .typedObject(className: "T", properties: [AMF0Property("x", .undefined)])
        #expect(try AMF0Decoder.decodeAll(bytes) == [expected])
    }

    @Test func emptyKeyWithValueIsAProperty() throws {
        let bytes: [UInt8] = [
            0x03,  // marker: object
            0x00, 0x00,  // empty key, not followed by an object end
            0x05,  // null
            0x00, 0x00, 0x09,  // empty key, object end
        ]
        #expect(try AMF0Decoder.decodeAll(bytes) == [.object([AMF0Property("", .null)])])
    }
}

@Suite struct AMF0BoundedDecodingTests {
    // Regression: the decoder once counted the scalar leaf as a level, so 32 nested
    // arrays holding a number threw `tooDeep` while 32 nested empty arrays decoded.
    @Test func nestingAtTheDepthLimitDecodes() throws {
        let leaf: [UInt8] = [0x00, 0x3F, 0xF0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00]  // number 1.0
        let values = try AMF0Decoder.decodeAll(nestedStrictArrays(32, leaf: leaf))

        var expected: AMF0Value = 1
        for _ in 0..<32 { expected = .strictArray([expected]) }
        #expect(values == [expected])
    }

    @Test func nestingOverTheDepthLimitThrows() {
        let bytes = nestedStrictArrays(33, leaf: [0x05])
        #expect(throws: AMFError.tooDeep(32)) { try AMF0Decoder.decodeAll(bytes) }
    }

    @Test func objectNestingOverCustomLimitThrows() {
        let limits = AMFLimits(maximumDepth: 2)
        let twoLevels: [UInt8] = [
            0x03, 0x00, 0x01, 0x61,  // object, key "a"
            0x03, 0x00, 0x00, 0x09,  // empty object
            0x00, 0x00, 0x09,  // object end
        ]
        let threeLevels: [UInt8] = [
            0x03, 0x00, 0x01, 0x61,  // object, key "a"
            0x03, 0x00, 0x01, 0x62,  // object, key "b"
            0x03, 0x00, 0x00, 0x09,  // empty object
            0x00, 0x00, 0x09,  // object end
            0x00, 0x00, 0x09,  // object end
        ]
        #expect(throws: Never.self) { try AMF0Decoder.decodeAll(twoLevels, limits: limits) }
        #expect(throws: AMFError.tooDeep(2)) { try AMF0Decoder.decodeAll(threeLevels, limits: limits) }
    }

    @Test func stringOverTheLengthLimitThrows() {
        let limits = AMFLimits(maximumStringLength: 4)
        let bytes: [UInt8] = [
            0x02,  // marker: string
            0x00, 0x05,  // length 5
            0x68, 0x65, 0x6C, 0x6C, 0x6F,  // "hello"
        ]
        #expect(throws: AMFError.stringTooLong(5)) { try AMF0Decoder.decodeAll(bytes, limits: limits) }
    }

    @Test func keyOverTheLengthLimitThrows() {
        let limits = AMFLimits(maximumStringLength: 2)
        let bytes: [UInt8] = [
            0x03,  // marker: object
            0x00, 0x03, 0x61, 0x70, 0x70,  // key "app", 3 bytes
            0x05,  // null
            0x00, 0x00, 0x09,  // empty key, object end
        ]
        #expect(throws: AMFError.stringTooLong(3)) { try AMF0Decoder.decodeAll(bytes, limits: limits) }
    }

    @Test func longStringLengthIsCheckedBeforeTheBytes() {
        let bytes: [UInt8] = [
            0x0C,  // marker: long string
            0xFF, 0xFF, 0xFF, 0xFF,  // length 4,294,967,295
            0x61,  // one byte of it
        ]
        #expect(throws: AMFError.stringTooLong(0)) { try AMF0Decoder.decodeAll(bytes) }
    }

    @Test func xmlDocumentOverTheLengthLimitThrows() {
        let bytes: [UInt8] = [
            0x0F,  // marker: XML document
            0x00, 0x20, 0x00, 0x00,  // length 2 MiB, over the default 1 MiB
        ]
        #expect(throws: AMFError.stringTooLong(0)) { try AMF0Decoder.decodeAll(bytes) }
    }

    @Test func strictArrayCountBeyondTheBytesThrowsTruncated() {
        let bytes: [UInt8] = [
            0x0A,  // marker: strict array
            0x00, 0x00, 0x10, 0x00,  // count 4,096
            0x05,  // only one element follows
        ]
        #expect(throws: AMFError.truncated("")) { try AMF0Decoder.decodeAll(bytes) }
    }

    @Test func strictArrayCountOverTheEntryLimitThrows() {
        let bytes: [UInt8] = [
            0x0A,  // marker: strict array
            0x00, 0x00, 0x00, 0x03,  // count 3
            0x05, 0x05, 0x05,  // null, null, null
        ]
        let limits = AMFLimits(maximumEntries: 2)
        #expect(throws: AMFError.tooManyEntries(3)) { try AMF0Decoder.decodeAll(bytes, limits: limits) }
    }

    @Test func objectEntriesOverTheLimitThrow() {
        let bytes: [UInt8] = [
            0x03,  // marker: object
            0x00, 0x01, 0x61, 0x05,  // "a": null
            0x00, 0x01, 0x62, 0x05,  // "b": null
            0x00, 0x01, 0x63, 0x05,  // "c": null
            0x00, 0x00, 0x09,  // empty key, object end
        ]
        let limits = AMFLimits(maximumEntries: 2)
        #expect(throws: AMFError.tooManyEntries(3)) { try AMF0Decoder.decodeAll(bytes, limits: limits) }
    }

    @Test func ecmaArrayEntriesOverTheLimitThrow() {
        let bytes: [UInt8] = [
            0x08,  // marker: ECMA array
            0x00, 0x00, 0x00, 0x01,  // count 1, a wrong hint
            0x00, 0x01, 0x61, 0x05,  // "a": null
            0x00, 0x01, 0x62, 0x05,  // "b": null
            0x00, 0x00, 0x09,  // empty key, object end
        ]
        let limits = AMFLimits(maximumEntries: 1)
        #expect(throws: AMFError.tooManyEntries(2)) { try AMF0Decoder.decodeAll(bytes, limits: limits) }
    }

    @Test func referenceWithoutAnEarlierObjectThrows() {
        let bytes: [UInt8] = [
            0x07,  // marker: reference
            0x00, 0x00,  // index 0, but no object came before
        ]
        #expect(throws: AMFError.invalidReference(0)) { try AMF0Decoder.decodeAll(bytes) }
    }

    @Test(arguments: [0x04, 0x09, 0x0E, 0x12, 0xFF] as [UInt8])
    func reservedOrUnknownMarkerThrows(_ marker: UInt8) {
        #expect(throws: AMFError.unknownMarker(marker)) { try AMF0Decoder.decodeAll([marker]) }
    }
}

@Suite struct AMF0EncoderLengthTests {
    @Test func stringOver65535BytesEncodesAsLongString() throws {
        let text = String(repeating: "a", count: 70_000)
        let bytes = AMF0Value.encode([.string(text)])

        #expect(Array(bytes.prefix(5)) == [0x0C, 0x00, 0x01, 0x11, 0x70])  // long string, length 70,000
        #expect(bytes.count == 5 + 70_000)
        #expect(try AMF0Decoder.decodeAll(bytes) == [.longString(text)])
    }

    @Test func longKeyIsCutAtACharacterBoundary() throws {
        // 32,768 two-byte characters are 65,536 bytes, one more than a key may hold.
        let key = String(repeating: "é", count: 32_768)
        let bytes = AMF0Value.encode([.object([AMF0Property(key, .null)])])

        #expect(Array(bytes.prefix(3)) == [0x03, 0xFF, 0xFE])  // object, key length 65,534
        let decoded = try AMF0Decoder.decodeAll(bytes)
        #expect(decoded == [.object([AMF0Property(String(repeating: "é", count: 32_767), .null)])])
    }
}
