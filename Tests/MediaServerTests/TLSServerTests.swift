import Foundation
import Network
import Observability
import Testing
import TLS

@testable import MediaServer

/// RTMPS certificate reloads and clients on the wrong kind of port, over loopback.
@Suite struct TLSServerTests {
    /// A folder with the server's certificate files, which tests rewrite to trigger reloads.
    struct CertificateFolder {
        let url: URL
        var certificateFile: String { url.appendingPathComponent("cert.pem").path }
        var keyFile: String { url.appendingPathComponent("key.pem").path }

        init() throws {
            url = FileManager.default.temporaryDirectory.appendingPathComponent("sealcast-reload-\(UUID())")
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        }

        /// Writes a new self-signed certificate and key and returns the certificate's SHA-256.
        @discardableResult
        func writeNewCertificate() throws -> [UInt8] {
            let generated = try SelfSignedCertificate.generate(commonName: "localhost", dnsNames: ["localhost"], ipAddresses: [])
            try generated.certificatePEM.write(toFile: certificateFile, atomically: true, encoding: .utf8)
            try generated.privateKeyPEM.write(toFile: keyFile, atomically: true, encoding: .utf8)
            let text = try SelfSignedCertificate.fingerprintSHA256(certificatePEMFile: certificateFile)
            return text.split(separator: ":").compactMap { UInt8($0, radix: 16) }
        }

        func remove() {
            try? FileManager.default.removeItem(at: url)
        }
    }

    /// A server with RTMP and RTMPS on loopback, logging into memory.
    final class Server {
        let server: RTMPServer
        let logs = MemoryLogHandler()

        init(folder: CertificateFolder, reloadCheckSeconds: Int = 0) throws {
            let tls = try TLSContext(
                configuration: .server(certificateChainFile: folder.certificateFile, privateKeyFile: folder.keyFile)
            )
            server = try RTMPServer(
                settings: RTMPServer.Settings(
                    rtmp: ListenAddress(host: "127.0.0.1", port: 0), rtmps: ListenAddress(host: "127.0.0.1", port: 0),
                    tls: tls, tlsReloadCheckSeconds: reloadCheckSeconds,
                    applications: [ApplicationConfiguration(name: "live", openPublishing: true)], eventLoops: 2
                ),
                logger: Logger(label: "test", level: .debug, handler: logs)
            )
        }

        deinit { server.shutdown() }

        var rtmpPort: Int { server.rtmpAddress!.port }
        var rtmpsPort: Int { server.rtmpsAddress!.port }

        func records(at level: LogLevel, containing text: String) -> [MemoryLogHandler.Record] {
            logs.all.filter { $0.level == level && $0.message.contains(text) }
        }

        /// Waits up to `seconds` for a record at `level` containing `text`.
        func waitForLog(_ level: LogLevel, _ text: String, seconds: Double = 5) -> Bool {
            let deadline = Date().addingTimeInterval(seconds)
            while Date() < deadline {
                if !records(at: level, containing: text).isEmpty { return true }
                Thread.sleep(forTimeInterval: 0.02)
            }
            return false
        }
    }

    /// RTMP C0 and C1: version 3, then 1536 bytes of time, zero and random.
    static let c0c1: [UInt8] = [0x03] + [UInt8](repeating: 0, count: 1536)

    @Test func reloadServesNewConnectionsAndKeepsLiveOnes() throws {
        let folder = try CertificateFolder()
        defer { folder.remove() }
        let first = try folder.writeNewCertificate()
        let server = try Server(folder: folder)

        let live = try TLSLoopbackClient(port: server.rtmpsPort)
        #expect(live.serverCertificate == first)

        let second = try folder.writeNewCertificate()
        #expect(server.server.reloadTLS(reason: "test"))
        #expect(server.records(at: .info, containing: "reloaded the TLS certificates (test)").count == 1)
        let fresh = try TLSLoopbackClient(port: server.rtmpsPort)
        #expect(fresh.serverCertificate == second)

        // The connection made before the reload still carries RTMP: the server replies to C0 with S0 = 3.
        try live.write(Self.c0c1)
        let reply = try live.read(atLeast: 1)
        #expect(reply.first == 0x03)
    }

    @Test(arguments: ["missing certificate", "not PEM", "key of another certificate"])
    func badFilesKeepThePreviousCertificate(damage: String) throws {
        let folder = try CertificateFolder()
        defer { folder.remove() }
        let original = try folder.writeNewCertificate()
        let server = try Server(folder: folder)
        let before = server.server.currentTLSContext

        switch damage {
        case "missing certificate":
            try FileManager.default.removeItem(atPath: folder.certificateFile)
        case "not PEM":
            try "this is not a certificate\n".write(toFile: folder.certificateFile, atomically: true, encoding: .utf8)
        default:
            let other = try SelfSignedCertificate.generate(commonName: "other", dnsNames: ["other"], ipAddresses: [])
            try other.privateKeyPEM.write(toFile: folder.keyFile, atomically: true, encoding: .utf8)
        }

        #expect(!server.server.reloadTLS(reason: "test"))
        #expect(server.server.currentTLSContext === before)
        let warnings = server.records(at: .warning, containing: "keeping the previous certificates")
        #expect(warnings.count == 1)
        let namedFile = damage == "key of another certificate" ? folder.keyFile : folder.certificateFile
        #expect(warnings.first?.message.contains(namedFile) == true, "\(warnings.first?.message ?? "no warning")")
        let client = try TLSLoopbackClient(port: server.rtmpsPort)
        #expect(client.serverCertificate == original)
    }

    @Test func changedFilesAreReloadedByPolling() throws {
        let folder = try CertificateFolder()
        defer { folder.remove() }
        try folder.writeNewCertificate()
        let server = try Server(folder: folder, reloadCheckSeconds: 1)

        let second = try folder.writeNewCertificate()
        #expect(server.waitForLog(.info, "reloaded the TLS certificates (certificate files changed)"))
        #expect(server.server.currentTLSContext?.leafCertificateSHA256 == second)
        #expect(try TLSLoopbackClient(port: server.rtmpsPort).serverCertificate == second)

        // A broken file is reported once, not at every check.
        try "garbage\n".write(toFile: folder.certificateFile, atomically: true, encoding: .utf8)
        #expect(server.waitForLog(.warning, "keeping the previous certificates"))
        Thread.sleep(forTimeInterval: 2.5)
        #expect(server.records(at: .warning, containing: "keeping the previous certificates").count == 1)
        #expect(server.server.currentTLSContext?.leafCertificateSHA256 == second)
    }

    @Test func tlsClientOnThePlainPortIsToldTheRTMPSPort() throws {
        let folder = try CertificateFolder()
        defer { folder.remove() }
        try folder.writeNewCertificate()
        let server = try Server(folder: folder)

        for _ in 0..<2 {
            #expect(throws: TLSLoopbackClient.Failure.self) { try TLSLoopbackClient(port: server.rtmpPort) }
        }
        let expected = "TLS client on the plain RTMP port: use rtmps:// on port \(server.rtmpsPort)"
        #expect(server.waitForLog(.debug, expected))
        // The first is logged at info and the repeat at debug, so a retrying encoder does not flood the log.
        #expect(server.records(at: .info, containing: expected).count == 1)
        #expect(server.records(at: .debug, containing: expected).count == 1)
    }

    @Test func clientCertificateSubjectIsLogged() throws {
        let folder = try CertificateFolder()
        defer { folder.remove() }
        try folder.writeNewCertificate()
        let steps: [[String]] = [
            [
                "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", "ca.key", "-out", "ca.pem", "-subj", "/CN=Encoders CA", "-days", "2",
            ],
            [
                "openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", "encoder.key", "-out", "encoder.csr", "-subj", "/CN=encoder-1/O=Example",
            ],
            [
                "openssl", "x509", "-req", "-in", "encoder.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                "-set_serial", "3", "-days", "2", "-out", "encoder.pem",
            ],
        ]
        for step in steps {
            let (status, output) = try TestsslTests.run(step, in: folder.url, timeoutSeconds: 60)
            try #require(status == 0, "\(step.joined(separator: " ")): \(output)")
        }

        var configuration = TLSSettingsConfiguration()
        configuration.clientCertificateCAFile = folder.url.appendingPathComponent("ca.pem").path
        configuration.clientCertificates = "required"
        let context = try TLSContext(
            configuration: configuration.serverConfiguration(certificateFile: folder.certificateFile, privateKeyFile: folder.keyFile)
        )
        let logs = MemoryLogHandler()
        let server = try RTMPServer(
            settings: RTMPServer.Settings(
                rtmp: nil, rtmps: ListenAddress(host: "127.0.0.1", port: 0), tls: context,
                applications: [ApplicationConfiguration(name: "live")], eventLoops: 1
            ),
            logger: Logger(label: "test", level: .debug, handler: logs)
        )
        defer { server.shutdown() }
        let port = try #require(server.rtmpsAddress?.port)

        // In TLS 1.3 the client finishes its side before the server checks the certificate, so
        // the rejection shows as a connection that closes without returning RTMP bytes.
        let anonymous = try TLSLoopbackClient(port: port)
        try? anonymous.write(Self.c0c1)
        // A reset (ECONNRESET) after the alert counts as closed too.
        let unanswered = (try? anonymous.read(atLeast: 1)) ?? []
        #expect(unanswered.isEmpty)

        let client = try TLSLoopbackClient(
            port: port,
            certificateFile: folder.url.appendingPathComponent("encoder.pem").path,
            keyFile: folder.url.appendingPathComponent("encoder.key").path
        )
        // The RTMP handshake: C0 and C1, then S0, S1 and S2 back, then C2 (a copy of S1).
        try client.write(Self.c0c1)
        let reply = try client.read(atLeast: 1 + 1536 * 2)
        try #require(reply.count == 1 + 1536 * 2)
        try client.write(Array(reply[1..<1537]))

        let deadline = Date().addingTimeInterval(5)
        var subjects: [String] = []
        while subjects.isEmpty && Date() < deadline {
            subjects = logs.all.filter { $0.message == "client certificate verified" }.compactMap {
                $0.metadata["tls.peer.subject"]
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
        #expect(subjects == ["O=Example,CN=encoder-1"])
    }

    @Test func plainClientOnTheRTMPSPortIsClosed() throws {
        let folder = try CertificateFolder()
        defer { folder.remove() }
        try folder.writeNewCertificate()
        let server = try Server(folder: folder)

        let client = try BlockingClient(port: server.rtmpsPort)
        #expect(try client.serverCloses(within: 5))
        #expect(server.waitForLog(.info, "plain RTMP client on the RTMPS port"))
    }
}
