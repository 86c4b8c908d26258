import Testing
import TLS

@Suite("Self-signed certificate generation")
struct SelfSignedCertificateTests {
    @Test("generated certificate has the requested fields")
    func generatedFields() throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        let generated = try SelfSignedCertificate.generate(
            commonName: "sealcast.test",
            dnsNames: ["localhost", "sealcast.test"],
            ipAddresses: ["127.0.0.1", "::1"],
            validDays: 30
        )
        try directory.write(generated.certificatePEM, to: "cert.pem")

        let text = try runOpenSSL(["x509", "-in", "cert.pem", "-noout", "-text"], in: directory)

        #expect(text.contains("DNS:localhost, DNS:sealcast.test, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1"))
        #expect(text.contains("Version: 3 (0x2)"))
        #expect(text.contains("Subject: CN = sealcast.test"))
        #expect(text.contains("Issuer: CN = sealcast.test"))
        #expect(text.contains("CA:FALSE"))
        #expect(text.contains("Digital Signature"))
        #expect(text.contains("TLS Web Server Authentication"))
        #expect(text.contains("Signature Algorithm: ecdsa-with-SHA256"))
        #expect(text.contains("NIST CURVE: P-256"))
        #expect(generated.privateKeyPEM.hasPrefix("-----BEGIN PRIVATE KEY-----"))
    }

    @Test("validity starts an hour ago and lasts the requested days")
    func validityPeriod() throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        let generated = try SelfSignedCertificate.generate(commonName: "a", dnsNames: ["a.test"], ipAddresses: [], validDays: 2)
        try directory.write(generated.certificatePEM, to: "cert.pem")

        // -checkend N succeeds when the certificate is still valid N seconds from now. The period
        // started an hour ago, so it ends 2 days less one hour from now (with a minute of slack).
        let end = 2 * 86_400 - 3600
        try runOpenSSL(["x509", "-in", "cert.pem", "-noout", "-checkend", "\(end - 60)"], in: directory)
        #expect(throws: CommandFailed.self) {
            try runOpenSSL(["x509", "-in", "cert.pem", "-noout", "-checkend", "\(end + 60)"], in: directory)
        }
    }

    @Test("fingerprint matches openssl's")
    func fingerprintMatchesCommandLine() throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        let identity = try ServerIdentity.selfSigned(in: directory)

        let output = try runOpenSSL(
            ["x509", "-in", identity.certificatePath, "-noout", "-fingerprint", "-sha256"],
            in: directory
        )
        let expected = try #require(output.split(separator: "=").last).trimmingCharacters(in: .whitespacesAndNewlines)

        let fingerprint = try SelfSignedCertificate.fingerprintSHA256(certificatePEMFile: identity.certificatePath)
        #expect(fingerprint == expected)
        #expect(fingerprint.count == 32 * 3 - 1)
    }

    @Test("two generated certificates differ")
    func serialsDiffer() throws {
        let first = try SelfSignedCertificate.generate(commonName: "a", dnsNames: ["a.test"], ipAddresses: [])
        let second = try SelfSignedCertificate.generate(commonName: "a", dnsNames: ["a.test"], ipAddresses: [])

        #expect(first.certificatePEM != second.certificatePEM)
        #expect(first.privateKeyPEM != second.privateKeyPEM)
    }

    @Test("invalid inputs are rejected")
    func invalidInputs() {
        #expect(throws: TLSError.invalidConfiguration) {
            try SelfSignedCertificate.generate(commonName: "a", dnsNames: ["a.test"], ipAddresses: [], validDays: 0)
        }
        #expect(throws: TLSError.invalidConfiguration) {
            try SelfSignedCertificate.generate(commonName: "a", dnsNames: [], ipAddresses: ["not-an-address"])
        }
        #expect(throws: TLSError.invalidConfiguration) {
            try SelfSignedCertificate.generate(commonName: "a", dnsNames: ["a.test,IP:10.0.0.1"], ipAddresses: [])
        }
        #expect(throws: TLSError.invalidConfiguration) {
            try SelfSignedCertificate.generate(commonName: "", dnsNames: ["a.test"], ipAddresses: [])
        }
    }

    @Test("fingerprint of a missing file names the path")
    func fingerprintMissingFile() {
        let missingPath = "/nonexistent/sealcast/cert.pem"

        let error = #expect(throws: TLSError.certificateFileUnreadable) {
            try SelfSignedCertificate.fingerprintSHA256(certificatePEMFile: missingPath)
        }
        #expect(error?.description.contains(missingPath) == true)
    }
}
