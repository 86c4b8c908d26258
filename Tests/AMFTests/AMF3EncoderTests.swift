import Bytes
import Testing

@testable import AMF

/// An integer outside the signed 29-bit range, the double the encoder writes for it, and that double's bytes.
struct OutOfRangeInteger: Sendable, CustomTestStringConvertible {
    var integer: Int32
    var bytes: [UInt8]

    var testDescription: String { String(integer) }
}

let outOfRangeIntegers: [OutOfRangeInteger] = [
    OutOfRangeInteger(
        integer: 0x1000_0000,  // 2^28, one above the maximum
        bytes: [0x05, 0x41, 0xB0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00]  // double 268,435,456
    ),
    OutOfRangeInteger(
        integer: -0x1000_0001,  // -2^28 - 1, one below the minimum
        bytes: [0x05, 0xC1, 0xB0, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00]  // double -268,435,457
    ),
    OutOfRangeInteger(
        integer: .max,
        bytes: [0x05, 0x41, 0xDF, 0xFF, 0xFF, 0xFF, 0xC0, 0x00, 0x00]  // double 2,147,483,647
    ),
    OutOfRangeInteger(
        integer: .min,
        bytes: [0x05, 0xC1, 0xE0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00]  // double -2,147,483,648
    ),
]

@Suite struct AMF3EncoderTests {
    @Test(arguments: outOfRangeIntegers)
    func integerOutOfRangeEncodesAsDouble(_ fixture: OutOfRangeInteger) throws {
        let bytes = AMF3Encoder.encode([.integer(fixture.integer)])

        #expect(bytes == fixture.bytes)
        #expect(try AMF3Decoder.decodeAll(bytes) == [.double(Double(fixture.integer))])
    }

    @Test func everyTypeRoundTrips() throws {
        let value = AMF3Value.array(
            dense: [
                .undefined, .null, false, true, .integer(-0x1000_0000), .integer(0x0FFF_FFFF), .double(-0.25),
                "shared", "shared", "", .xmlDocument("<doc/>"), .date(millisecondsSince1970: 1.5e12),
                .object(point(1, 2)), .object(point(3, 4)), .xml("<x/>"), .byteArray([0x00, 0xFF]),
                .vectorInt(fixed: true, [.min, 0, .max]), .vectorUInt(fixed: false, [0, .max]),
                .vectorDouble(fixed: false, [.infinity, -1]),
                .vectorObject(fixed: true, typeName: "Point", [.object(point(5, 6))]),
                .dictionary(
                    weakKeys: true,
                    [AMF3DictionaryEntry(.object(point(7, 8)), "shared"), AMF3DictionaryEntry(1, .null)]
                ),
                .object(arrayCollection(["shared", 2])),
                .object(
                    AMF3Object(
                        traits: AMF3Traits(className: "Mixed", isDynamic: true, sealedMemberNames: ["x"]),
                        sealedValues: [.integer(1)],
                        dynamicMembers: [
                            AMF3Property("shared", .array(dense: [], associative: [AMF3Property("x", 9)]))
                        ]
                    )
                ),
            ],
            associative: [AMF3Property("Point", "x")]
        )

        let bytes = AMF3Encoder.encode([value])

        #expect(try AMF3Decoder.decodeAll(bytes) == [value])
    }

    @Test func repeatedStringsAndTraitsAreReferenced() {
        let value = AMF3Value.array(dense: [.object(point(1, 2)), .object(point(1, 2)), "x"], associative: [])
        let bytes = AMF3Encoder.encode([value])

        #expect(bytes.filter { $0 == 0x50 }.count == 1)  // "P" of "Point" appears once
        #expect(Array(bytes.suffix(2)) == [0x06, 0x02])  // string "x" as reference 1 ("Point" is 0)
    }

    @Test func sealedValuesFollowTheNames() throws {
        let traits = AMF3Traits(className: "P", isDynamic: false, sealedMemberNames: ["a", "b"])
        let long = AMF3Object(traits: traits, sealedValues: [1, 2, 3])  // the third value has no name
        let short = AMF3Object(traits: traits, sealedValues: [1])  // "b" has no value

        let decoded = try AMF3Decoder.decodeAll(AMF3Encoder.encode([.object(long), .object(short)]))

        #expect(decoded == [
            .object(AMF3Object(traits: traits, sealedValues: [1, 2])),
            .object(AMF3Object(traits: traits, sealedValues: [1, .undefined])),
        ])
    }

    @Test func emptyMemberNameIsLeftOut() throws {
        let object = AMF3Object(dynamicMembers: [AMF3Property("", 1), AMF3Property("b", 2)])
        let bytes = AMF3Encoder.encode([.object(object)])

        #expect(try AMF3Decoder.decodeAll(bytes) == [.object(AMF3Object(dynamicMembers: [AMF3Property("b", 2)]))])
    }

    @Test func objectAccessorsReadSealedAndDynamicMembers() {
        let traits = AMF3Traits(className: "Mixed", isDynamic: true, sealedMemberNames: ["s"])
        let object = AMF3Object(traits: traits, sealedValues: ["sealed"], dynamicMembers: [AMF3Property("d", 2)])
        let value = AMF3Value.object(object)

        #expect(value["s"]?.stringValue == "sealed")
        #expect(value["d"]?.numberValue == 2)
        #expect(value["missing"] == nil)
        #expect(object.members == [AMF3Property("s", "sealed"), AMF3Property("d", 2)])
    }
}
