#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import Network

/// A listener with the PROXY protocol on, over loopback, with an echo handler.
@Suite(.timeLimit(.minutes(1)))
struct ProxyListenerTests {
    /// Binds an echo listener that reads PROXY headers from `trusted` and records each connection's address.
    func startProxyServer(group: EventLoopGroup, trusted: String) throws -> (TCPListener, Locked<[SocketAddress]>) {
        let addresses = Locked<[SocketAddress]>([])
        let settings = ProxyProtocolSettings(trustedProxies: [AddressRange(parsing: trusted)!], headerTimeout: .seconds(2))
        let listener = try TCPListener.bind(host: "127.0.0.1", port: 0, group: group, tls: nil, proxyProtocol: settings) {
            connection in
            addresses.update { $0.append(connection.remoteAddress) }
            connection.handler = RecordingHandler.echo()
            connection.start()
        }
        return (listener, addresses)
    }

    @Test func headerInPiecesIsConsumedAndTheRestEchoed() throws {
        try withGroup(threads: 1) { group in
            let (listener, addresses) = try startProxyServer(group: group, trusted: "127.0.0.1")
            defer { listener.close() }
            let client = try BlockingClient(to: listener.localAddress)
            let header = Array("PROXY TCP6 2001:db8::7 2001:db8::1 443 1936\r\n".utf8)
            // The header arrives in two pieces, then the first bytes of the protocol.
            try client.write(Array(header.prefix(10)))
            usleep(100_000)
            try client.write(Array(header.dropFirst(10)) + [0x03, 0xAA])
            #expect(try client.read(exactly: 2) == [0x03, 0xAA])
            #expect(addresses.value == [SocketAddress(host: "2001:db8::7", port: 443)])
        }
    }

    @Test func untrustedClientWithoutHeaderKeepsItsAddress() throws {
        try withGroup(threads: 1) { group in
            let (listener, addresses) = try startProxyServer(group: group, trusted: "10.0.0.0/8")
            defer { listener.close() }
            let client = try BlockingClient(to: listener.localAddress)
            // RTMP's C0 (version 3) and two more bytes. A TLS record start (0x16) would be closed
            // by the plain listener's check for TLS clients on the wrong port.
            try client.write([0x03, 0x01, 0x02])
            #expect(try client.read(exactly: 3) == [0x03, 0x01, 0x02])
            #expect(addresses.value.first?.host == "127.0.0.1")
        }
    }

    @Test func trustedProxyThatSendsNothingIsClosedAfterTheTimeout() throws {
        try withGroup(threads: 1) { group in
            let (listener, addresses) = try startProxyServer(group: group, trusted: "127.0.0.1")
            defer { listener.close() }
            let client = try BlockingClient(to: listener.localAddress, timeoutSeconds: 5)
            #expect(try client.read() == [])
            #expect(addresses.value.isEmpty)
        }
    }
}
