import Foundation
import Network
import Observability
import RTMP
import Testing

@testable import MediaServer

/// PROXY protocol on the RTMP listener, over loopback.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct ProxyProtocolTests {
    final class Harness {
        let server: RTMPServer
        let logs = MemoryLogHandler()

        init(trusted: String) throws {
            var settings = RTMPServer.Settings(
                rtmp: ListenAddress(host: "127.0.0.1", port: 0), rtmps: nil, tls: nil,
                applications: [
                    ApplicationConfiguration(name: "live", openPublishing: true, playDeny: ["192.0.2.0/24"]),
                ],
                eventLoops: 1
            )
            settings.proxyProtocol = try ProxyProtocolConfiguration(listeners: ["rtmp"], trustedProxies: [trusted]).settings()
            server = try RTMPServer(settings: settings, logger: Logger(label: "test", level: .debug, handler: logs))
        }

        var port: Int { server.rtmpAddress!.port }

        deinit { server.shutdown() }
    }

    func playCode(_ client: BlockingClient, _ name: String) throws -> String {
        try client.connect()
        let id = try client.createStream()
        client.session.play(name: name, streamID: id)
        try client.flush()
        let event = try client.waitFor("play status") { event in
            if case .status(_, _, let code, _) = event { return code == "NetStream.Play.Start" || code == "NetStream.Play.Failed" }
            return false
        }
        guard case .status(_, _, let code, _) = event else { return "" }
        return code
    }

    /// Whether the server closed the connection within 3 s. The server closes with the
    /// client's handshake unread, so the kernel may send a reset (ECONNRESET).
    func serverCloses(_ client: BlockingClient) -> Bool {
        do {
            return try client.serverCloses(within: 3)
        } catch {
            return "\(error)".contains("errno \(ECONNRESET)")
        }
    }

    @Test func trustedProxySetsTheClientAddress() throws {
        let harness = try Harness(trusted: "127.0.0.1")
        let header = Array("PROXY TCP4 192.0.2.7 198.51.100.1 56324 1935\r\n".utf8)
        let proxied = try BlockingClient(port: harness.port, prefix: header)
        // 192.0.2.0/24 may not play in this application.
        #expect(try playCode(proxied, "show") == "NetStream.Play.Failed")
        #expect(harness.logs.all.contains { $0.metadata["conn.peer"] == "192.0.2.7:56324" })

        let version2 = try BlockingClient(port: harness.port, prefix: ProxyHeaderFixtures.v2From198)
        #expect(try playCode(version2, "show") == "NetStream.Play.Start")
        #expect(harness.logs.all.contains { $0.metadata["conn.peer"] == "198.51.100.9:40000" })
    }

    @Test func trustedProxyWithoutHeaderIsClosed() throws {
        let harness = try Harness(trusted: "127.0.0.1")
        let client = try BlockingClient(port: harness.port)
        #expect(serverCloses(client))
    }

    @Test func untrustedSourceSendingAHeaderIsClosed() throws {
        let harness = try Harness(trusted: "10.0.0.0/8")
        let header = Array("PROXY TCP4 192.0.2.7 198.51.100.1 56324 1935\r\n".utf8)
        let spoofing = try BlockingClient(port: harness.port, prefix: header)
        #expect(serverCloses(spoofing))

        let direct = try BlockingClient(port: harness.port)
        #expect(try playCode(direct, "show") == "NetStream.Play.Start")
    }
}

enum ProxyHeaderFixtures {
    static let v2From198: [UInt8] = [
        0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A,  // signature
        0x21, 0x11, 0x00, 0x0C,  // version 2 PROXY, TCP over IPv4, 12 bytes follow
        0xC6, 0x33, 0x64, 0x09,  // source 198.51.100.9
        0x7F, 0x00, 0x00, 0x01,  // destination 127.0.0.1
        0x9C, 0x40,  // source port 40000
        0x07, 0x8F,  // destination port 1935
    ]
}
