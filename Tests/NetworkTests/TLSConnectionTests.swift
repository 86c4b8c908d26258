#if canImport(Glibc)
import Glibc
#endif
import Testing
import Bytes
import TLS
@testable import Network

/// A server certificate for "localhost" and 127.0.0.1, generated into a temporary folder.
private struct TestIdentity {
    let directory: String
    let certificateFile: String
    let keyFile: String

    init() throws {
        var template = Array("/tmp/sealcast-network-XXXXXX".utf8CString)
        guard let created = mkdtemp(&template) else {
            throw TransportError.systemCall("mkdtemp", errno: errno)
        }
        directory = String(cString: created)
        certificateFile = directory + "/cert.pem"
        keyFile = directory + "/key.pem"

        let identity = try SelfSignedCertificate.generate(
            commonName: "localhost",
            dnsNames: ["localhost"],
            ipAddresses: ["127.0.0.1"]
        )
        try Self.write(identity.certificatePEM, to: certificateFile)
        try Self.write(identity.privateKeyPEM, to: keyFile)
    }

    private static func write(_ text: String, to path: String) throws {
        guard let file = fopen(path, "w") else {
            throw TransportError.systemCall("fopen", errno: errno, detail: path)
        }
        defer { fclose(file) }
        fputs(text, file)
    }

    func remove() {
        unlink(certificateFile)
        unlink(keyFile)
        rmdir(directory)
    }

    func serverContext() throws -> TLSContext {
        try TLSContext(configuration: .server(certificateChainFile: certificateFile, privateKeyFile: keyFile))
    }

    /// Creates a client context that trusts only this certificate.
    func clientContext() throws -> TLSContext {
        try TLSContext(configuration: .client(trustRoots: .file(certificateFile)))
    }
}

/// Connects from `loop` and starts the connection with `handler`; returns it or the error text.
private func connect(
    to address: SocketAddress,
    on loop: EventLoop,
    tls: TLSContext,
    serverName: String,
    handler: RecordingHandler
) -> Result<Connection, TransportError> {
    let outcome = Locked<Result<Connection, TransportError>?>(nil)
    loop.execute {
        TCPConnector.connect(host: address.host, port: address.port, on: loop, tls: tls, serverName: serverName) { result in
            switch result {
            case .success(let connection):
                connection.handler = handler
                connection.start()
                outcome.update { $0 = .success(connection) }
            case .failure(let error):
                outcome.update { $0 = .failure(.invalidAddress("\(error)")) }
            }
        }
    }
    _ = waitUntil { outcome.value != nil }
    return outcome.value ?? .failure(.timedOut("connect"))
}

@Suite("TLS connections", .serialized)
struct TLSConnectionTests {
    @Test("TLS echo with a verified certificate")
    func echo() throws {
        let identity = try TestIdentity()
        defer { identity.remove() }
        try withGroup(threads: 2) { group in
            let (listener, accepted) = try startServer(group: group, tls: identity.serverContext())
            defer { listener.close() }

            let client = RecordingHandler()
            let connection = try connect(
                to: listener.localAddress, on: group.loops[0], tls: identity.clientContext(),
                serverName: "localhost", handler: client
            ).get()
            connection.eventLoop.execute { connection.write(Array("hello over TLS".utf8)) }

            #expect(waitUntil { client.recording.value.received == Array("hello over TLS".utf8) })
            #expect(onLoop(connection.eventLoop) { connection.isTLS } == true)
            #expect(onLoop(connection.eventLoop) { connection.tlsSession?.negotiatedVersion } == "TLSv1.3")
            let server = accepted.connections.value.first!
            #expect(onLoop(server.eventLoop) { server.tlsSession?.requestedServerName } == "localhost")
        }
    }

    @Test("small TLS writes packed into records")
    func smallWritesPacked() throws {
        let identity = try TestIdentity()
        defer { identity.remove() }
        let messageCount = 2000
        let messages = (0..<messageCount).map { Pattern.bytes(at: $0 * 10, count: 10) }
        let reads = Locked(0)
        try withGroup(threads: 2) { group in
            let (listener, _) = try startServer(group: group, tls: identity.serverContext(), makeHandler: {
                RecordingHandler { connection, _ in
                    // One callback writes every message; the queue packs them into a few records.
                    for message in messages {
                        connection.write(message)
                    }
                }
            })
            defer { listener.close() }

            let client = RecordingHandler { _, _ in reads.update { $0 += 1 } }
            let connection = try connect(
                to: listener.localAddress, on: group.loops[0], tls: identity.clientContext(),
                serverName: "127.0.0.1", handler: client
            ).get()
            connection.eventLoop.execute { connection.write([0]) }

            #expect(waitUntil { client.receivedCount >= messageCount * 10 })
            #expect(client.recording.value.received == Pattern.bytes(at: 0, count: messageCount * 10))
            // 20,000 bytes fit in two 16 KiB records, usually read in one or two callbacks.
            #expect(reads.value <= 4)
        }
    }

    @Test("8 MiB over TLS, in order")
    func largeTransfer() throws {
        let identity = try TestIdentity()
        defer { identity.remove() }
        let total = 8 * 1024 * 1024
        try withGroup(threads: 2) { group in
            let (listener, accepted) = try startServer(group: group, tls: identity.serverContext(), makeHandler: {
                RecordingHandler { connection, _ in
                    var offset = 0
                    while offset < total {
                        connection.write(SharedBytes(copying: Pattern.bytes(at: offset, count: 100_000)))
                        offset += 100_000
                    }
                }
            })
            defer { listener.close() }

            let client = RecordingHandler()
            let connection = try connect(
                to: listener.localAddress, on: group.loops[0], tls: identity.clientContext(),
                serverName: "localhost", handler: client
            ).get()
            connection.eventLoop.execute { connection.write([0]) }

            let expectedCount = (total + 99_999) / 100_000 * 100_000
            #expect(waitUntil(timeout: .seconds(30)) { client.receivedCount >= expectedCount })
            let received = client.recording.value.received
            #expect(received.count == expectedCount)
            #expect(Pattern.firstMismatch(in: received[...], start: 0) == nil)
            let changes = accepted.handlers.value.first?.recording.value.writabilityChanges ?? []
            #expect(changes.first == false)
            #expect(waitUntil { accepted.handlers.value.first?.recording.value.writabilityChanges.last == true })
        }
    }

    @Test("close after writes sends the reply and close_notify")
    func closeNotify() throws {
        let identity = try TestIdentity()
        defer { identity.remove() }
        try withGroup(threads: 2) { group in
            let (listener, accepted) = try startServer(group: group, tls: identity.serverContext(), makeHandler: {
                RecordingHandler { connection, _ in
                    connection.write(Array("bye".utf8))
                    connection.close()
                }
            })
            defer { listener.close() }

            let client = RecordingHandler()
            let connection = try connect(
                to: listener.localAddress, on: group.loops[1], tls: identity.clientContext(),
                serverName: "localhost", handler: client
            ).get()
            connection.eventLoop.execute { connection.write([1]) }

            #expect(waitUntil { client.recording.value.closeCount == 1 })
            #expect(client.recording.value.received == Array("bye".utf8))
            #expect(client.recording.value.closeError == nil)
            #expect(waitUntil { accepted.handlers.value.first?.recording.value.closeCount == 1 })
            #expect(accepted.handlers.value.first?.recording.value.closeError == nil)
        }
    }

    @Test("certificate name mismatch")
    func wrongServerName() throws {
        let identity = try TestIdentity()
        defer { identity.remove() }
        try withGroup(threads: 2) { group in
            let (listener, accepted) = try startServer(group: group, tls: identity.serverContext())
            defer { listener.close() }

            let client = RecordingHandler()
            _ = try connect(
                to: listener.localAddress, on: group.loops[0], tls: identity.clientContext(),
                serverName: "example.com", handler: client
            ).get()

            #expect(waitUntil { client.recording.value.closeCount == 1 })
            #expect(client.recording.value.received.isEmpty)
            #expect(client.recording.value.closeError != nil)
            #expect(waitUntil { accepted.handlers.value.first?.recording.value.closeCount == 1 })
        }
    }

    @Test("plaintext client on a TLS port")
    func plaintextClientRejected() throws {
        let identity = try TestIdentity()
        defer { identity.remove() }
        try withGroup(threads: 1) { group in
            let (listener, accepted) = try startServer(group: group, tls: identity.serverContext())
            defer { listener.close() }

            let client = try BlockingClient(to: listener.localAddress)
            try client.write(Array("GET / HTTP/1.1\r\n\r\n".utf8))
            _ = try client.readToEnd()

            #expect(waitUntil { accepted.handlers.value.first?.recording.value.closeCount == 1 })
            #expect(accepted.handlers.value.first?.recording.value.closeError != nil)
            #expect(accepted.handlers.value.first?.recording.value.received.isEmpty == true)
        }
    }
}
