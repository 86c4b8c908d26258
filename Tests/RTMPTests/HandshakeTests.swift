import Bytes
import Testing

@testable import RTMP

/// One digest layout with the digests computed independently (Python's hmac
/// module) for the C1 and S1 that `FixedCrypto` produces: C1 time 0, version
/// 10.0.32.18; S1 time 1000, version 5.0.3.1; random bytes 1, 8, 15, ...
struct DigestFixture: CustomTestStringConvertible, Sendable {
    var scheme: HandshakeDigestScheme
    /// Where the digest sits in both C1 and S1, which share their random bytes.
    var offset: Int
    var clientDigest: [UInt8]
    var serverDigest: [UInt8]
    /// The last 32 bytes of S2.
    var s2Signature: [UInt8]
    var testDescription: String { "\(scheme)" }
}

let digestFixtures: [DigestFixture] = [
    DigestFixture(
        scheme: .scheme0,
        // offset field bytes 8...11 are 1, 8, 15, 22: (46 % 728) + 12
        offset: 58,
        clientDigest: hexBytes("3425ad1e65d83009670551143dbcae9792cb4393dd8f7786bacc2c31c6f15aff"),
        serverDigest: hexBytes("252768e1ee9190b487865516b664e57c615b3edcce23c8d344fdeb85c9110583"),
        s2Signature: hexBytes("743a4bb835cc8607a5db61bd67b27acd411403156fa7934847d2bcb391068e0e")
    ),
    DigestFixture(
        scheme: .scheme1,
        // offset field bytes 772...775 sum to 962: (962 % 728) + 776
        offset: 1006,
        clientDigest: hexBytes("45c53d1fe409ac24b3fbd48bcc2802c1f43ed51eca053e2a6160572fec5230e6"),
        serverDigest: hexBytes("e289c78a739167b51f946418beb0811e405b936cdae5f77015cd84257d55ae40"),
        s2Signature: hexBytes("560d3ba7402d02b4c009e1390a17c5fafe280535e2f639a4edc7fc0298d18c5c")
    ),
]

@Suite struct HandshakeTests {
    let crypto = FixedCrypto()

    @Test func simpleHandshakeEchoesC1() throws {
        var client = ClientHandshake(digestScheme: nil, crypto: crypto)
        let c0c1 = client.start(now: 7)
        #expect(Array(c0c1.prefix(9)) == [
            0x03,  // C0: version 3
            0x00, 0x00, 0x00, 0x07,  // C1 time 7
            0x00, 0x00, 0x00, 0x00,  // C1 zero field: simple handshake
        ])
        #expect(Array(c0c1[9..<13]) == [0x01, 0x08, 0x0F, 0x16])  // random bytes 1, 8, 15, 22

        var server = ServerHandshake(crypto: crypto)
        var input = ByteBuffer(bytes: c0c1)
        let reply = try server.advance(&input, now: 1000)
        #expect(reply.outbound.count == 1 + 2 * 1536)
        #expect(Array(reply.outbound.prefix(9)) == [
            0x03,  // S0: version 3
            0x00, 0x00, 0x03, 0xE8,  // S1 time 1000
            0x00, 0x00, 0x00, 0x00,  // S1 zero field
        ])
        #expect(Array(reply.outbound.suffix(1536)) == Array(c0c1.dropFirst()))  // S2 echoes C1

        var clientInput = ByteBuffer(bytes: reply.outbound)
        let done = try client.advance(&clientInput)
        #expect(done.completed)
        #expect(!done.usedDigest)
        #expect(done.outbound == Array(reply.outbound[1...1536]))  // C2 echoes S1

        var c2 = ByteBuffer(bytes: done.outbound)
        let finished = try server.advance(&c2, now: 1001)
        #expect(finished.completed)
        #expect(!finished.usedDigest)
    }

    @Test(arguments: digestFixtures)
    func clientSignsC1(_ fixture: DigestFixture) {
        var client = ClientHandshake(digestScheme: fixture.scheme, crypto: crypto)
        let c1 = Array(client.start(now: 0).dropFirst())
        #expect(Array(c1[4..<8]) == [10, 0, 32, 18])  // nonzero version: a digest is present
        #expect(fixture.scheme.digestOffset(in: c1) == fixture.offset)
        #expect(Array(c1[fixture.offset..<fixture.offset + 32]) == fixture.clientDigest)
    }

    @Test(arguments: digestFixtures)
    func serverAnswersDigestWithSameScheme(_ fixture: DigestFixture) throws {
        var client = ClientHandshake(digestScheme: fixture.scheme, crypto: crypto)
        var input = ByteBuffer(bytes: client.start(now: 0))
        var server = ServerHandshake(crypto: crypto)
        let reply = try server.advance(&input, now: 1000)

        let s1 = Array(reply.outbound[1...1536])
        let s2 = Array(reply.outbound[1537...])
        #expect(Array(s1[0..<8]) == [0x00, 0x00, 0x03, 0xE8, 5, 0, 3, 1])  // time 1000, version 5.0.3.1
        #expect(Array(s1[fixture.offset..<fixture.offset + 32]) == fixture.serverDigest)
        #expect(Array(s2.suffix(32)) == fixture.s2Signature)

        var clientInput = ByteBuffer(bytes: reply.outbound)
        let done = try client.advance(&clientInput)
        #expect(done.completed)
        #expect(done.usedDigest)
        var c2 = ByteBuffer(bytes: done.outbound)
        #expect(try server.advance(&c2, now: 1001) == HandshakeProgress(outbound: [], completed: true, usedDigest: true))
    }

    @Test(arguments: digestFixtures)
    func digestValidationAcceptsCorrectAndRejectsWrong(_ fixture: DigestFixture) {
        var client = ClientHandshake(digestScheme: fixture.scheme, crypto: crypto)
        var c1 = Array(client.start(now: 0).dropFirst())
        let found = HandshakeDigest.findDigest(in: c1, key: HandshakeDigest.clientSigningKey, crypto: crypto)
        #expect(found?.scheme == fixture.scheme)
        #expect(found?.digest == fixture.clientDigest)

        c1[fixture.offset] ^= 0x01
        #expect(HandshakeDigest.findDigest(in: c1, key: HandshakeDigest.clientSigningKey, crypto: crypto) == nil)
    }

    @Test func wrongDigestFallsBackToSimpleHandshake() throws {
        var client = ClientHandshake(digestScheme: .scheme0, crypto: crypto)
        var c0c1 = client.start(now: 0)
        c0c1[1 + 58] ^= 0xFF  // spoil the scheme-0 digest at offset 58
        var input = ByteBuffer(bytes: c0c1)
        var server = ServerHandshake(crypto: crypto)
        let reply = try server.advance(&input, now: 1000)
        #expect(Array(reply.outbound[5..<9]) == [0, 0, 0, 0])  // S1 zero field
        #expect(Array(reply.outbound.suffix(1536)) == Array(c0c1.dropFirst()))  // S2 echoes C1
    }

    @Test func clientRejectsWrongS2Signature() throws {
        var client = ClientHandshake(digestScheme: .scheme1, crypto: crypto)
        var input = ByteBuffer(bytes: client.start(now: 0))
        var server = ServerHandshake(crypto: crypto)
        var reply = try server.advance(&input, now: 1000).outbound
        reply[reply.count - 1] ^= 0x01
        var clientInput = ByteBuffer(bytes: reply)
        #expect(throws: RTMPProtocolError.handshakeFailed("")) { try client.advance(&clientInput) }
    }

    @Test func versionOtherThanThreeIsRejectedAtOnce() {
        var server = ServerHandshake(crypto: crypto)
        var input = ByteBuffer(bytes: [0x06])  // C0 version 6 (RTMPE)
        #expect(throws: RTMPProtocolError.unsupportedVersion(6)) { try server.advance(&input, now: 0) }
    }

    @Test func splitInputAndChunkAfterC2() throws {
        var client = ClientHandshake(digestScheme: .scheme0, crypto: crypto)
        let c0c1 = client.start(now: 0)
        var server = ServerHandshake(crypto: crypto)
        var input = ByteBuffer()
        var reply: [UInt8] = []
        // C0 and C1 in pieces of 100 bytes
        for start in stride(from: 0, to: c0c1.count, by: 100) {
            input.writeBytes(c0c1[start..<min(start + 100, c0c1.count)])
            reply += try server.advance(&input, now: 1000).outbound
        }
        #expect(reply.count == 3073)

        var clientInput = ByteBuffer(bytes: reply)
        let c2 = try client.advance(&clientInput).outbound
        let firstChunk: [UInt8] = [0x02, 0, 0, 0, 0, 0, 4, 0x01, 0, 0, 0, 0, 0, 0, 0x10, 0]
        input.writeBytes(c2 + firstChunk)  // C2 and the first chunk in one read
        let done = try server.advance(&input, now: 1001)
        #expect(done.completed)
        #expect(Array(input.readableBytesView) == firstChunk)
    }
}
