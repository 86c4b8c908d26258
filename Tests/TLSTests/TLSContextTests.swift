import Testing
import TLS

@Suite("TLS context configuration errors")
struct TLSContextTests {
    @Test("key of another ECDSA certificate is rejected")
    func mismatchedECDSAKey() throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        let first = try ServerIdentity.selfSigned(in: directory, name: "first")
        let second = try ServerIdentity.selfSigned(in: directory, name: "second")

        let configuration = TLSConfiguration.server(
            certificateChainFile: first.certificatePath,
            privateKeyFile: second.keyPath
        )
        let error = #expect(throws: TLSError.keyDoesNotMatchCertificate) {
            try TLSContext(configuration: configuration)
        }
        #expect(error?.description.contains(second.keyPath) == true)
        #expect(error?.description.contains(first.certificatePath) == true)
    }

    @Test("RSA key with an ECDSA certificate is rejected")
    func mismatchedKeyType() throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        let ecdsa = try ServerIdentity.selfSigned(in: directory)
        let rsa = try ServerIdentity.rsaFromCommandLine(in: directory)

        let configuration = TLSConfiguration.server(certificateChainFile: ecdsa.certificatePath, privateKeyFile: rsa.keyPath)
        #expect(throws: TLSError.keyDoesNotMatchCertificate) {
            try TLSContext(configuration: configuration)
        }
    }

    @Test("missing certificate file is named in the error")
    func missingCertificateFile() throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        let identity = try ServerIdentity.selfSigned(in: directory)
        let missingPath = directory.path("missing-chain.pem")

        let configuration = TLSConfiguration.server(certificateChainFile: missingPath, privateKeyFile: identity.keyPath)
        let error = #expect(throws: TLSError.certificateFileUnreadable) {
            try TLSContext(configuration: configuration)
        }
        #expect(error?.description.contains(missingPath) == true)
    }

    @Test("missing key file is named in the error")
    func missingKeyFile() throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        let identity = try ServerIdentity.selfSigned(in: directory)
        let missingPath = directory.path("missing.key")

        let configuration = TLSConfiguration.server(certificateChainFile: identity.certificatePath, privateKeyFile: missingPath)
        let error = #expect(throws: TLSError.privateKeyFileUnreadable) {
            try TLSContext(configuration: configuration)
        }
        #expect(error?.description.contains(missingPath) == true)
    }

    @Test("file without PEM content is unreadable")
    func certificateFileWithoutPEM() throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        let identity = try ServerIdentity.selfSigned(in: directory)
        let notPEM = try directory.write("not a certificate\n", to: "notes.txt")

        let configuration = TLSConfiguration.server(certificateChainFile: notPEM, privateKeyFile: identity.keyPath)
        #expect(throws: TLSError.certificateFileUnreadable) {
            try TLSContext(configuration: configuration)
        }
    }

    @Test("missing CA file is named in the error")
    func missingCAFile() throws {
        let missingPath = "/nonexistent/sealcast/ca.pem"

        let error = #expect(throws: TLSError.certificateFileUnreadable) {
            try TLSContext(configuration: .client(trustRoots: .file(missingPath)))
        }
        #expect(error?.description.contains(missingPath) == true)
    }

    @Test("server without certificate paths is rejected")
    func serverWithoutPaths() {
        #expect(throws: TLSError.invalidConfiguration) {
            try TLSContext(configuration: TLSConfiguration(role: .server))
        }
    }

    @Test("maximum version below minimum is rejected")
    func maximumBelowMinimum() {
        var configuration = TLSConfiguration.client(trustRoots: .none)
        configuration.minimumVersion = .tls13
        configuration.maximumVersion = .tls12

        #expect(throws: TLSError.invalidConfiguration) {
            try TLSContext(configuration: configuration)
        }
    }

    @Test("leaf fingerprint matches the certificate file")
    func leafFingerprint() throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        let identity = try ServerIdentity.selfSigned(in: directory)

        let context = try identity.serverContext()
        let fingerprint = try #require(context.leafCertificateSHA256)

        #expect(fingerprint.count == 32)
        #expect(
            SelfSignedCertificate.formatFingerprint(fingerprint)
                == (try SelfSignedCertificate.fingerprintSHA256(certificatePEMFile: identity.certificatePath))
        )
        #expect(try TLSContext(configuration: .client(trustRoots: .none)).leafCertificateSHA256 == nil)
    }

    @Test("errors compare by kind only")
    func errorEquality() throws {
        let error = #expect(throws: TLSError.self) {
            try TLSContext(configuration: .client(trustRoots: .file("/nonexistent/ca.pem")))
        }
        let caught = try #require(error)

        #expect(caught == .certificateFileUnreadable)
        #expect(caught != .privateKeyFileUnreadable)
        #expect(caught.kindName == "certificateFileUnreadable")
        #expect(!caught.openSSLErrors.isEmpty)
    }
}
