import Testing
import TLS

@Suite("Crypto helpers")
struct CryptoTests {
    @Test("SHA-256 of abc")
    func sha256OfABC() {
        // FIPS 180-2, appendix B.1: SHA-256("abc")
        let expected: [UInt8] = [
            0xBA, 0x78, 0x16, 0xBF, 0x8F, 0x01, 0xCF, 0xEA,  // H0, H1
            0x41, 0x41, 0x40, 0xDE, 0x5D, 0xAE, 0x22, 0x23,  // H2, H3
            0xB0, 0x03, 0x61, 0xA3, 0x96, 0x17, 0x7A, 0x9C,  // H4, H5
            0xB4, 0x10, 0xFF, 0x61, 0xF2, 0x00, 0x15, 0xAD,  // H6, H7
        ]

        #expect(Crypto.sha256(Array("abc".utf8)) == expected)
        #expect(Crypto.sha256("abc".utf8) == expected)
    }

    @Test("SHA-256 of empty input")
    func sha256OfEmpty() {
        let digest = Crypto.sha256([UInt8]())

        #expect(digest.count == 32)
        #expect(digest.prefix(4) == [0xE3, 0xB0, 0xC4, 0x42])
    }

    @Test("HMAC-SHA256 matches RFC 4231 test case 2")
    func hmacRFC4231Case2() {
        let key: [UInt8] = [0x4A, 0x65, 0x66, 0x65]  // "Jefe"
        let data = Array("what do ya want for nothing?".utf8)
        let expected: [UInt8] = [
            0x5B, 0xDC, 0xC1, 0x46, 0xBF, 0x60, 0x75, 0x4E,  // bytes 0-7
            0x6A, 0x04, 0x24, 0x26, 0x08, 0x95, 0x75, 0xC7,  // bytes 8-15
            0x5A, 0x00, 0x3F, 0x08, 0x9D, 0x27, 0x39, 0x83,  // bytes 16-23
            0x9D, 0xEC, 0x58, 0xB9, 0x64, 0xEC, 0x38, 0x43,  // bytes 24-31
        ]

        #expect(Crypto.hmacSHA256(key: key, data: data) == expected)
        #expect(Crypto.hmacSHA256(key: key[...], data: data[...]) == expected)
    }

    @Test("random bytes have the requested count and differ")
    func randomBytes() {
        let first = Crypto.randomBytes(count: 32)
        let second = Crypto.randomBytes(count: 32)

        #expect(first.count == 32)
        #expect(second.count == 32)
        #expect(first != second)
        #expect(Crypto.randomBytes(count: 0).isEmpty)
    }

    @Test("constant-time comparison")
    func constantTimeEqual() {
        let key = Array("stream-key-1234".utf8)

        #expect(Crypto.constantTimeEqual(key, Array("stream-key-1234".utf8)))
        #expect(!Crypto.constantTimeEqual(key, Array("stream-key-1235".utf8)))
        #expect(!Crypto.constantTimeEqual(key, Array("Stream-key-1234".utf8)))
        #expect(!Crypto.constantTimeEqual(key, Array("stream-key-123".utf8)))
        #expect(!Crypto.constantTimeEqual(key, [UInt8]()))
        #expect(Crypto.constantTimeEqual([UInt8](), [UInt8]()))
    }
}
