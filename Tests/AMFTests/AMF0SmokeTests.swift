import Bytes
import Testing

@testable import AMF

@Suite struct AMF0SmokeTests {
    @Test func connectCommandRoundTrips() throws {
        let values: [AMF0Value] = [
            "connect", 1,
            .object([AMF0Property("app", "live"), AMF0Property("objectEncoding", 0)]),
        ]
        let bytes = AMF0Value.encode(values)
        #expect(try AMF0Decoder.decodeAll(bytes) == values)
    }

    @Test func objectWithoutEndMarkerAtMessageEndDecodes() throws {
        // 03 object, 00 01 'a', 00 number 1.0, then the message ends without 00 00 09.
        let bytes: [UInt8] = [0x03, 0x00, 0x01, 0x61, 0x00, 0x3F, 0xF0, 0, 0, 0, 0, 0, 0]
        #expect(try AMF0Decoder.decodeAll(bytes) == [.object([AMF0Property("a", 1)])])
    }

    @Test func nestingBeyondTheLimitThrows() {
        let bytes = [UInt8](repeating: 0x0A, count: 1) + [0, 0, 0, 1]
        var nested: [UInt8] = []
        for _ in 0..<40 { nested += bytes }
        nested.append(0x05)
        #expect(throws: AMFError.tooDeep(32)) { try AMF0Decoder.decodeAll(nested) }
    }
}
