import Bytes
import Testing

@testable import AMF

/// One AMF0 byte fixture: the values, their wire bytes, and the proper prefixes
/// that still decode because an object may end with the message.
struct AMF0Fixture: Sendable, CustomTestStringConvertible {
    var name: String
    var values: [AMF0Value]
    var bytes: [UInt8]
    /// Prefix lengths that decode (to a shorter object) instead of throwing `truncated`.
    var lenientPrefixLengths: Set<Int> = []

    var testDescription: String { name }
}

let amf0Fixtures: [AMF0Fixture] = [
    AMF0Fixture(
        name: "number",
        values: [.number(1.5)],
        bytes: [
            0x00,  // marker: number
            0x3F, 0xF8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // IEEE 754 double 1.5
        ]
    ),
    AMF0Fixture(
        name: "boolean true",
        values: [.boolean(true)],
        bytes: [
            0x01,  // marker: boolean
            0x01,  // true
        ]
    ),
    AMF0Fixture(
        name: "boolean false",
        values: [.boolean(false)],
        bytes: [
            0x01,  // marker: boolean
            0x00,  // false
        ]
    ),
    AMF0Fixture(
        name: "string",
        values: [.string("live")],
        bytes: [
            0x02,  // marker: string
            0x00, 0x04,  // length 4
            0x6C, 0x69, 0x76, 0x65,  // "live"
        ]
    ),
    AMF0Fixture(
        name: "empty string",
        values: [.string("")],
        bytes: [
            0x02,  // marker: string
            0x00, 0x00,  // length 0
        ]
    ),
    AMF0Fixture(
        name: "object",
        values: [.object([AMF0Property("app", "live")])],
        bytes: [
            0x03,  // marker: object
            0x00, 0x03, 0x61, 0x70, 0x70,  // key "app"
            0x02, 0x00, 0x04, 0x6C, 0x69, 0x76, 0x65,  // string "live"
            0x00, 0x00,  // empty key
            0x09,  // marker: object end
        ],
        lenientPrefixLengths: [1, 13]
    ),
    AMF0Fixture(
        name: "empty object",
        values: [.object([])],
        bytes: [
            0x03,  // marker: object
            0x00, 0x00,  // empty key
            0x09,  // marker: object end
        ],
        lenientPrefixLengths: [1]
    ),
    AMF0Fixture(
        name: "null",
        values: [.null],
        bytes: [
            0x05  // marker: null
        ]
    ),
    AMF0Fixture(
        name: "undefined",
        values: [.undefined],
        bytes: [
            0x06  // marker: undefined
        ]
    ),
    AMF0Fixture(
        name: "reference to an earlier object",
        values: [.object([]), .reference(0)],
        bytes: [
            0x03, 0x00, 0x00, 0x09,  // empty object, complex value number 0
            0x07,  // marker: reference
            0x00, 0x00,  // index 0
        ]
    ),
    AMF0Fixture(
        name: "ECMA array",
        values: [.ecmaArray([AMF0Property("duration", 2)])],
        bytes: [
            0x08,  // marker: ECMA array
            0x00, 0x00, 0x00, 0x01,  // count 1
            0x00, 0x08, 0x64, 0x75, 0x72, 0x61, 0x74, 0x69, 0x6F, 0x6E,  // key "duration"
            0x00, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // number 2.0
            0x00, 0x00,  // empty key
            0x09,  // marker: object end
        ],
        lenientPrefixLengths: [5, 24]
    ),
    AMF0Fixture(
        name: "strict array",
        values: [.strictArray([1, "a"])],
        bytes: [
            0x0A,  // marker: strict array
            0x00, 0x00, 0x00, 0x02,  // count 2
            0x00, 0x3F, 0xF0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // number 1.0
            0x02, 0x00, 0x01, 0x61,  // string "a"
        ]
    ),
    AMF0Fixture(
        name: "nested object and strict array",
        values: [.object([AMF0Property("a", .strictArray([1]))])],
        bytes: [
            0x03,  // marker: object
            0x00, 0x01, 0x61,  // key "a"
            0x0A, 0x00, 0x00, 0x00, 0x01,  // strict array, count 1
            0x00, 0x3F, 0xF0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // number 1.0
            0x00, 0x00, 0x09,  // empty key, object end
        ],
        lenientPrefixLengths: [1, 18]
    ),
    AMF0Fixture(
        name: "date",
        values: [.date(millisecondsSince1970: 1e12, timeZone: 0)],
        bytes: [
            0x0B,  // marker: date
            0x42, 0x6D, 0x1A, 0x94, 0xA2, 0x00, 0x00, 0x00,  // 1e12 ms, 2001-09-09
            0x00, 0x00,  // time zone 0
        ]
    ),
    AMF0Fixture(
        name: "long string",
        values: [.longString("hi")],
        bytes: [
            0x0C,  // marker: long string
            0x00, 0x00, 0x00, 0x02,  // length 2
            0x68, 0x69,  // "hi"
        ]
    ),
    AMF0Fixture(
        name: "XML document",
        values: [.xmlDocument("<a/>")],
        bytes: [
            0x0F,  // marker: XML document
            0x00, 0x00, 0x00, 0x04,  // length 4
            0x3C, 0x61, 0x2F, 0x3E,  // "<a/>"
        ]
    ),
    AMF0Fixture(
        name: "typed object",
        values: [.typedObject(className: "Demo", properties: [AMF0Property("x", .null)])],
        bytes: [
            0x10,  // marker: typed object
            0x00, 0x04, 0x44, 0x65, 0x6D, 0x6F,  // class name "Demo"
            0x00, 0x01, 0x78,  // key "x"
            0x05,  // null
            0x00, 0x00, 0x09,  // empty key, object end
        ],
        lenientPrefixLengths: [7, 11]
    ),
    AMF0Fixture(
        name: "unsupported",
        values: [.unsupported],
        bytes: [
            0x0D  // marker: unsupported
        ]
    ),
    AMF0Fixture(
        name: "connect command",
        values: ["connect", 1, .object([AMF0Property("app", "live")])],
        bytes: [
            0x02, 0x00, 0x07, 0x63, 0x6F, 0x6E, 0x6E, 0x65, 0x63, 0x74,  // string "connect"
            0x00, 0x3F, 0xF0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // transaction id 1.0
            0x03,  // marker: object
            0x00, 0x03, 0x61, 0x70, 0x70,  // key "app"
            0x02, 0x00, 0x04, 0x6C, 0x69, 0x76, 0x65,  // string "live"
            0x00, 0x00, 0x09,  // empty key, object end
        ],
        lenientPrefixLengths: [20, 32]
    ),
]

/// Decodes `count` values one after another with one decoder, as in one message body.
private func decodeValues(_ count: Int, from buffer: inout ByteBuffer) throws(AMFError) -> [AMF0Value] {
    var decoder = AMF0Decoder()
    var values: [AMF0Value] = []
    for _ in 0..<count {
        values.append(try decoder.decode(from: &buffer))
    }
    return values
}

@Suite struct AMF0FixtureTests {
    @Test(arguments: amf0Fixtures)
    func encodesToFixtureBytes(_ fixture: AMF0Fixture) {
        #expect(AMF0Value.encode(fixture.values) == fixture.bytes)
    }

    @Test(arguments: amf0Fixtures)
    func decodesFixtureBytes(_ fixture: AMF0Fixture) throws {
        #expect(try AMF0Decoder.decodeAll(fixture.bytes) == fixture.values)
    }

    @Test(arguments: amf0Fixtures)
    func decodeLeavesTrailingBytes(_ fixture: AMF0Fixture) throws {
        let trailing: [UInt8] = [0xAA, 0xBB]
        var buffer = ByteBuffer(bytes: fixture.bytes + trailing)

        let values = try decodeValues(fixture.values.count, from: &buffer)

        #expect(values == fixture.values)
        #expect(buffer.readerIndex == fixture.bytes.count)
        #expect(Array(buffer.readableBytesView) == trailing)
    }

    @Test(arguments: amf0Fixtures)
    func everyPrefixThrowsTruncated(_ fixture: AMF0Fixture) {
        for length in 0..<fixture.bytes.count {
            var buffer = ByteBuffer(bytes: fixture.bytes.prefix(length))
            do {
                _ = try decodeValues(fixture.values.count, from: &buffer)
                #expect(fixture.lenientPrefixLengths.contains(length), "prefix of \(length) bytes decoded")
            } catch {
                #expect(error == .truncated(""), "prefix of \(length) bytes: \(error)")
                #expect(!fixture.lenientPrefixLengths.contains(length), "prefix of \(length) bytes threw")
            }
        }
    }
}
