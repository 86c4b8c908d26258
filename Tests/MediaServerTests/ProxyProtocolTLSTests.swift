import Foundation
import Network
import Observability
import RTMP
import Testing
import TLS

@testable import MediaServer

/// PROXY protocol on the RTMPS listener, over loopback: the header comes in the clear before
/// the TLS ClientHello, as a TCP load balancer sends it.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct ProxyProtocolTLSTests {
    final class Harness {
        let server: RTMPServer
        let logs = MemoryLogHandler()
        let folder: TLSServerTests.CertificateFolder
        let certificate: [UInt8]

        init(trusted: String) throws {
            folder = try TLSServerTests.CertificateFolder()
            certificate = try folder.writeNewCertificate()
            let tls = try TLSContext(
                configuration: .server(certificateChainFile: folder.certificateFile, privateKeyFile: folder.keyFile)
            )
            var settings = RTMPServer.Settings(
                rtmp: nil, rtmps: ListenAddress(host: "127.0.0.1", port: 0), tls: tls,
                applications: [
                    ApplicationConfiguration(name: "live", openPublishing: true, playDeny: ["192.0.2.0/24"]),
                ],
                eventLoops: 1
            )
            settings.proxyProtocol = try ProxyProtocolConfiguration(listeners: ["rtmps"], trustedProxies: [trusted]).settings()
            server = try RTMPServer(settings: settings, logger: Logger(label: "test", level: .debug, handler: logs))
        }

        var port: Int { server.rtmpsAddress!.port }

        /// Returns whether a session of the RTMPS listener was logged with `peer` as its address.
        func loggedPeer(_ peer: String) -> Bool {
            logs.all.contains { $0.metadata["conn.peer"] == peer && $0.metadata["conn.scheme"] == "rtmps" }
        }

        deinit {
            server.shutdown()
            folder.remove()
        }
    }

    /// Runs the RTMP handshake, connect, createStream and play over `tls`.
    /// - Returns: the status code of the server's reply to play.
    func playCode(_ tls: TLSLoopbackClient, _ name: String) throws -> String {
        let session = ClientSession(crypto: OpenSSLHandshakeCrypto(), now: BlockingClient.now())
        var events: [ClientEvent] = []

        // Sends what the session queued, then reads until an event matches; 200 reads bound it.
        func exchange(until predicate: (ClientEvent) -> Bool) throws -> ClientEvent {
            for _ in 0..<200 {
                while let bytes = session.pollOutbound() { try tls.write(bytes) }
                if let index = events.firstIndex(where: predicate) {
                    let event = events[index]
                    events.removeSubrange(...index)
                    return event
                }
                let plaintext = try tls.read(atLeast: 1)
                guard !plaintext.isEmpty else { throw TLSLoopbackClient.Failure(description: "the server closed") }
                session.receive(plaintext, now: BlockingClient.now())
                while let event = session.nextEvent() { events.append(event) }
            }
            throw TLSLoopbackClient.Failure(description: "no matching event")
        }

        session.connect(app: "live", tcUrl: "rtmps://127.0.0.1/live")
        _ = try exchange { if case .connected = $0 { return true } else { return false } }
        session.createStream()
        let created = try exchange { if case .streamCreated = $0 { return true } else { return false } }
        guard case .streamCreated(let id) = created else { return "" }
        session.play(name: name, streamID: id)
        let status = try exchange { event in
            if case .status(_, _, let code, _) = event { return code.hasPrefix("NetStream.Play.") && code != "NetStream.Play.Reset" }
            return false
        }
        guard case .status(_, _, let code, _) = status else { return "" }
        return code
    }

    @Test func trustedProxyHeaderVersion1BeforeTLSSetsTheClientAddress() throws {
        let harness = try Harness(trusted: "127.0.0.1")
        let header = Array("PROXY TCP4 192.0.2.7 198.51.100.1 56324 443\r\n".utf8)
        let client = try TLSLoopbackClient(port: harness.port, prefix: header)
        #expect(client.serverCertificate == harness.certificate)
        // 192.0.2.0/24 may not play in this application: the server judged the header's address.
        #expect(try playCode(client, "show") == "NetStream.Play.Failed")
        #expect(harness.loggedPeer("192.0.2.7:56324"))
        #expect(!harness.logs.all.contains { ($0.metadata["conn.peer"] ?? "").hasPrefix("127.0.0.1:") })
    }

    @Test func trustedProxyHeaderVersion2BeforeTLSSetsTheClientAddress() throws {
        let harness = try Harness(trusted: "127.0.0.1")
        let client = try TLSLoopbackClient(port: harness.port, prefix: ProxyHeaderFixtures.v2From198)
        #expect(client.serverCertificate == harness.certificate)
        #expect(try playCode(client, "show") == "NetStream.Play.Start")
        #expect(harness.loggedPeer("198.51.100.9:40000"))
    }

    @Test func trustedProxyWithoutHeaderIsRefusedBeforeTLS() throws {
        let harness = try Harness(trusted: "127.0.0.1")
        #expect(throws: TLSLoopbackClient.Failure.self) { _ = try TLSLoopbackClient(port: harness.port) }
    }

    @Test func untrustedSourceSendingAHeaderBeforeTLSIsRefused() throws {
        let harness = try Harness(trusted: "10.0.0.0/8")
        let header = Array("PROXY TCP4 192.0.2.7 198.51.100.1 56324 443\r\n".utf8)
        #expect(throws: TLSLoopbackClient.Failure.self) {
            _ = try TLSLoopbackClient(port: harness.port, prefix: header)
        }
        #expect(throws: TLSLoopbackClient.Failure.self) {
            _ = try TLSLoopbackClient(port: harness.port, prefix: ProxyHeaderFixtures.v2From198)
        }
        #expect(!harness.loggedPeer("192.0.2.7:56324"))

        // A direct TLS client from the same untrusted address connects as itself.
        let direct = try TLSLoopbackClient(port: harness.port)
        #expect(try playCode(direct, "show") == "NetStream.Play.Start")
        #expect(harness.logs.all.contains { ($0.metadata["conn.peer"] ?? "").hasPrefix("127.0.0.1:") })
    }
}
