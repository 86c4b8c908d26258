import Testing
import TLS

@Suite("Client verification of the server certificate")
struct TLSVerificationTests {
    /// Runs a handshake between a client trusting `trustedCA` and a server presenting `identity`.
    static func handshake(
        identity: ServerIdentity,
        trustedCA: TestCertificateAuthority,
        serverName: String
    ) throws -> TLSPair {
        let clientContext = try TLSContext(configuration: .client(trustRoots: .file(trustedCA.certificatePath)))
        let pair = try TLSPair(
            clientContext: clientContext,
            serverContext: identity.serverContext(),
            serverName: serverName
        )
        pair.handshake()
        return pair
    }

    @Test("certificate from the trusted CA passes, by name and by IP")
    func goodChainPasses() throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        let authority = try TestCertificateAuthority.create(in: directory)
        let identity = try authority.issue("good", subjectAltName: "DNS:localhost,IP:127.0.0.1", days: 2)

        for serverName in ["localhost", "127.0.0.1"] {
            let pair = try Self.handshake(identity: identity, trustedCA: authority, serverName: serverName)
            #expect(pair.clientFailure == nil, "server name \(serverName)")
            #expect(pair.serverFailure == nil, "server name \(serverName)")
            #expect(pair.client.isHandshakeComplete, "server name \(serverName)")
        }
    }

    @Test("wrong host name fails with a clear message")
    func wrongHostNameFails() throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        let authority = try TestCertificateAuthority.create(in: directory)
        let identity = try authority.issue("good", subjectAltName: "DNS:localhost,IP:127.0.0.1", days: 2)

        let pair = try Self.handshake(identity: identity, trustedCA: authority, serverName: "media.example.com")

        let failure = try #require(pair.clientFailure)
        #expect(failure == .verificationFailed)
        #expect(failure.description.contains("hostname mismatch"))
        #expect(failure.description.contains("media.example.com"))
        #expect(!pair.client.isHandshakeComplete)
        #expect(pair.serverFailure != nil)
    }

    @Test("wrong IP address fails")
    func wrongIPAddressFails() throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        let authority = try TestCertificateAuthority.create(in: directory)
        let identity = try authority.issue("good", subjectAltName: "DNS:localhost,IP:127.0.0.1", days: 2)

        let pair = try Self.handshake(identity: identity, trustedCA: authority, serverName: "127.0.0.2")

        let failure = try #require(pair.clientFailure)
        #expect(failure == .verificationFailed)
        #expect(failure.description.contains("IP address mismatch"))
        // SNI carries host names only, so an IP address is not sent.
        #expect(pair.server.requestedServerName == nil)
    }

    @Test("expired certificate fails with a clear message")
    func expiredCertificateFails() throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        let authority = try TestCertificateAuthority.create(in: directory)
        let identity = try authority.issue("expired", subjectAltName: "DNS:localhost", days: -1)

        let pair = try Self.handshake(identity: identity, trustedCA: authority, serverName: "localhost")

        let failure = try #require(pair.clientFailure)
        #expect(failure == .verificationFailed)
        #expect(failure.description.contains("certificate has expired"))
        #expect(!pair.client.isHandshakeComplete)
    }

    @Test("unknown CA fails with a clear message")
    func unknownCAFails() throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        let issuer = try TestCertificateAuthority.create(in: directory, name: "issuer")
        let otherAuthority = try TestCertificateAuthority.create(in: directory, name: "other")
        let identity = try issuer.issue("good", subjectAltName: "DNS:localhost", days: 2)

        let pair = try Self.handshake(identity: identity, trustedCA: otherAuthority, serverName: "localhost")

        let failure = try #require(pair.clientFailure)
        #expect(failure == .verificationFailed)
        #expect(failure.description.contains("unable to get local issuer certificate"))
    }

    @Test("self-signed certificate fails against system roots")
    func selfSignedFailsAgainstSystemRoots() throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        let serverContext = try ServerIdentity.selfSigned(in: directory).serverContext()
        let clientContext = try TLSContext(configuration: .client())

        let pair = try TLSPair(clientContext: clientContext, serverContext: serverContext)
        pair.handshake()

        let failure = try #require(pair.clientFailure)
        #expect(failure == .verificationFailed)
        #expect(failure.description.contains("self-signed certificate"))
    }

    @Test("pinned fingerprint passes when it matches and fails when it does not")
    func pinnedFingerprint() throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        let serverContext = try ServerIdentity.selfSigned(in: directory).serverContext()
        let leafFingerprint = try #require(serverContext.leafCertificateSHA256)

        var matching = TLSConfiguration.client(trustRoots: .none)
        matching.pinnedSHA256 = leafFingerprint
        let goodPair = try TLSPair(clientContext: TLSContext(configuration: matching), serverContext: serverContext)
        goodPair.handshake()
        #expect(goodPair.clientFailure == nil)
        #expect(goodPair.client.isHandshakeComplete)

        var mismatching = matching
        mismatching.pinnedSHA256 = Crypto.sha256(Array("another certificate".utf8))
        let badPair = try TLSPair(clientContext: TLSContext(configuration: mismatching), serverContext: serverContext)
        badPair.handshake()
        let failure = try #require(badPair.clientFailure)
        #expect(failure == .verificationFailed)
        #expect(failure.description.contains("pinned SHA-256 fingerprint"))
        let written = Array("publish".utf8).withUnsafeBytes { badPair.client.writePlaintext($0) }
        #expect(throws: TLSError.verificationFailed) { try written.get() }
    }

    @Test("verifying client without a server name is rejected")
    func verifyingClientNeedsServerName() throws {
        let clientContext = try TLSContext(configuration: .client())

        #expect(throws: TLSError.invalidConfiguration) {
            try TLSSession(context: clientContext, serverName: nil)
        }
    }
}
