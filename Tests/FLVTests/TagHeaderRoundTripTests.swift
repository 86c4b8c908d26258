import Testing

@testable import FLV

/// A seeded linear congruential generator, so that every run tests the same payloads.
private struct SeededPayloadGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        // The high bits of an LCG are the better distributed ones.
        return state >> 33
    }

    /// Returns a payload of 1 to 24 bytes, biased towards Enhanced RTMP, ModEx and multitrack headers.
    mutating func payload() -> [UInt8] {
        let length = Int(next() % 24) + 1
        var bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: next()) }
        if next() % 2 == 0 { bytes[0] |= 0x80 }
        if length > 2, next() % 3 == 0 { bytes[1] = UInt8(next() % 0x30) }
        if length > 2, next() % 5 == 0 { bytes[0] = bytes[0] & 0xF0 | 0x07 }
        return bytes
    }
}

/// Checks, on seeded random payloads, that whatever the parsers accept the encoders write back.
@Suite struct TagHeaderRoundTripTests {
    static let payloadCount = 50_000

    @Test func parsedVideoHeadersEncodeBack() throws {
        var generator = SeededPayloadGenerator(seed: 0x9E37_79B9_7F4A_7C15)
        var parsed = 0
        for _ in 0..<Self.payloadCount {
            let bytes = generator.payload()
            // Payloads that do not parse are outside this check.
            guard let header = try? VideoTagHeader(payload: bytes) else { continue }
            parsed += 1
            let encoded = try header.encoded(trackData: header.tracks.map { bytes[$0.data] })
            if header.isCommandFrame {
                // The parser ignores bytes after the command, so only the header comes back.
                #expect(bytes.starts(with: encoded), "payload \(bytes)")
            } else {
                #expect(encoded == bytes, "payload \(bytes)")
            }
        }
        #expect(parsed > Self.payloadCount / 10)
    }

    @Test func parsedAudioHeadersEncodeBack() throws {
        var generator = SeededPayloadGenerator(seed: 0x2545_F491_4F6C_DD1D)
        var parsed = 0
        for _ in 0..<Self.payloadCount {
            let bytes = generator.payload()
            // Payloads that do not parse are outside this check.
            guard let header = try? AudioTagHeader(payload: bytes) else { continue }
            parsed += 1
            let encoded = try header.encoded(trackData: header.tracks.map { bytes[$0.data] })
            #expect(encoded == bytes, "payload \(bytes)")
        }
        #expect(parsed > Self.payloadCount / 10)
    }
}
