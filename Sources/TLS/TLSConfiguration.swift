internal import COpenSSL

/// A TLS protocol version that Sealcast accepts.
public enum TLSVersion: String, Sendable, Codable {
    case tls12 = "1.2"
    case tls13 = "1.3"
}

/// Settings for a `TLSContext`: the role, certificates, versions and how the peer is verified.
///
/// Build one with `server(certificateChainFile:privateKeyFile:)` or `client(trustRoots:)` and
/// change the fields that need other values before creating the context.
public struct TLSConfiguration: Sendable {
    /// The side of the handshake that a context serves.
    public enum Role: Sendable {
        case server
        case client
    }

    /// The certificates a client trusts when it verifies a server.
    public enum TrustRoots: Sendable {
        /// The operating system's CA store (OpenSSL's default verify paths).
        case system
        /// A PEM file with one or more CA certificates.
        case file(String)
        /// No verification at all. Only a pin in `pinnedSHA256`, if set, is checked.
        case none
    }

    /// Server or client.
    public var role: Role

    /// Path of the PEM certificate chain, leaf first. Servers need it, and clients send it for mutual TLS.
    public var certificateChainFile: String?

    /// Path of the unencrypted PEM private key, ECDSA or RSA.
    public var privateKeyFile: String?

    /// Lowest protocol version accepted, `.tls12` by default.
    public var minimumVersion: TLSVersion

    /// Highest protocol version offered, or `nil` for the newest version OpenSSL supports.
    public var maximumVersion: TLSVersion?

    /// The trust roots a client verifies the server against. A server ignores them.
    public var trustRoots: TrustRoots

    /// SHA-256 of the server leaf certificate in DER form that a client requires, or `nil` for no pin.
    public var pinnedSHA256: [UInt8]?

    /// OpenSSL cipher list for TLS 1.2. For a server, every cipher it selects must use ECDHE or
    /// DHE key exchange and an AEAD cipher, or the context is rejected.
    public var tls12Ciphers: String = TLSConfiguration.defaultTLS12Ciphers

    /// OpenSSL TLS 1.3 cipher suites, colon-separated.
    public var tls13CipherSuites: String = TLSConfiguration.defaultTLS13CipherSuites

    /// Server only: how often the session ticket key changes, or `nil` to turn session tickets
    /// (and so session resumption) off. A ticket resumes for up to two intervals after it was issued.
    public var sessionTicketKeyRotation: Duration? = .seconds(3600)

    /// Server only: more certificates, each chosen when the client's SNI matches one of its names
    /// (subjectAltName DNS entries, wildcards included). The main chain and key serve clients that
    /// send no SNI or a name that no certificate covers.
    public var serverNameCertificates: [CertificateFiles] = []

    /// Server only: a PEM file of CA certificates that client certificates are verified against,
    /// or `nil` for no client certificates (no mutual TLS).
    public var clientCertificateCAFile: String?

    /// Server only, with `clientCertificateCAFile`: `true` ends handshakes of clients that send
    /// no certificate, `false` accepts them (a certificate that is sent must still verify).
    public var clientCertificateRequired: Bool = false

    /// A PEM certificate chain with its private key.
    public struct CertificateFiles: Sendable, Equatable {
        /// PEM file with the leaf certificate first, then any intermediates.
        public var certificateChainFile: String
        /// PEM file with the leaf certificate's unencrypted private key.
        public var privateKeyFile: String

        /// Creates the pair from the two paths.
        public init(certificateChainFile: String, privateKeyFile: String) {
            self.certificateChainFile = certificateChainFile
            self.privateKeyFile = privateKeyFile
        }
    }

    /// ECDHE key exchange with AES-GCM or ChaCha20-Poly1305, ECDSA certificates first.
    public static let defaultTLS12Ciphers = [
        "ECDHE-ECDSA-AES128-GCM-SHA256",
        "ECDHE-RSA-AES128-GCM-SHA256",
        "ECDHE-ECDSA-AES256-GCM-SHA384",
        "ECDHE-RSA-AES256-GCM-SHA384",
        "ECDHE-ECDSA-CHACHA20-POLY1305",
        "ECDHE-RSA-CHACHA20-POLY1305",
    ].joined(separator: ":")

    /// The three TLS 1.3 suites that OpenSSL 3.0 enables by default, all AEAD.
    public static let defaultTLS13CipherSuites =
        "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256"

    /// Every file the configuration reads, for watching them for changes.
    public var files: [String] {
        var paths = [certificateChainFile, privateKeyFile, clientCertificateCAFile].compactMap { $0 }
        for pair in serverNameCertificates {
            paths += [pair.certificateChainFile, pair.privateKeyFile]
        }
        if case .file(let path) = trustRoots {
            paths.append(path)
        }
        return paths
    }

    /// Creates a configuration from every field. `server(...)` and `client(...)` are shorter.
    public init(
        role: Role,
        certificateChainFile: String? = nil,
        privateKeyFile: String? = nil,
        minimumVersion: TLSVersion = .tls12,
        maximumVersion: TLSVersion? = nil,
        trustRoots: TrustRoots = .system,
        pinnedSHA256: [UInt8]? = nil
    ) {
        self.role = role
        self.certificateChainFile = certificateChainFile
        self.privateKeyFile = privateKeyFile
        self.minimumVersion = minimumVersion
        self.maximumVersion = maximumVersion
        self.trustRoots = trustRoots
        self.pinnedSHA256 = pinnedSHA256
    }

    /// Creates a server configuration with the given PEM certificate chain and private key.
    ///
    /// - Parameters:
    ///   - certificateChainFile: PEM file with the leaf certificate first, then any intermediates.
    ///   - privateKeyFile: PEM file with the leaf certificate's private key.
    /// - Returns: A configuration accepting TLS 1.2 and 1.3.
    public static func server(certificateChainFile: String, privateKeyFile: String) -> TLSConfiguration {
        TLSConfiguration(role: .server, certificateChainFile: certificateChainFile, privateKeyFile: privateKeyFile)
    }

    /// Creates a client configuration that verifies servers against `trustRoots`.
    ///
    /// - Parameter trustRoots: The CA certificates to trust. `.none` turns verification off.
    /// - Returns: A configuration accepting TLS 1.2 and 1.3.
    public static func client(trustRoots: TrustRoots = .system) -> TLSConfiguration {
        TLSConfiguration(role: .client, trustRoots: trustRoots)
    }
}

extension TLSVersion {
    /// The OpenSSL protocol version constant.
    var openSSLVersion: Int32 {
        switch self {
        case .tls12: return TLS1_2_VERSION
        case .tls13: return TLS1_3_VERSION
        }
    }
}
