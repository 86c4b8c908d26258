import Testing

/// Checks the test-only SHA-256 and HMAC against published vectors, so that the
/// handshake tests rest on a correct HMAC.
@Suite struct TestCryptoTests {
    @Test func sha256OfABCMatchesFIPSVector() {
        #expect(TestSHA256.hash(Array("abc".utf8)) == hexBytes("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"))
    }

    @Test func hmacMatchesRFC4231Case2() {
        let digest = TestSHA256.hmac(key: Array("Jefe".utf8), data: Array("what do ya want for nothing?".utf8))
        #expect(digest == hexBytes("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"))
    }

    @Test func hmacWithLongKeyMatchesRFC4231Case6() {
        let key = [UInt8](repeating: 0xAA, count: 131)
        let digest = TestSHA256.hmac(key: key, data: Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8))
        #expect(digest == hexBytes("60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"))
    }
}
