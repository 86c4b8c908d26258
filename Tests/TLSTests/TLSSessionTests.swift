import Testing
import TLS

@Suite("TLS session pair in memory")
struct TLSSessionTests {
    /// Creates a client context without verification, for tests about data flow rather than trust.
    static func unverifiedClient(maximumVersion: TLSVersion? = nil) throws -> TLSContext {
        var configuration = TLSConfiguration.client(trustRoots: .none)
        configuration.maximumVersion = maximumVersion
        return try TLSContext(configuration: configuration)
    }

    @Test("handshake with a generated ECDSA certificate", arguments: [TLSVersion.tls12, .tls13])
    func handshakeECDSA(version: TLSVersion) throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        let serverContext = try ServerIdentity.selfSigned(in: directory).serverContext()
        let pair = try TLSPair(clientContext: Self.unverifiedClient(maximumVersion: version), serverContext: serverContext)

        pair.handshake()

        #expect(pair.clientFailure == nil)
        #expect(pair.serverFailure == nil)
        #expect(pair.client.isHandshakeComplete)
        #expect(pair.server.isHandshakeComplete)
        #expect(pair.client.handshake() == .complete)
        #expect(pair.client.negotiatedVersion == (version == .tls12 ? "TLSv1.2" : "TLSv1.3"))
        #expect(pair.server.negotiatedVersion == pair.client.negotiatedVersion)
        if version == .tls12 {
            #expect(pair.client.negotiatedCipher == "ECDHE-ECDSA-AES128-GCM-SHA256")
        }
        #expect(pair.server.requestedServerName == "localhost")
        #expect(pair.client.peerCertificateSHA256 == serverContext.leafCertificateSHA256)
    }

    @Test("handshake with an RSA certificate from openssl req", arguments: [TLSVersion.tls12, .tls13])
    func handshakeRSA(version: TLSVersion) throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        let serverContext = try ServerIdentity.rsaFromCommandLine(in: directory).serverContext()
        let pair = try TLSPair(clientContext: Self.unverifiedClient(maximumVersion: version), serverContext: serverContext)

        pair.handshake()

        #expect(pair.clientFailure == nil)
        #expect(pair.serverFailure == nil)
        #expect(pair.client.isHandshakeComplete)
        #expect(pair.server.isHandshakeComplete)
        #expect(pair.client.negotiatedVersion == (version == .tls12 ? "TLSv1.2" : "TLSv1.3"))
        if version == .tls12 {
            #expect(pair.client.negotiatedCipher == "ECDHE-RSA-AES128-GCM-SHA256")
        }
    }

    @Test("data flows both ways", arguments: [TLSVersion.tls12, .tls13])
    func dataBothWays(version: TLSVersion) throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        let serverContext = try ServerIdentity.selfSigned(in: directory).serverContext()
        let pair = try TLSPair(clientContext: Self.unverifiedClient(maximumVersion: version), serverContext: serverContext)
        pair.handshake()

        try pair.write(Array("connect".utf8), on: pair.client)
        try pair.write(Array("_result".utf8), on: pair.server)
        pair.interact()

        #expect(pair.serverReceived == Array("connect".utf8))
        #expect(pair.clientReceived == Array("_result".utf8))
        #expect(pair.clientFailure == nil)
        #expect(pair.serverFailure == nil)
    }

    @Test("several small writes come back in one read")
    func smallWritesOneRead() throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        let serverContext = try ServerIdentity.selfSigned(in: directory).serverContext()
        let pair = try TLSPair(clientContext: Self.unverifiedClient(), serverContext: serverContext)
        pair.handshake()

        let messages = (0..<5).map { Array("command \($0);".utf8) }
        for message in messages {
            try pair.write(message, on: pair.client)
        }
        pair.receive(pair.drain(pair.client), into: pair.server)
        var plaintext: [UInt8] = []
        let result = pair.server.readPlaintext(appendingTo: &plaintext)

        #expect(result == .wantRead)
        #expect(plaintext == messages.flatMap { $0 })
    }

    @Test("one read returns several full records")
    func severalRecordsOneRead() throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        let serverContext = try ServerIdentity.selfSigned(in: directory).serverContext()
        let pair = try TLSPair(clientContext: Self.unverifiedClient(), serverContext: serverContext)
        pair.handshake()

        // 40,000 bytes in 16 KiB writes make three records, more than one SSL_read returns.
        let payload = (0..<40_000).map { UInt8(truncatingIfNeeded: $0 * 7) }
        for start in stride(from: 0, to: payload.count, by: 16_384) {
            try pair.write(Array(payload[start..<min(start + 16_384, payload.count)]), on: pair.server)
        }
        pair.receive(pair.drain(pair.server), into: pair.client)
        var plaintext: [UInt8] = []
        let result = pair.client.readPlaintext(appendingTo: &plaintext)

        #expect(result == .wantRead)
        #expect(plaintext.count == payload.count)
        // Compared outside #expect so that a failure does not print 40,000 bytes twice.
        let matchesPayload = plaintext == payload
        #expect(matchesPayload)
    }

    @Test("ciphertext fed byte by byte")
    func ciphertextByteByByte() throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        let serverContext = try ServerIdentity.selfSigned(in: directory).serverContext()
        let pair = try TLSPair(clientContext: Self.unverifiedClient(), serverContext: serverContext)
        pair.handshake()

        let message = Array("play stream".utf8)
        try pair.write(message, on: pair.server)
        let ciphertext = pair.drain(pair.server)
        var plaintext: [UInt8] = []
        for (index, byte) in ciphertext.enumerated() {
            pair.receive([byte], into: pair.client)
            let result = pair.client.readPlaintext(appendingTo: &plaintext)
            #expect(result == .wantRead)
            if index < ciphertext.count - 1 {
                #expect(plaintext.isEmpty)
            }
        }

        #expect(plaintext == message)
    }

    @Test("shutdown delivers close_notify", arguments: [TLSVersion.tls12, .tls13])
    func shutdownCloses(version: TLSVersion) throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        let serverContext = try ServerIdentity.selfSigned(in: directory).serverContext()
        let pair = try TLSPair(clientContext: Self.unverifiedClient(maximumVersion: version), serverContext: serverContext)
        pair.handshake()

        try pair.write(Array("deleteStream".utf8), on: pair.client)
        pair.client.shutdown()
        #expect(pair.client.hasPendingCiphertext)
        pair.receive(pair.drain(pair.client), into: pair.server)
        var plaintext: [UInt8] = []
        let result = pair.server.readPlaintext(appendingTo: &plaintext)

        #expect(result == .closed)
        #expect(plaintext == Array("deleteStream".utf8))
    }

    @Test("takeCiphertext returns every record in one block")
    func takeCiphertextGathersRecords() throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        let serverContext = try ServerIdentity.selfSigned(in: directory).serverContext()
        let pair = try TLSPair(clientContext: Self.unverifiedClient(maximumVersion: .tls13), serverContext: serverContext)
        pair.handshake()
        #expect(pair.server.takeCiphertext() == nil)

        // 40,000 bytes need three records of at most 16 KiB, written by three calls.
        let message = (0..<40_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        try pair.write(Array(message[..<16_384]), on: pair.server)
        try pair.write(Array(message[16_384..<32_768]), on: pair.server)
        try pair.write(Array(message[32_768...]), on: pair.server)
        let block = try #require(pair.server.takeCiphertext())
        #expect(!pair.server.hasPendingCiphertext)
        #expect(pair.server.takeCiphertext() == nil)

        pair.receive(Array(block.bytes), into: pair.client)
        var plaintext: [UInt8] = []
        #expect(pair.client.readPlaintext(appendingTo: &plaintext) == .wantRead)
        #expect(plaintext == message)
    }

    @Test("server rejects TLS 1.2 when its minimum is 1.3")
    func minimumVersionEnforced() throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        let serverContext = try ServerIdentity.selfSigned(in: directory).serverContext(minimumVersion: .tls13)
        let pair = try TLSPair(clientContext: Self.unverifiedClient(maximumVersion: .tls12), serverContext: serverContext)

        pair.handshake()

        #expect(pair.serverFailure == .handshakeFailed)
        #expect(pair.clientFailure == .handshakeFailed)
        #expect(!pair.client.isHandshakeComplete)
    }

    @Test("write before handshake consumes nothing")
    func writeBeforeHandshake() throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        let serverContext = try ServerIdentity.selfSigned(in: directory).serverContext()
        let pair = try TLSPair(clientContext: Self.unverifiedClient(), serverContext: serverContext)

        let written = Array("early".utf8).withUnsafeBytes { pair.client.writePlaintext($0) }

        #expect(try written.get() == 0)
        #expect(pair.client.negotiatedVersion == nil)
        #expect(pair.client.negotiatedCipher == nil)
    }
}
