import Bytes
import Testing

@testable import AMF

/// A connect command as Flash Player sends it with `objectEncoding` 3: the
/// command name and transaction ID in AMF0, the command object in AMF3.
private let connectWithAMF3CommandObject: [UInt8] =
    [0x02, 0x00, 0x07] + Array("connect".utf8)  // AMF0 string "connect"
    + [0x00, 0x3F, 0xF0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00]  // AMF0 number 1.0, the transaction ID
    + [0x11]  // AMF0 marker: avmplus object, one AMF3 value follows
    + [0x0A, 0x0B, 0x01]  // AMF3 object, inline anonymous dynamic traits, class name ""
    + [0x07] + Array("app".utf8)  // member name "app"
    + [0x06, 0x09] + Array("live".utf8)  // string "live"
    + [0x1D] + Array("objectEncoding".utf8)  // member name "objectEncoding", 14 bytes
    + [0x04, 0x03]  // integer 3
    + [0x0B] + Array("tcUrl".utf8)  // member name "tcUrl"
    + [0x06, 0x2B] + Array("rtmp://127.0.0.1/live".utf8)  // string of 21 bytes
    + [0x01]  // empty name: end of dynamic members

private let connectValues: [AMF0Value] = [
    "connect",
    1,
    .avmPlus(
        .object(
            AMF3Object(dynamicMembers: [
                AMF3Property("app", "live"),
                AMF3Property("objectEncoding", 3),
                AMF3Property("tcUrl", "rtmp://127.0.0.1/live"),
            ])
        )
    ),
]

@Suite struct AMF0AVMPlusTests {
    @Test func connectCommandDecodes() throws {
        #expect(try AMF0Decoder.decodeAll(connectWithAMF3CommandObject) == connectValues)
    }

    @Test func connectCommandEncodes() {
        #expect(AMF0Value.encode(connectValues) == connectWithAMF3CommandObject)
    }

    @Test func commandObjectReadsLikeAMF0() throws {
        let values = try AMF0Decoder.decodeAll(connectWithAMF3CommandObject)
        let commandObject = try #require(values.last)

        #expect(values.first?.stringValue == "connect")
        #expect(values.dropFirst().first?.numberValue == 1)
        #expect(commandObject["app"] == .string("live"))
        #expect(commandObject["app"]?.stringValue == "live")
        #expect(commandObject["objectEncoding"]?.numberValue == 3)
        #expect(commandObject["tcUrl"]?.stringValue == "rtmp://127.0.0.1/live")
        #expect(commandObject["missing"] == nil)
        #expect(commandObject.properties?.map(\.key) == ["app", "objectEncoding", "tcUrl"])
    }

    @Test func connectCommandPrefixesThrowTruncated() {
        let bytes = connectWithAMF3CommandObject
        // From the avmplus marker on, every cut lands inside the AMF3 value, which has no lenient end.
        for length in 19..<bytes.count {
            var buffer = ByteBuffer(bytes: bytes.prefix(length))
            var decoder = AMF0Decoder()
            #expect(throws: AMFError.truncated(""), "prefix of \(length) bytes") {
                for _ in 0..<3 { _ = try decoder.decode(from: &buffer) }
            }
        }
    }

    @Test func avmPlusLeavesTrailingBytes() throws {
        let bytes: [UInt8] = [
            0x11,  // AMF0 marker: avmplus object
            0x04, 0x05,  // AMF3 integer 5
            0xAA,  // the next value's first byte
        ]
        var buffer = ByteBuffer(bytes: bytes)
        var decoder = AMF0Decoder()

        #expect(try decoder.decode(from: &buffer) == .avmPlus(5))
        #expect(Array(buffer.readableBytesView) == [0xAA])
    }

    @Test func eachAVMPlusValueHasItsOwnStringTable() throws {
        let encoded = AMF0Value.encode([.avmPlus("a"), .avmPlus("a")])
        #expect(encoded == [0x11, 0x06, 0x03, 0x61, 0x11, 0x06, 0x03, 0x61])  // "a" inline both times

        let sharedTable: [UInt8] = [
            0x11, 0x06, 0x03, 0x61,  // avmplus string "a"
            0x11, 0x06, 0x00,  // avmplus string reference 0, which only a shared table holds
        ]
        #expect(throws: AMFError.invalidReference(0)) { try AMF0Decoder.decodeAll(sharedTable) }
    }

    @Test func amf0NestingCountsTowardsAMF3Depth() {
        var bytes: [UInt8] = []
        for _ in 0..<31 {
            bytes += [0x0A, 0x00, 0x00, 0x00, 0x01]  // AMF0 strict array, count 1
        }
        let oneLevel: [UInt8] = [0x11, 0x09, 0x01, 0x01]  // avmplus empty array, at depth 31
        let twoLevels: [UInt8] = [0x11, 0x09, 0x03, 0x01, 0x09, 0x01, 0x01]  // inner array at depth 32

        #expect(throws: Never.self) { try AMF0Decoder.decodeAll(bytes + oneLevel) }
        #expect(throws: AMFError.tooDeep(32)) { try AMF0Decoder.decodeAll(bytes + twoLevels) }
    }

    @Test func accessorsLookThroughAVMPlus() {
        let array: AMF0Value = .avmPlus(.array(dense: ["a"], associative: [AMF3Property("k", 2)]))

        #expect(AMF0Value.avmPlus(true).booleanValue == true)
        #expect(AMF0Value.avmPlus(.double(1.5)).numberValue == 1.5)
        #expect(AMF0Value.avmPlus(.integer(-7)).numberValue == -7)
        #expect(AMF0Value.avmPlus(.xml("<a/>")).stringValue == nil)
        #expect(array["k"]?.numberValue == 2)
        #expect(array["0"]?.stringValue == "a")
        #expect(AMF0Value.avmPlus(.byteArray([1])).properties == nil)
        #expect(AMF0Value.avmPlus(.dictionary(weakKeys: false, [])).properties == nil)
    }
}

/// An externalizable object whose body was not decoded.
private let opaqueExternalizable = AMF3Object(
    traits: AMF3Traits(className: "C", isDynamic: false, isExternalizable: true)
)

/// One AMF3 value and its AMF0 conversion.
struct AMF0Conversion: Sendable, CustomTestStringConvertible {
    var name: String
    var amf3: AMF3Value
    var amf0: AMF0Value

    var testDescription: String { name }
}

let amf0Conversions: [AMF0Conversion] = [
    AMF0Conversion(name: "undefined", amf3: .undefined, amf0: .undefined),
    AMF0Conversion(name: "null", amf3: .null, amf0: .null),
    AMF0Conversion(name: "boolean", amf3: true, amf0: true),
    AMF0Conversion(name: "integer", amf3: .integer(-5), amf0: .number(-5)),
    AMF0Conversion(name: "double", amf3: .double(2.5), amf0: .number(2.5)),
    AMF0Conversion(name: "string", amf3: "s", amf0: .string("s")),
    AMF0Conversion(name: "XML document", amf3: .xmlDocument("<a/>"), amf0: .xmlDocument("<a/>")),
    AMF0Conversion(name: "XML", amf3: .xml("<b/>"), amf0: .xmlDocument("<b/>")),
    AMF0Conversion(
        name: "date",
        amf3: .date(millisecondsSince1970: 1000),
        amf0: .date(millisecondsSince1970: 1000, timeZone: 0)
    ),
    AMF0Conversion(
        name: "dense array",
        amf3: .array(dense: [1, "a"], associative: []),
        amf0: .strictArray([.number(1), .string("a")])
    ),
    AMF0Conversion(
        name: "array with associative part",
        amf3: .array(dense: ["a"], associative: [AMF3Property("k", 2)]),
        amf0: .ecmaArray([AMF0Property("0", "a"), AMF0Property("k", .number(2))])
    ),
    AMF0Conversion(
        name: "anonymous object",
        amf3: .object(AMF3Object(dynamicMembers: [AMF3Property("n", .integer(1))])),
        amf0: .object([AMF0Property("n", .number(1))])
    ),
    AMF0Conversion(
        name: "typed object",
        amf3: .object(point(1, 2)),
        amf0: .typedObject(className: "Point", properties: [AMF0Property("x", 1), AMF0Property("y", 2)])
    ),
    AMF0Conversion(
        name: "ArrayCollection",
        amf3: .object(arrayCollection([1])),
        amf0: .strictArray([.number(1)])
    ),
    AMF0Conversion(
        name: "externalizable without content",
        amf3: .object(opaqueExternalizable),
        amf0: .avmPlus(.object(opaqueExternalizable))
    ),
    AMF0Conversion(
        name: "vector of int",
        amf3: .vectorInt(fixed: false, [-1]),
        amf0: .strictArray([.number(-1)])
    ),
    AMF0Conversion(
        name: "vector of uint",
        amf3: .vectorUInt(fixed: false, [4_000_000_000]),
        amf0: .strictArray([.number(4_000_000_000)])
    ),
    AMF0Conversion(
        name: "vector of double",
        amf3: .vectorDouble(fixed: true, [0.5]),
        amf0: .strictArray([.number(0.5)])
    ),
    AMF0Conversion(
        name: "vector of objects",
        amf3: .vectorObject(fixed: false, typeName: "*", [.integer(3)]),
        amf0: .strictArray([.number(3)])
    ),
    AMF0Conversion(name: "byte array", amf3: .byteArray([1, 2]), amf0: .avmPlus(.byteArray([1, 2]))),
    AMF0Conversion(
        name: "dictionary",
        amf3: .dictionary(weakKeys: true, [AMF3DictionaryEntry(1, 2)]),
        amf0: .avmPlus(.dictionary(weakKeys: true, [AMF3DictionaryEntry(1, 2)]))
    ),
]

@Suite struct AMF3ToAMF0Tests {
    @Test(arguments: amf0Conversions)
    func convertsToAMF0(_ conversion: AMF0Conversion) {
        #expect(conversion.amf3.toAMF0() == conversion.amf0)
    }
}
