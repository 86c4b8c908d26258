import Foundation
import Testing
import TLS

@Suite("Server TLS policy: versions, ciphers and resumption")
struct TLSPolicyTests {
    /// Creates a client that trusts any server and offers only `ciphers`, with TLS 1.2 at most.
    static func tls12Client(ciphers: String) throws -> TLSContext {
        var configuration = TLSConfiguration.client(trustRoots: .none)
        configuration.maximumVersion = .tls12
        configuration.tls12Ciphers = ciphers
        return try TLSContext(configuration: configuration)
    }

    @Test("default server negotiates TLS 1.3 with an AEAD suite")
    func defaultNegotiatesTLS13() throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        let identity = try ServerIdentity.selfSigned(in: directory)
        let pair = try TLSPair(
            clientContext: TLSContext(configuration: .client(trustRoots: .none)),
            serverContext: identity.serverContext()
        )
        pair.handshake()
        #expect(pair.server.negotiatedVersion == "TLSv1.3")
        #expect(TLSConfiguration.defaultTLS13CipherSuites.contains(pair.server.negotiatedCipher ?? "none"))
    }

    @Test("TLS 1.2 client gets an ECDHE AEAD cipher")
    func tls12ClientGetsECDHEAEAD() throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        let identity = try ServerIdentity.selfSigned(in: directory)
        let pair = try TLSPair(clientContext: Self.tls12Client(ciphers: "ALL"), serverContext: identity.serverContext())
        pair.handshake()
        #expect(pair.server.negotiatedVersion == "TLSv1.2")
        #expect(pair.server.negotiatedCipher == "ECDHE-ECDSA-AES128-GCM-SHA256")
    }

    @Test("TLS 1.2 client offering only weak ciphers fails", arguments: [
        "ECDHE-ECDSA-AES128-SHA",  // CBC, no AEAD
        "AES128-GCM-SHA256",  // RSA key exchange, no forward secrecy
    ])
    func weakTLS12CiphersFail(cipher: String) throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        let identity = try ServerIdentity.rsaFromCommandLine(in: directory)
        let pair = try TLSPair(clientContext: Self.tls12Client(ciphers: cipher), serverContext: identity.serverContext())
        pair.handshake()
        #expect(pair.serverFailure == .handshakeFailed)
        #expect(!pair.server.isHandshakeComplete)
    }

    @Test("minimum version 1.3 rejects a TLS 1.2 client")
    func minimumTLS13RejectsTLS12() throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        let identity = try ServerIdentity.selfSigned(in: directory)
        let pair = try TLSPair(
            clientContext: Self.tls12Client(ciphers: TLSConfiguration.defaultTLS12Ciphers),
            serverContext: identity.serverContext(minimumVersion: .tls13)
        )
        pair.handshake()
        #expect(pair.serverFailure == .handshakeFailed)
    }

    @Test("tickets off: server sends no session ticket", arguments: [TLSVersion.tls12, .tls13])
    func noSessionTickets(version: TLSVersion) throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        let identity = try ServerIdentity.selfSigned(in: directory)
        var client = TLSConfiguration.client(trustRoots: .none)
        client.maximumVersion = version
        var server = TLSConfiguration.server(certificateChainFile: identity.certificatePath, privateKeyFile: identity.keyPath)
        server.sessionTicketKeyRotation = nil
        let pair = try TLSPair(clientContext: TLSContext(configuration: client), serverContext: TLSContext(configuration: server))
        pair.handshake()
        try pair.write([1, 2, 3], on: pair.server)
        pair.interact()
        #expect(pair.clientReceived == [1, 2, 3])
        #expect(pair.client.isHandshakeComplete)
        #expect(!pair.client.receivedSessionTicket)
    }

    @Test("cipher settings that break the policy are rejected", arguments: [
        ("NOT-A-CIPHER", TLSConfiguration.defaultTLS13CipherSuites, "selects no cipher"),
        ("AES128-GCM-SHA256", TLSConfiguration.defaultTLS13CipherSuites, "AES128-GCM-SHA256"),
        ("ECDHE-RSA-AES128-SHA", TLSConfiguration.defaultTLS13CipherSuites, "ECDHE-RSA-AES128-SHA"),
        (TLSConfiguration.defaultTLS12Ciphers, "TLS_NOT_A_SUITE", "TLS_NOT_A_SUITE"),
        (TLSConfiguration.defaultTLS12Ciphers, "", "TLS 1.3 cipher suites"),
    ])
    func invalidCipherSettings(tls12: String, tls13: String, named: String) {
        #expect {
            try TLSContext.validateCiphers(tls12Ciphers: tls12, tls13CipherSuites: tls13)
        } throws: { error in
            guard let error = error as? TLSError else {
                return false
            }
            return error == .invalidConfiguration && error.detail.contains(named)
        }
    }

    @Test("default cipher settings pass validation")
    func defaultCiphersValid() throws {
        try TLSContext.validateCiphers(
            tls12Ciphers: TLSConfiguration.defaultTLS12Ciphers,
            tls13CipherSuites: TLSConfiguration.defaultTLS13CipherSuites
        )
    }
}

@Suite("Session resumption with rotated ticket keys")
struct TLSResumptionTests {
    /// Connects once with `version`, then again `delay` later with the first session's ticket,
    /// and returns whether the second handshake resumed.
    static func resumes(version: TLSVersion, rotation: Duration, delay: Duration) throws -> Bool {
        let directory = try TestDirectory()
        defer { directory.remove() }
        let identity = try ServerIdentity.selfSigned(in: directory)
        var server = TLSConfiguration.server(certificateChainFile: identity.certificatePath, privateKeyFile: identity.keyPath)
        server.sessionTicketKeyRotation = rotation
        let serverContext = try TLSContext(configuration: server)
        var client = TLSConfiguration.client(trustRoots: .none)
        client.maximumVersion = version
        let clientContext = try TLSContext(configuration: client)

        let first = try TLSPair(clientContext: clientContext, serverContext: serverContext)
        first.handshake()
        // TLS 1.3 tickets follow the handshake, so move some data to deliver them.
        try first.write([1], on: first.server)
        first.interact()
        let ticket = try #require(first.client.resumptionData)
        #expect(!first.client.isResumed)

        Thread.sleep(forTimeInterval: Double(delay.components.seconds) + Double(delay.components.attoseconds) / 1e18)
        let second = try TLSPair(
            client: TLSSession(context: clientContext, serverName: "localhost", resuming: ticket),
            server: TLSSession(context: serverContext)
        )
        second.handshake()
        #expect(second.client.isHandshakeComplete)
        #expect(second.serverFailure == nil)
        #expect(second.client.isResumed == second.server.isResumed)
        return second.server.isResumed
    }

    @Test("ticket under the current key resumes", arguments: [TLSVersion.tls12, .tls13])
    func currentKeyResumes(version: TLSVersion) throws {
        #expect(try Self.resumes(version: version, rotation: .seconds(3600), delay: .zero))
    }

    @Test("ticket under the previous key resumes", arguments: [TLSVersion.tls12, .tls13])
    func previousKeyResumes(version: TLSVersion) throws {
        #expect(try Self.resumes(version: version, rotation: .milliseconds(300), delay: .milliseconds(400)))
    }

    @Test("ticket older than two rotations makes a full handshake", arguments: [TLSVersion.tls12, .tls13])
    func droppedKeyFullHandshake(version: TLSVersion) throws {
        #expect(try !Self.resumes(version: version, rotation: .milliseconds(300), delay: .milliseconds(700)))
    }
}

@Suite("Certificates chosen by SNI")
struct TLSServerNameTests {
    /// A server whose main certificate is for localhost, with extra certificates for
    /// `*.example.test` and `stream.other.test`.
    struct Setup {
        let main: ServerIdentity
        let wildcard: ServerIdentity
        let exact: ServerIdentity
        let context: TLSContext

        init(in directory: TestDirectory) throws {
            let authority = try TestCertificateAuthority.create(in: directory)
            main = try authority.issue("main", subjectAltName: "DNS:localhost,IP:127.0.0.1", days: 2)
            wildcard = try authority.issue("wildcard", subjectAltName: "DNS:*.example.test", days: 2)
            exact = try authority.issue("exact", subjectAltName: "DNS:stream.other.test", days: 2)
            var configuration = TLSConfiguration.server(
                certificateChainFile: main.certificatePath,
                privateKeyFile: main.keyPath
            )
            configuration.serverNameCertificates = [wildcard, exact].map {
                TLSConfiguration.CertificateFiles(certificateChainFile: $0.certificatePath, privateKeyFile: $0.keyPath)
            }
            context = try TLSContext(configuration: configuration)
        }

        /// Returns the SHA-256 of the leaf certificate that a client sending `serverName` receives.
        func certificateServed(to serverName: String) throws -> [UInt8]? {
            let pair = try TLSPair(
                clientContext: TLSContext(configuration: .client(trustRoots: .none)),
                serverContext: context,
                serverName: serverName
            )
            pair.handshake()
            return pair.client.peerCertificateSHA256
        }
    }

    /// SHA-256 of the first certificate in a PEM file, as bytes.
    static func fingerprint(_ identity: ServerIdentity) throws -> [UInt8] {
        let text = try SelfSignedCertificate.fingerprintSHA256(certificatePEMFile: identity.certificatePath)
        return text.split(separator: ":").compactMap { UInt8($0, radix: 16) }
    }

    @Test("each name gets its certificate, others get the main one", arguments: [
        ("live.example.test", "wildcard"),
        ("LIVE.Example.Test", "wildcard"),
        ("stream.other.test", "exact"),
        ("a.b.example.test", "main"),  // a wildcard covers one label only
        ("example.test", "main"),
        ("localhost", "main"),
        ("127.0.0.1", "main"),  // an IP address is never sent as SNI
    ])
    func certificateByName(serverName: String, expected: String) throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        let setup = try Setup(in: directory)
        let identities = ["main": setup.main, "wildcard": setup.wildcard, "exact": setup.exact]
        let served = try setup.certificateServed(to: serverName)
        #expect(served == (try Self.fingerprint(identities[expected]!)))
    }

    @Test("a bad SNI certificate file fails the whole context")
    func badServerNameCertificate() throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        let main = try ServerIdentity.selfSigned(in: directory)
        let notPEM = try directory.write("not a certificate\n", to: "broken.pem")
        var configuration = TLSConfiguration.server(certificateChainFile: main.certificatePath, privateKeyFile: main.keyPath)
        configuration.serverNameCertificates = [
            TLSConfiguration.CertificateFiles(certificateChainFile: notPEM, privateKeyFile: main.keyPath)
        ]
        #expect(throws: TLSError.certificateFileUnreadable) {
            try TLSContext(configuration: configuration)
        }
    }
}

@Suite("Client certificates (mutual TLS)")
struct TLSClientCertificateTests {
    static func server(
        identity: ServerIdentity,
        clientCA: TestCertificateAuthority,
        required: Bool
    ) throws -> TLSContext {
        var configuration = TLSConfiguration.server(
            certificateChainFile: identity.certificatePath,
            privateKeyFile: identity.keyPath
        )
        configuration.clientCertificateCAFile = clientCA.certificatePath
        configuration.clientCertificateRequired = required
        return try TLSContext(configuration: configuration)
    }

    static func client(_ identity: ServerIdentity?) throws -> TLSContext {
        var configuration = TLSConfiguration.client(trustRoots: .none)
        configuration.certificateChainFile = identity?.certificatePath
        configuration.privateKeyFile = identity?.keyPath
        return try TLSContext(configuration: configuration)
    }

    @Test("required: a certificate from the CA passes and its subject is available")
    func requiredWithCertificate() throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        let authority = try TestCertificateAuthority.create(in: directory)
        let encoder = try authority.issue("encoder-1", subjectAltName: "DNS:encoder-1", days: 2)
        let server = try ServerIdentity.selfSigned(in: directory)
        let pair = try TLSPair(
            clientContext: Self.client(encoder),
            serverContext: Self.server(identity: server, clientCA: authority, required: true)
        )
        pair.handshake()
        #expect(pair.serverFailure == nil)
        #expect(pair.server.isHandshakeComplete)
        #expect(pair.server.verifiedPeerSubject == "CN=encoder-1")
    }

    @Test("required: a client without a certificate fails")
    func requiredWithoutCertificate() throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        let authority = try TestCertificateAuthority.create(in: directory)
        let server = try ServerIdentity.selfSigned(in: directory)
        let pair = try TLSPair(
            clientContext: Self.client(nil),
            serverContext: Self.server(identity: server, clientCA: authority, required: true)
        )
        pair.handshake()
        #expect(pair.serverFailure == .handshakeFailed)
        #expect(pair.server.verifiedPeerSubject == nil)
    }

    @Test("optional: a client without a certificate passes with no subject")
    func optionalWithoutCertificate() throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        let authority = try TestCertificateAuthority.create(in: directory)
        let server = try ServerIdentity.selfSigned(in: directory)
        let pair = try TLSPair(
            clientContext: Self.client(nil),
            serverContext: Self.server(identity: server, clientCA: authority, required: false)
        )
        pair.handshake()
        #expect(pair.serverFailure == nil)
        #expect(pair.server.isHandshakeComplete)
        #expect(pair.server.verifiedPeerSubject == nil)
    }

    @Test("optional: a certificate from another CA fails")
    func optionalWithUntrustedCertificate() throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        let trusted = try TestCertificateAuthority.create(in: directory, name: "trusted")
        let other = try TestCertificateAuthority.create(in: directory, name: "other")
        let encoder = try other.issue("stranger", subjectAltName: "DNS:stranger", days: 2)
        let server = try ServerIdentity.selfSigned(in: directory)
        let pair = try TLSPair(
            clientContext: Self.client(encoder),
            serverContext: Self.server(identity: server, clientCA: trusted, required: false)
        )
        pair.handshake()
        #expect(pair.serverFailure == .handshakeFailed)
        #expect(pair.server.verifiedPeerSubject == nil)
    }
}

@Suite("Replaceable context")
struct TLSContextReferenceTests {
    @Test("replace changes the current context")
    func replaceChangesCurrent() throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        let first = try ServerIdentity.selfSigned(in: directory, name: "first").serverContext()
        let second = try ServerIdentity.selfSigned(in: directory, name: "second").serverContext()
        let reference = TLSContextReference(first)
        #expect(reference.current === first)
        reference.replace(with: second)
        #expect(reference.current === second)
        #expect(first.leafCertificateSHA256 != second.leafCertificateSHA256)
    }
}
