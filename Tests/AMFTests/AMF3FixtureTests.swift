import Bytes
import Testing

@testable import AMF

/// One AMF3 byte fixture: values decoded one after another by one decoder, and their wire bytes.
struct AMF3Fixture: Sendable, CustomTestStringConvertible {
    var name: String
    var values: [AMF3Value]
    var bytes: [UInt8]
    /// What the encoder writes for `values` when it differs from `bytes`,
    /// because the encoder writes no object references.
    var reencodedBytes: [UInt8]? = nil

    var testDescription: String { name }
}

/// The UTF-8 bytes of `text`, for names too long to spell out in hex.
private func utf8(_ text: String) -> [UInt8] { Array(text.utf8) }

let amf3ScalarFixtures: [AMF3Fixture] = [
    AMF3Fixture(name: "undefined", values: [.undefined], bytes: [0x00]),  // marker: undefined
    AMF3Fixture(name: "null", values: [.null], bytes: [0x01]),  // marker: null
    AMF3Fixture(name: "false", values: [false], bytes: [0x02]),  // marker: false
    AMF3Fixture(name: "true", values: [true], bytes: [0x03]),  // marker: true
    AMF3Fixture(
        name: "integer 0",
        values: [.integer(0)],
        bytes: [
            0x04,  // marker: integer
            0x00,  // U29 0, one byte
        ]
    ),
    AMF3Fixture(
        name: "integer 0x7F",
        values: [.integer(0x7F)],
        bytes: [
            0x04,  // marker: integer
            0x7F,  // U29 0x7F, the largest one-byte value
        ]
    ),
    AMF3Fixture(
        name: "integer 0x80",
        values: [.integer(0x80)],
        bytes: [
            0x04,  // marker: integer
            0x81, 0x00,  // U29 0x80, the smallest two-byte value
        ]
    ),
    AMF3Fixture(
        name: "integer 0x3FFF",
        values: [.integer(0x3FFF)],
        bytes: [
            0x04,  // marker: integer
            0xFF, 0x7F,  // U29 0x3FFF, the largest two-byte value
        ]
    ),
    AMF3Fixture(
        name: "integer 0x4000",
        values: [.integer(0x4000)],
        bytes: [
            0x04,  // marker: integer
            0x81, 0x80, 0x00,  // U29 0x4000, the smallest three-byte value
        ]
    ),
    AMF3Fixture(
        name: "integer 0x1FFFFF",
        values: [.integer(0x1F_FFFF)],
        bytes: [
            0x04,  // marker: integer
            0xFF, 0xFF, 0x7F,  // U29 0x1FFFFF, the largest three-byte value
        ]
    ),
    AMF3Fixture(
        name: "integer 0x200000",
        values: [.integer(0x20_0000)],
        bytes: [
            0x04,  // marker: integer
            0x80, 0xC0, 0x80, 0x00,  // U29 0x200000, the smallest four-byte value; the last byte has 8 bits
        ]
    ),
    AMF3Fixture(
        name: "integer maximum 0x0FFFFFFF",
        values: [.integer(0x0FFF_FFFF)],
        bytes: [
            0x04,  // marker: integer
            0xBF, 0xFF, 0xFF, 0xFF,  // U29 0x0FFFFFFF, 2^28 - 1
        ]
    ),
    AMF3Fixture(
        name: "integer -1",
        values: [.integer(-1)],
        bytes: [
            0x04,  // marker: integer
            0xFF, 0xFF, 0xFF, 0xFF,  // U29 0x1FFFFFFF, -1 in 29-bit two's complement
        ]
    ),
    AMF3Fixture(
        name: "integer minimum -2^28",
        values: [.integer(-0x1000_0000)],
        bytes: [
            0x04,  // marker: integer
            0xC0, 0x80, 0x80, 0x00,  // U29 0x10000000, only the sign bit set
        ]
    ),
    AMF3Fixture(
        name: "double",
        values: [.double(1.5)],
        bytes: [
            0x05,  // marker: double
            0x3F, 0xF8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // IEEE 754 double 1.5
        ]
    ),
    AMF3Fixture(
        name: "string",
        values: ["live"],
        bytes: [
            0x06,  // marker: string
            0x09,  // U29 4 << 1 | 1: inline, 4 bytes
            0x6C, 0x69, 0x76, 0x65,  // "live"
        ]
    ),
    AMF3Fixture(
        name: "empty string",
        values: [""],
        bytes: [
            0x06,  // marker: string
            0x01,  // U29 0 << 1 | 1: inline, 0 bytes
        ]
    ),
    AMF3Fixture(
        name: "string reference",
        values: ["live", "live"],
        bytes: [
            0x06, 0x09, 0x6C, 0x69, 0x76, 0x65,  // string "live", string table entry 0
            0x06,  // marker: string
            0x00,  // U29 0 << 1: reference to string 0
        ]
    ),
    AMF3Fixture(
        name: "empty string stays out of the string table",
        values: ["", "a", "", "a"],
        bytes: [
            0x06, 0x01,  // empty string, not added to the table
            0x06, 0x03, 0x61,  // string "a", string table entry 0
            0x06, 0x01,  // empty string, inline again
            0x06, 0x00,  // reference to string 0, "a"
        ]
    ),
    AMF3Fixture(
        name: "XML document",
        values: [.xmlDocument("<a/>")],
        bytes: [
            0x07,  // marker: XML document
            0x09,  // U29 4 << 1 | 1: inline, 4 bytes
            0x3C, 0x61, 0x2F, 0x3E,  // "<a/>"
        ]
    ),
    AMF3Fixture(
        name: "date",
        values: [.date(millisecondsSince1970: 1e12)],
        bytes: [
            0x08,  // marker: date
            0x01,  // U29 1: inline, no other bits
            0x42, 0x6D, 0x1A, 0x94, 0xA2, 0x00, 0x00, 0x00,  // 1e12 ms, 2001-09-09
        ]
    ),
    AMF3Fixture(
        name: "XML",
        values: [.xml("<a/>")],
        bytes: [
            0x0B,  // marker: XML
            0x09,  // U29 4 << 1 | 1: inline, 4 bytes
            0x3C, 0x61, 0x2F, 0x3E,  // "<a/>"
        ]
    ),
    AMF3Fixture(
        name: "byte array",
        values: [.byteArray([0x01, 0x02, 0x03])],
        bytes: [
            0x0C,  // marker: byte array
            0x07,  // U29 3 << 1 | 1: inline, 3 bytes
            0x01, 0x02, 0x03,  // the bytes
        ]
    ),
]

let amf3ContainerFixtures: [AMF3Fixture] = [
    AMF3Fixture(
        name: "dense array",
        values: [.array(dense: [1, "a"], associative: [])],
        bytes: [
            0x09,  // marker: array
            0x05,  // U29 2 << 1 | 1: inline, dense count 2
            0x01,  // empty name: no associative part
            0x04, 0x01,  // integer 1
            0x06, 0x03, 0x61,  // string "a"
        ]
    ),
    AMF3Fixture(
        name: "array with associative part",
        values: [.array(dense: [true], associative: [AMF3Property("k", .null)])],
        bytes: [
            0x09,  // marker: array
            0x03,  // U29 1 << 1 | 1: inline, dense count 1
            0x03, 0x6B,  // name "k"
            0x01,  // null
            0x01,  // empty name: end of the associative part
            0x03,  // true, dense element 0
        ]
    ),
    AMF3Fixture(
        name: "anonymous dynamic object",
        values: [.object(AMF3Object(dynamicMembers: [AMF3Property("app", "live")]))],
        bytes: [
            0x0A,  // marker: object
            0x0B,  // U29 0b1011: inline object, inline traits, not externalizable, dynamic, 0 sealed
            0x01,  // class name "" (anonymous)
            0x07, 0x61, 0x70, 0x70,  // dynamic member name "app"
            0x06, 0x09, 0x6C, 0x69, 0x76, 0x65,  // string "live"
            0x01,  // empty name: end of dynamic members
        ]
    ),
    AMF3Fixture(
        name: "typed object with sealed members",
        values: [.object(point(1, 2))],
        bytes: [
            0x0A,  // marker: object
            0x23,  // U29 2 << 4 | 0b0011: inline object, inline traits, sealed, 2 sealed members
            0x0B, 0x50, 0x6F, 0x69, 0x6E, 0x74,  // class name "Point"
            0x03, 0x78,  // sealed member name "x"
            0x03, 0x79,  // sealed member name "y"
            0x04, 0x01,  // x: integer 1
            0x04, 0x02,  // y: integer 2
        ]
    ),
    AMF3Fixture(
        name: "traits reference",
        values: [.array(dense: [.object(point(1, 2)), .object(point(3, 4))], associative: [])],
        bytes: [
            0x09, 0x05, 0x01,  // array, dense count 2, no associative part
            0x0A, 0x23,  // object, inline traits with 2 sealed members: traits table entry 0
            0x0B, 0x50, 0x6F, 0x69, 0x6E, 0x74,  // class name "Point"
            0x03, 0x78, 0x03, 0x79,  // sealed member names "x", "y"
            0x04, 0x01, 0x04, 0x02,  // integers 1, 2
            0x0A,  // marker: object
            0x01,  // U29 0 << 2 | 0b01: inline object, reference to traits 0
            0x04, 0x03, 0x04, 0x04,  // integers 3, 4
        ]
    ),
    AMF3Fixture(
        name: "object reference",
        values: [.array(dense: [.object(AMF3Object()), .object(AMF3Object())], associative: [])],
        bytes: [
            0x09, 0x05, 0x01,  // array, dense count 2, no associative part: object table entry 0
            0x0A, 0x0B, 0x01, 0x01,  // anonymous dynamic object, no members: object table entry 1
            0x0A,  // marker: object
            0x02,  // U29 1 << 1: reference to object 1
        ],
        reencodedBytes: [
            0x09, 0x05, 0x01,  // array, dense count 2, no associative part
            0x0A, 0x0B, 0x01, 0x01,  // anonymous dynamic object, traits table entry 0
            0x0A, 0x01, 0x01,  // object inline again, reference to traits 0, no members
        ]
    ),
    AMF3Fixture(
        name: "vector of int",
        values: [.vectorInt(fixed: false, [1, -1])],
        bytes: [
            0x0D,  // marker: vector of int
            0x05,  // U29 2 << 1 | 1: inline, 2 elements
            0x00,  // not fixed length
            0x00, 0x00, 0x00, 0x01,  // 1, big-endian
            0xFF, 0xFF, 0xFF, 0xFF,  // -1
        ]
    ),
    AMF3Fixture(
        name: "vector of uint",
        values: [.vectorUInt(fixed: true, [0xFFFF_FFFF])],
        bytes: [
            0x0E,  // marker: vector of uint
            0x03,  // U29 1 << 1 | 1: inline, 1 element
            0x01,  // fixed length
            0xFF, 0xFF, 0xFF, 0xFF,  // 4,294,967,295
        ]
    ),
    AMF3Fixture(
        name: "vector of double",
        values: [.vectorDouble(fixed: false, [1.5])],
        bytes: [
            0x0F,  // marker: vector of double
            0x03,  // U29 1 << 1 | 1: inline, 1 element
            0x00,  // not fixed length
            0x3F, 0xF8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // 1.5
        ]
    ),
    AMF3Fixture(
        name: "vector of objects",
        values: [.vectorObject(fixed: false, typeName: "*", ["a", .null])],
        bytes: [
            0x10,  // marker: vector of objects
            0x05,  // U29 2 << 1 | 1: inline, 2 elements
            0x00,  // not fixed length
            0x03, 0x2A,  // type name "*", string table entry 0
            0x06, 0x03, 0x61,  // string "a", string table entry 1
            0x01,  // null
        ]
    ),
    AMF3Fixture(
        name: "dictionary",
        values: [.dictionary(weakKeys: false, [AMF3DictionaryEntry("k", 1), AMF3DictionaryEntry(2, true)])],
        bytes: [
            0x11,  // marker: dictionary
            0x05,  // U29 2 << 1 | 1: inline, 2 entries
            0x00,  // strong keys
            0x06, 0x03, 0x6B,  // key: string "k"
            0x04, 0x01,  // value: integer 1
            0x04, 0x02,  // key: integer 2
            0x03,  // value: true
        ]
    ),
    AMF3Fixture(
        name: "externalizable ArrayCollection",
        values: [.object(arrayCollection([1]))],
        bytes: [0x0A]  // marker: object
            + [0x07]  // U29 0b111: inline object, inline traits, externalizable
            + [0x43] + utf8("flex.messaging.io.ArrayCollection")  // class name, 33 bytes
            + [0x09, 0x03, 0x01, 0x04, 0x01]  // body: array, dense count 1, no associative part, integer 1
    ),
]

/// A `Point` object with sealed members `x` and `y`.
func point(_ x: Int32, _ y: Int32) -> AMF3Object {
    let traits = AMF3Traits(className: "Point", isDynamic: false, sealedMemberNames: ["x", "y"])
    return AMF3Object(traits: traits, sealedValues: [.integer(x), .integer(y)])
}

/// A Flex `ArrayCollection` whose body is a dense array of `elements`.
func arrayCollection(_ elements: [AMF3Value]) -> AMF3Object {
    let traits = AMF3Traits(
        className: "flex.messaging.io.ArrayCollection",
        isDynamic: false,
        isExternalizable: true
    )
    return AMF3Object(traits: traits, externalContent: .array(dense: elements, associative: []))
}

let amf3Fixtures = amf3ScalarFixtures + amf3ContainerFixtures

/// Decodes `count` values one after another with one decoder.
private func decodeValues(_ count: Int, from buffer: inout ByteBuffer) throws(AMFError) -> [AMF3Value] {
    var decoder = AMF3Decoder()
    var values: [AMF3Value] = []
    for _ in 0..<count {
        values.append(try decoder.decode(from: &buffer))
    }
    return values
}

@Suite struct AMF3FixtureTests {
    @Test(arguments: amf3Fixtures)
    func encodesToFixtureBytes(_ fixture: AMF3Fixture) {
        #expect(AMF3Encoder.encode(fixture.values) == fixture.reencodedBytes ?? fixture.bytes)
    }

    @Test(arguments: amf3Fixtures)
    func decodesFixtureBytes(_ fixture: AMF3Fixture) throws {
        #expect(try AMF3Decoder.decodeAll(fixture.bytes) == fixture.values)
    }

    @Test(arguments: amf3Fixtures.filter { $0.reencodedBytes != nil })
    func reencodedBytesDecodeToTheSameValues(_ fixture: AMF3Fixture) throws {
        let reencoded = try #require(fixture.reencodedBytes)
        #expect(try AMF3Decoder.decodeAll(reencoded) == fixture.values)
    }

    @Test(arguments: amf3Fixtures)
    func decodeLeavesTrailingBytes(_ fixture: AMF3Fixture) throws {
        let trailing: [UInt8] = [0xAA, 0xBB]
        var buffer = ByteBuffer(bytes: fixture.bytes + trailing)

        let values = try decodeValues(fixture.values.count, from: &buffer)

        #expect(values == fixture.values)
        #expect(buffer.readerIndex == fixture.bytes.count)
        #expect(Array(buffer.readableBytesView) == trailing)
    }

    @Test(arguments: amf3Fixtures)
    func everyPrefixThrowsTruncated(_ fixture: AMF3Fixture) {
        for length in 0..<fixture.bytes.count {
            var buffer = ByteBuffer(bytes: fixture.bytes.prefix(length))
            #expect(throws: AMFError.truncated(""), "prefix of \(length) bytes") {
                try decodeValues(fixture.values.count, from: &buffer)
            }
        }
    }
}
