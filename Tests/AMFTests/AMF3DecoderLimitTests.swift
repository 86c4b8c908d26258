import Bytes
import Testing

@testable import AMF

/// `count` AMF3 arrays nested in one another, each with one dense element, the innermost holding `leaf`.
private func nestedArrays(_ count: Int, leaf: [UInt8]) -> [UInt8] {
    var bytes: [UInt8] = []
    for _ in 0..<count {
        bytes += [0x09, 0x03, 0x01]  // array, dense count 1, no associative part
    }
    return bytes + leaf
}

@Suite struct AMF3DecoderDepthTests {
    @Test func nestingAtTheDepthLimitDecodes() throws {
        let values = try AMF3Decoder.decodeAll(nestedArrays(32, leaf: [0x04, 0x01]))  // integer 1

        var expected: AMF3Value = 1
        for _ in 0..<32 { expected = .array(dense: [expected], associative: []) }
        #expect(values == [expected])
    }

    @Test func nestingOverTheDepthLimitThrows() {
        let bytes = nestedArrays(33, leaf: [0x01])
        #expect(throws: AMFError.tooDeep(32)) { try AMF3Decoder.decodeAll(bytes) }
    }

    @Test func objectNestingOverCustomLimitThrows() {
        let bytes: [UInt8] = [
            0x0A, 0x0B, 0x01,  // anonymous dynamic object
            0x03, 0x61,  // member name "a"
            0x0A, 0x01,  // object with traits 0
            0x03, 0x62,  // member name "b"
            0x0A, 0x01, 0x01,  // object with traits 0, no members
            0x01,  // end of the members of "a"
            0x01,  // end of the outer members
        ]
        #expect(throws: Never.self) { try AMF3Decoder.decodeAll(bytes, limits: AMFLimits(maximumDepth: 3)) }
        #expect(throws: AMFError.tooDeep(2)) { try AMF3Decoder.decodeAll(bytes, limits: AMFLimits(maximumDepth: 2)) }
    }

    @Test func referencedSubtreeCountsAtTheReferenceDepth() {
        // Value 0 is 20 nested arrays. Value 1 nests 20 arrays around a reference
        // to value 0, which expands to 40 levels, over the limit of 32.
        let first = nestedArrays(20, leaf: [0x01])
        let second = nestedArrays(20, leaf: [0x09, 0x00])  // array reference to object 0
        #expect(throws: Never.self) { try AMF3Decoder.decodeAll(first) }
        #expect(throws: AMFError.tooDeep(32)) { try AMF3Decoder.decodeAll(first + second) }
    }
}

@Suite struct AMF3DecoderLengthTests {
    @Test func stringOverTheLengthLimitThrows() {
        let bytes: [UInt8] = [
            0x06,  // marker: string
            0x0B,  // inline, 5 bytes
            0x68, 0x65, 0x6C, 0x6C, 0x6F,  // "hello"
        ]
        let limits = AMFLimits(maximumStringLength: 4)
        #expect(throws: AMFError.stringTooLong(5)) { try AMF3Decoder.decodeAll(bytes, limits: limits) }
    }

    @Test func stringLengthIsCheckedBeforeTheBytes() {
        let bytes: [UInt8] = [
            0x06,  // marker: string
            0xFF, 0xFF, 0xFF, 0xFF,  // U29 0x1FFFFFFF: inline, 268,435,455 bytes
            0x61,  // one byte of it
        ]
        #expect(throws: AMFError.stringTooLong(0)) { try AMF3Decoder.decodeAll(bytes) }
    }

    @Test func xmlOverTheLengthLimitThrows() {
        let bytes: [UInt8] = [
            0x0B,  // marker: XML
            0x0B,  // inline, 5 bytes
            0x3C, 0x61, 0x20, 0x2F, 0x3E,  // "<a />"
        ]
        let limits = AMFLimits(maximumStringLength: 4)
        #expect(throws: AMFError.stringTooLong(5)) { try AMF3Decoder.decodeAll(bytes, limits: limits) }
    }

    @Test func memberNameOverTheLengthLimitThrows() {
        let bytes: [UInt8] = [
            0x0A, 0x0B, 0x01,  // anonymous dynamic object
            0x07, 0x61, 0x70, 0x70,  // member name "app", 3 bytes
            0x01, 0x01,  // null, end of members
        ]
        let limits = AMFLimits(maximumStringLength: 2)
        #expect(throws: AMFError.stringTooLong(3)) { try AMF3Decoder.decodeAll(bytes, limits: limits) }
    }

    @Test func byteArrayOverTheLengthLimitThrows() {
        let bytes: [UInt8] = [
            0x0C,  // marker: byte array
            0x07,  // inline, 3 bytes
            0x01, 0x02, 0x03,
        ]
        let limits = AMFLimits(maximumByteArrayLength: 2)
        #expect(throws: AMFError.byteArrayTooLong(3)) { try AMF3Decoder.decodeAll(bytes, limits: limits) }
    }

    @Test func countBeyondTheBytesThrowsTruncated() {
        let bytes: [UInt8] = [
            0x0F,  // marker: vector of double
            0x9F, 0x21,  // U29 2,000 << 1 | 1: inline, 2,000 elements
            0x00,  // not fixed length
            0x3F, 0xF8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // only one element follows
        ]
        #expect(throws: AMFError.truncated("")) { try AMF3Decoder.decodeAll(bytes) }
    }
}

@Suite struct AMF3DecoderEntryTests {
    private let limits = AMFLimits(maximumEntries: 2)

    @Test func denseArrayOverTheEntryLimitThrows() {
        let bytes: [UInt8] = [
            0x09, 0x07, 0x01,  // array, dense count 3, no associative part
            0x01, 0x01, 0x01,  // null, null, null
        ]
        #expect(throws: AMFError.tooManyEntries(3)) { try AMF3Decoder.decodeAll(bytes, limits: limits) }
    }

    @Test func associativePartOverTheEntryLimitThrows() {
        let bytes: [UInt8] = [
            0x09, 0x01,  // array, dense count 0
            0x03, 0x61, 0x01,  // "a": null
            0x03, 0x62, 0x01,  // "b": null
            0x03, 0x63, 0x01,  // "c": null
            0x01,  // end of the associative part
        ]
        #expect(throws: AMFError.tooManyEntries(3)) { try AMF3Decoder.decodeAll(bytes, limits: limits) }
    }

    @Test func dynamicMembersOverTheEntryLimitThrow() {
        let bytes: [UInt8] = [
            0x0A, 0x0B, 0x01,  // anonymous dynamic object
            0x03, 0x61, 0x01,  // "a": null
            0x03, 0x62, 0x01,  // "b": null
            0x03, 0x63, 0x01,  // "c": null
            0x01,  // end of members
        ]
        #expect(throws: AMFError.tooManyEntries(3)) { try AMF3Decoder.decodeAll(bytes, limits: limits) }
    }

    @Test func sealedMemberCountOverTheEntryLimitThrows() {
        let bytes: [UInt8] = [
            0x0A,  // marker: object
            0x33,  // inline traits, sealed, 3 sealed members
            0x03, 0x54,  // class name "T"
            0x03, 0x61, 0x03, 0x62, 0x03, 0x63,  // names "a", "b", "c"
            0x01, 0x01, 0x01,  // null, null, null
        ]
        #expect(throws: AMFError.tooManyEntries(3)) { try AMF3Decoder.decodeAll(bytes, limits: limits) }
    }

    @Test func vectorOverTheEntryLimitThrows() {
        let bytes: [UInt8] = [
            0x0D, 0x07, 0x00,  // vector of int, 3 elements, not fixed
            0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x03,  // 1, 2, 3
        ]
        #expect(throws: AMFError.tooManyEntries(3)) { try AMF3Decoder.decodeAll(bytes, limits: limits) }
    }

    @Test func dictionaryOverTheEntryLimitThrows() {
        let bytes: [UInt8] = [
            0x11, 0x07, 0x00,  // dictionary, 3 entries, strong keys
            0x04, 0x01, 0x01,  // 1: null
            0x04, 0x02, 0x01,  // 2: null
            0x04, 0x03, 0x01,  // 3: null
        ]
        #expect(throws: AMFError.tooManyEntries(3)) { try AMF3Decoder.decodeAll(bytes, limits: limits) }
    }
}

@Suite struct AMF3DecoderReferenceTests {
    @Test func missingStringReferenceThrows() {
        let bytes: [UInt8] = [
            0x06,  // marker: string
            0x00,  // reference to string 0, but the table is empty
        ]
        #expect(throws: AMFError.invalidReference(0)) { try AMF3Decoder.decodeAll(bytes) }
    }

    @Test func emptyStringCannotBeReferenced() {
        let bytes: [UInt8] = [
            0x06, 0x01,  // empty string, which takes no table entry
            0x06, 0x00,  // reference to string 0
        ]
        #expect(throws: AMFError.invalidReference(0)) { try AMF3Decoder.decodeAll(bytes) }
    }

    @Test func missingObjectReferenceThrows() {
        let bytes: [UInt8] = [
            0x0A,  // marker: object
            0x04,  // reference to object 2
        ]
        #expect(throws: AMFError.invalidReference(2)) { try AMF3Decoder.decodeAll(bytes) }
    }

    @Test func missingTraitsReferenceThrows() {
        let bytes: [UInt8] = [
            0x0A,  // marker: object
            0x05,  // inline object, reference to traits 1
        ]
        #expect(throws: AMFError.invalidReference(1)) { try AMF3Decoder.decodeAll(bytes) }
    }

    @Test func selfReferenceThrowsCircular() {
        let bytes: [UInt8] = [
            0x09, 0x03, 0x01,  // array, dense count 1, no associative part: object 0
            0x09, 0x00,  // array reference to object 0, which is still open
        ]
        #expect(throws: AMFError.circularReference(0)) { try AMF3Decoder.decodeAll(bytes) }
    }

    @Test func referenceDecodesToTheReferencedValue() throws {
        let bytes: [UInt8] = [
            0x0C, 0x05, 0xAB, 0xCD,  // byte array of 2 bytes: object 0
            0x08, 0x01,  // date: object 1
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // 0 ms
            0x08, 0x02,  // date reference to object 1
            0x0C, 0x00,  // byte array reference to object 0
        ]
        let values = try AMF3Decoder.decodeAll(bytes)
        let bytesValue: AMF3Value = .byteArray([0xAB, 0xCD])
        let dateValue: AMF3Value = .date(millisecondsSince1970: 0)
        #expect(values == [bytesValue, dateValue, dateValue, bytesValue])
    }

    /// Value k is an array holding two references to value k - 1, so it expands
    /// to 2^(k+1) - 1 values from 7 bytes of input.
    private func doublingReferences(_ count: Int) -> [UInt8] {
        var bytes: [UInt8] = [0x09, 0x01, 0x01]  // empty array: object 0
        for index in 1..<count {
            let reference = UInt8((index - 1) << 1)  // reference to object index - 1
            bytes += [0x09, 0x05, 0x01, 0x09, reference, 0x09, reference]
        }
        return bytes
    }

    @Test func referenceExpansionWithinTheLimitDecodes() throws {
        let values = try AMF3Decoder.decodeAll(doublingReferences(10))
        #expect(values.count == 10)
    }

    @Test func referenceExpansionOverTheLimitThrows() {
        // 25 values of 7 bytes would expand to 2^26 values without the limit.
        let bytes = doublingReferences(25)
        #expect(bytes.count < 200)
        #expect(throws: AMFError.tooManyValues(0)) { try AMF3Decoder.decodeAll(bytes) }
    }

    @Test func referenceExpansionOverCustomLimitThrows() {
        // Values 0 to 4 expand to 1 + 3 + 7 + 15 + 31 = 57 values.
        let bytes = doublingReferences(5)
        let tooLow = AMFLimits(maximumDecodedValues: 56)
        let enough = AMFLimits(maximumDecodedValues: 57)
        #expect(throws: AMFError.tooManyValues(0)) { try AMF3Decoder.decodeAll(bytes, limits: tooLow) }
        #expect(throws: Never.self) { try AMF3Decoder.decodeAll(bytes, limits: enough) }
    }
}

@Suite struct AMF3DecoderRejectionTests {
    @Test func unknownExternalizableClassThrows() {
        let bytes: [UInt8] = [
            0x0A,  // marker: object
            0x07,  // inline, externalizable
            0x0D, 0x43, 0x75, 0x73, 0x74, 0x6F, 0x6D,  // class name "Custom"
            0x00, 0x00, 0x00, 0x2A,  // a body in the class's own format
        ]
        #expect(throws: AMFError.unsupportedExternalizable("Custom")) { try AMF3Decoder.decodeAll(bytes) }
    }

    @Test func configuredExternalizableClassDecodes() throws {
        let bytes: [UInt8] = [
            0x0A, 0x07,  // object, inline, externalizable
            0x0D, 0x43, 0x75, 0x73, 0x74, 0x6F, 0x6D,  // class name "Custom"
            0x06, 0x03, 0x61,  // body: string "a"
        ]
        var decoder = AMF3Decoder(externalizableClassNames: ["Custom"])
        var buffer = ByteBuffer(bytes: bytes)

        let value = try decoder.decode(from: &buffer)

        let traits = AMF3Traits(className: "Custom", isDynamic: false, isExternalizable: true)
        #expect(value == .object(AMF3Object(traits: traits, externalContent: "a")))
    }

    @Test func invalidVectorFlagThrows() {
        let bytes: [UInt8] = [
            0x0D, 0x01,  // vector of int, 0 elements
            0x02,  // fixed-length flag 2
        ]
        #expect(throws: AMFError.invalidFlag(2, "")) { try AMF3Decoder.decodeAll(bytes) }
    }

    @Test func invalidDictionaryFlagThrows() {
        let bytes: [UInt8] = [
            0x11, 0x01,  // dictionary, 0 entries
            0x80,  // weak-keys flag 0x80
        ]
        #expect(throws: AMFError.invalidFlag(0x80, "")) { try AMF3Decoder.decodeAll(bytes) }
    }

    @Test(arguments: [0x12, 0x20, 0xFF] as [UInt8])
    func unknownMarkerThrows(_ marker: UInt8) {
        #expect(throws: AMFError.unknownMarker(marker)) { try AMF3Decoder.decodeAll([marker]) }
    }
}
