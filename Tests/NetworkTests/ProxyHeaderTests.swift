import Testing

@testable import Network

/// PROXY protocol headers, fed whole, byte by byte and with the connection's first bytes after them.
struct ProxyHeaderTests {
    static let v2TCP4: [UInt8] = [
        0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A,  // signature
        0x21,  // version 2, command PROXY
        0x11,  // TCP over IPv4
        0x00, 0x0C,  // 12 bytes of addresses follow
        0xC0, 0x00, 0x02, 0x07,  // source 192.0.2.7
        0xC6, 0x33, 0x64, 0x01,  // destination 198.51.100.1
        0xDC, 0x04,  // source port 56324
        0x07, 0x8F,  // destination port 1935
    ]

    static let v2TCP6WithTLV: [UInt8] = [
        0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A,  // signature
        0x21,  // version 2, command PROXY
        0x21,  // TCP over IPv6
        0x00, 0x28,  // 40 bytes: 36 of addresses and a 4-byte TLV
        0x20, 0x01, 0x0D, 0xB8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x07,  // source 2001:db8::7
        0x20, 0x01, 0x0D, 0xB8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,  // destination 2001:db8::1
        0x01, 0xBB,  // source port 443
        0x07, 0x90,  // destination port 1936
        0x04, 0x00, 0x01, 0x00,  // TLV type 0x04 (NOOP), length 1, one byte; skipped
    ]

    static let v2Local: [UInt8] = [
        0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A,  // signature
        0x20,  // version 2, command LOCAL (a health check from the proxy itself)
        0x00,  // unspecified family
        0x00, 0x00,  // no addresses
    ]

    static let cases: [(name: String, bytes: [UInt8], header: ProxyHeader)] = [
        ("v1 TCP4", Array("PROXY TCP4 192.0.2.7 198.51.100.1 56324 1935\r\n".utf8),
         ProxyHeader(source: SocketAddress(host: "192.0.2.7", port: 56324), destination: SocketAddress(host: "198.51.100.1", port: 1935))),
        ("v1 TCP6", Array("PROXY TCP6 2001:db8::7 2001:db8::1 443 1936\r\n".utf8),
         ProxyHeader(source: SocketAddress(host: "2001:db8::7", port: 443), destination: SocketAddress(host: "2001:db8::1", port: 1936))),
        ("v1 UNKNOWN", Array("PROXY UNKNOWN\r\n".utf8), ProxyHeader(source: nil, destination: nil)),
        ("v2 TCP4", v2TCP4,
         ProxyHeader(source: SocketAddress(host: "192.0.2.7", port: 56324), destination: SocketAddress(host: "198.51.100.1", port: 1935))),
        ("v2 TCP6 with TLV", v2TCP6WithTLV,
         ProxyHeader(source: SocketAddress(host: "2001:db8::7", port: 443), destination: SocketAddress(host: "2001:db8::1", port: 1936))),
        ("v2 LOCAL", v2Local, ProxyHeader(source: nil, destination: nil)),
    ]

    @Test func headersDecodeWhole() throws {
        for entry in Self.cases {
            let parsed = try #require(try ProxyHeader.parse(entry.bytes), "\(entry.name)")
            #expect(parsed.header == entry.header, "\(entry.name)")
            #expect(parsed.length == entry.bytes.count, "\(entry.name)")
        }
    }

    @Test func headersNeedEveryByte() throws {
        for entry in Self.cases {
            for end in 1..<entry.bytes.count {
                #expect(try ProxyHeader.parse(entry.bytes.prefix(end)) == nil, "\(entry.name) with \(end) bytes")
            }
        }
    }

    @Test func bytesAfterTheHeaderAreLeft() throws {
        // An RTMP C0 byte (version 3) and the start of C1 follow the header.
        let following: [UInt8] = [0x03, 0x00, 0x00, 0x00, 0x00]
        for entry in Self.cases {
            let parsed = try #require(try ProxyHeader.parse(entry.bytes + following), "\(entry.name)")
            #expect(parsed.length == entry.bytes.count, "\(entry.name)")
        }
    }

    @Test func invalidHeadersAreRejected() {
        let invalid: [(String, [UInt8])] = [
            ("RTMP C0", [0x03, 0x00]),
            ("TLS record", [0x16, 0x03, 0x01]),
            ("v1 without CR", Array("PROXY TCP4 192.0.2.7 198.51.100.1 56324 1935\n".utf8)),
            ("v1 wrong family", Array("PROXY UDP4 192.0.2.7 198.51.100.1 56324 1935\r\n".utf8)),
            ("v1 IPv6 as TCP4", Array("PROXY TCP4 2001:db8::7 2001:db8::1 443 1936\r\n".utf8)),
            ("v1 port too large", Array("PROXY TCP4 192.0.2.7 198.51.100.1 65536 1935\r\n".utf8)),
            ("v1 port with sign", Array("PROXY TCP4 192.0.2.7 198.51.100.1 +5 1935\r\n".utf8)),
            ("v1 too long", Array("PROXY TCP4 ".utf8) + [UInt8](repeating: 0x31, count: 120)),
            ("v1 wrong word", Array("PROXZ ".utf8)),
            ("v2 version 1", Array(Self.v2TCP4.prefix(12)) + [0x11, 0x11, 0x00, 0x00]),
            ("v2 command 2", Array(Self.v2TCP4.prefix(12)) + [0x22, 0x11, 0x00, 0x00]),
            ("v2 too long", Array(Self.v2TCP4.prefix(12)) + [0x21, 0x11, 0xFF, 0xFF]),
            ("v2 short addresses", Array(Self.v2TCP4.prefix(12)) + [0x21, 0x11, 0x00, 0x04, 1, 2, 3, 4]),
            ("v2 wrong signature", [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0B]),
        ]
        for (name, bytes) in invalid {
            #expect(throws: ProxyProtocolError.self, "\(name)") { try ProxyHeader.parse(bytes) }
        }
    }

    @Test func firstByteTellsHeadersFromRTMPAndTLS() {
        #expect(ProxyHeader.mayStartHeader(0x50))
        #expect(ProxyHeader.mayStartHeader(0x0D))
        #expect(!ProxyHeader.mayStartHeader(0x03))
        #expect(!ProxyHeader.mayStartHeader(0x16))
    }
}
