import Foundation
import Testing
import TLS
@testable import Network

@Suite("Clients on the wrong kind of port")
struct ProtocolMismatchTests {
    @Test("first byte classification", arguments: [
        (UInt8(0x16), false, ProtocolMismatch?.some(.tlsClientOnPlainPort)),  // TLS handshake record on a plain port
        (0x03, true, .some(.plainClientOnTLSPort)),  // RTMP C0 (version 3) on a TLS port
        (0x03, false, nil),  // RTMP C0 on the plain port
        (0x16, true, nil),  // TLS handshake record on the TLS port
        (0x47, false, nil),  // "G" of an HTTP GET: left to the protocol handler
        (0x47, true, nil),
    ])
    func classification(firstByte: UInt8, onTLSPort: Bool, expected: ProtocolMismatch?) {
        #expect(ProtocolMismatch.detect(firstByte: firstByte, onTLSPort: onTLSPort) == expected)
    }

    /// Sends `bytes` to a listener and returns what the observer saw, the handler's record and
    /// what the client read before the server closed.
    static func exchange(
        _ bytes: [UInt8],
        tls: TLSContext?
    ) throws -> (mismatches: [ProtocolMismatch], recording: Recording, reply: [UInt8]) {
        let mismatches = Locked<[ProtocolMismatch]>([])
        return try withGroup { group in
            let (listener, accepted) = try startServer(group: group, tls: tls, configure: { connection in
                connection.protocolMismatchObserver = { _, mismatch in
                    mismatches.update { $0.append(mismatch) }
                }
            })
            defer { listener.close() }
            let client = try BlockingClient(to: listener.localAddress, timeoutSeconds: 5)
            try client.write(bytes)
            // The echo handler returns the bytes on the plain port, so stop after them.
            var reply: [UInt8] = []
            while reply.count < bytes.count {
                let chunk = try client.read()
                if chunk.isEmpty {
                    break
                }
                reply += chunk
            }
            _ = waitUntil(timeout: .seconds(5)) { accepted.handlers.update { $0.count } == 1 }
            if !mismatches.update({ $0.isEmpty }) {
                _ = waitUntil(timeout: .seconds(5)) {
                    accepted.handlers.update { $0.first?.recording.update { $0.closeCount } == 1 }
                }
            }
            let recording = accepted.handlers.update { $0.first?.recording.update { $0 } } ?? Recording()
            return (mismatches.update { $0 }, recording, reply)
        }
    }

    @Test("TLS ClientHello on the plain port is reported and closed")
    func tlsOnPlainPort() throws {
        // The start of a ClientHello record: content type 22, version 3.1, length 512.
        let hello: [UInt8] = [0x16, 0x03, 0x01, 0x02, 0x00]
        let result = try Self.exchange(hello, tls: nil)
        #expect(result.mismatches == [.tlsClientOnPlainPort])
        #expect(result.reply.isEmpty)
        #expect(result.recording.received.isEmpty)
        #expect(result.recording.closeCount == 1)
        #expect(result.recording.closeError == ProtocolMismatch.tlsClientOnPlainPort.description)
    }

    @Test("plain RTMP C0 on the TLS port is reported and closed")
    func plainOnTLSPort() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sealcast-mismatch-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let identity = try SelfSignedCertificate.generate(commonName: "localhost", dnsNames: ["localhost"], ipAddresses: [])
        let certificate = directory.appendingPathComponent("cert.pem").path
        let key = directory.appendingPathComponent("key.pem").path
        try identity.certificatePEM.write(toFile: certificate, atomically: true, encoding: .utf8)
        try identity.privateKeyPEM.write(toFile: key, atomically: true, encoding: .utf8)
        let context = try TLSContext(configuration: .server(certificateChainFile: certificate, privateKeyFile: key))

        // C0 (version 3) and the first bytes of C1 (time, zero).
        let c0c1: [UInt8] = [0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00]
        let result = try Self.exchange(c0c1, tls: context)
        #expect(result.mismatches == [.plainClientOnTLSPort])
        #expect(result.reply.isEmpty)
        #expect(result.recording.closeCount == 1)
        #expect(result.recording.closeError == ProtocolMismatch.plainClientOnTLSPort.description)
    }

    @Test("RTMP C0 on the plain port passes to the handler")
    func plainOnPlainPort() throws {
        let c0c1: [UInt8] = [0x03, 0x00, 0x00, 0x00, 0x00]
        let result = try Self.exchange(c0c1, tls: nil)
        #expect(result.mismatches.isEmpty)
        #expect(result.reply == c0c1)
        #expect(result.recording.closeCount == 0)
    }
}
