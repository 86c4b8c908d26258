internal import COpenSSL

/// Shared TLS settings for many connections: an `SSL_CTX` with certificates, versions and ciphers.
///
/// Create one per listener (or per client configuration) and share it with every event loop.
/// Sessions are created from it with `TLSSession(context:serverName:)`.
///
/// A server context loads the PEM chain and key and checks that they match. It accepts TLS 1.2
/// and newer by default. For TLS 1.2 it offers only ECDHE key exchange with AEAD ciphers, and for
/// TLS 1.3 OpenSSL's default suites, which are all AEAD. It prefers its own cipher order and turns
/// renegotiation and compression off. A client context verifies the server against
/// `configuration.trustRoots`, and each session checks the host name or IP address it was given.
public final class TLSContext: Sendable {
    /// The configuration this context was built from.
    public let configuration: TLSConfiguration

    /// SHA-256 of the leaf certificate in DER form, or `nil` for a context without a certificate.
    public let leafCertificateSHA256: [UInt8]?

    // The SSL_CTX is fully configured in init and never changed afterwards. OpenSSL allows one
    // SSL_CTX to be shared by threads that only create SSL objects from it, which is all that
    // TLSSession does.
    nonisolated(unsafe) let handle: OpaquePointer

    /// ECDHE key exchange with AES-GCM or ChaCha20-Poly1305, ECDSA certificates first.
    static let tls12CipherList = [
        "ECDHE-ECDSA-AES128-GCM-SHA256",
        "ECDHE-RSA-AES128-GCM-SHA256",
        "ECDHE-ECDSA-AES256-GCM-SHA384",
        "ECDHE-RSA-AES256-GCM-SHA384",
        "ECDHE-ECDSA-CHACHA20-POLY1305",
        "ECDHE-RSA-CHACHA20-POLY1305",
    ].joined(separator: ":")

    /// Creates the `SSL_CTX` described by `configuration`.
    ///
    /// - Parameter configuration: The role, certificates, versions and trust settings.
    /// - Throws: `TLSError.certificateFileUnreadable`, `.privateKeyFileUnreadable`,
    ///   `.keyDoesNotMatchCertificate` or `.invalidConfiguration`, each naming the file or value.
    public init(configuration: TLSConfiguration) throws(TLSError) {
        let method = configuration.role == .server ? TLS_server_method() : TLS_client_method()
        guard let handle = OpenSSL.call({ SSL_CTX_new(method) }) else {
            throw .internalError("Cannot create an OpenSSL context.", openSSLErrors: OpenSSL.takeErrors())
        }
        do {
            try Self.applyProtocolSettings(handle, configuration)
            switch configuration.role {
            case .server:
                try Self.loadServerIdentity(handle, configuration)
            case .client:
                try Self.applyClientVerification(handle, configuration)
            }
        } catch {
            SSL_CTX_free(handle)
            throw error
        }

        self.configuration = configuration
        self.handle = handle
        self.leafCertificateSHA256 = SSL_CTX_get0_certificate(handle).flatMap(OpenSSL.sha256Fingerprint(of:))
    }

    deinit {
        SSL_CTX_free(handle)
    }

    /// Sets versions, ciphers, options and modes shared by both roles.
    private static func applyProtocolSettings(_ handle: OpaquePointer, _ configuration: TLSConfiguration) throws(TLSError) {
        // versions
        let minimum = configuration.minimumVersion
        if let maximum = configuration.maximumVersion, maximum.openSSLVersion < minimum.openSSLVersion {
            throw .invalidConfiguration(
                "The maximum TLS version \(maximum.rawValue) is below the minimum \(minimum.rawValue). "
                    + "Raise the maximum or lower the minimum."
            )
        }
        guard OpenSSL.call({ sealcast_SSL_CTX_set_min_proto_version(handle, minimum.openSSLVersion) }) == 1 else {
            throw .invalidConfiguration(
                "OpenSSL rejected TLS \(minimum.rawValue) as the minimum version.",
                openSSLErrors: OpenSSL.takeErrors()
            )
        }
        let maximum = configuration.maximumVersion?.openSSLVersion ?? 0  // 0 means the newest supported
        guard OpenSSL.call({ sealcast_SSL_CTX_set_max_proto_version(handle, maximum) }) == 1 else {
            throw .invalidConfiguration(
                "OpenSSL rejected the maximum TLS version.",
                openSSLErrors: OpenSSL.takeErrors()
            )
        }

        // ciphers for TLS 1.2 only, because TLS 1.3 keeps OpenSSL's default suites, which are all AEAD
        guard OpenSSL.call({ SSL_CTX_set_cipher_list(handle, tls12CipherList) }) == 1 else {
            throw .internalError("OpenSSL rejected the TLS 1.2 cipher list.", openSSLErrors: OpenSSL.takeErrors())
        }

        // options and modes
        _ = SSL_CTX_set_options(
            handle,
            sealcast_SSL_OP_NO_RENEGOTIATION | sealcast_SSL_OP_NO_COMPRESSION
                | sealcast_SSL_OP_CIPHER_SERVER_PREFERENCE
        )
        _ = sealcast_SSL_CTX_set_mode(
            handle,
            Int(SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER)
        )
        // NOTE: session tickets use OpenSSL's default handling. The ticket key is made once per
        // SSL_CTX and never rotated, so it lives as long as this context.
    }

    /// Loads the server's PEM chain and private key and checks that they belong together.
    private static func loadServerIdentity(_ handle: OpaquePointer, _ configuration: TLSConfiguration) throws(TLSError) {
        guard let chainPath = configuration.certificateChainFile, let keyPath = configuration.privateKeyFile else {
            throw .invalidConfiguration(
                "A TLS server needs both a certificate chain file and a private key file. Set both paths."
            )
        }
        guard OpenSSL.call({ SSL_CTX_use_certificate_chain_file(handle, chainPath) }) == 1 else {
            throw .certificateFileUnreadable(path: chainPath, openSSLErrors: OpenSSL.takeErrors())
        }

        // The key is read separately so that the error distinguishes an unreadable key from a mismatched one.
        let key = try readPrivateKey(path: keyPath)
        defer { EVP_PKEY_free(key) }
        guard OpenSSL.call({ SSL_CTX_use_PrivateKey(handle, key) }) == 1,
            OpenSSL.call({ SSL_CTX_check_private_key(handle) }) == 1
        else {
            throw .keyDoesNotMatchCertificate(
                keyPath: keyPath,
                certificatePath: chainPath,
                openSSLErrors: OpenSSL.takeErrors()
            )
        }
    }

    /// Reads an unencrypted PEM private key, which the caller frees with `EVP_PKEY_free`.
    private static func readPrivateKey(path: String) throws(TLSError) -> OpaquePointer {
        guard let file = OpenSSL.call({ BIO_new_file(path, "r") }) else {
            throw .privateKeyFileUnreadable(path: path, openSSLErrors: OpenSSL.takeErrors())
        }
        defer { BIO_free(file) }
        guard let key = OpenSSL.call({ PEM_read_bio_PrivateKey(file, nil, nil, nil) }) else {
            throw .privateKeyFileUnreadable(path: path, openSSLErrors: OpenSSL.takeErrors())
        }
        return key
    }

    /// Loads the trust roots and turns peer verification on, unless `trustRoots` is `.none`.
    private static func applyClientVerification(
        _ handle: OpaquePointer,
        _ configuration: TLSConfiguration
    ) throws(TLSError) {
        switch configuration.trustRoots {
        case .system:
            guard OpenSSL.call({ SSL_CTX_set_default_verify_paths(handle) }) == 1 else {
                throw .invalidConfiguration(
                    "Cannot load the system CA certificates. Install ca-certificates or give a CA file.",
                    openSSLErrors: OpenSSL.takeErrors()
                )
            }
            SSL_CTX_set_verify(handle, SSL_VERIFY_PEER, nil)
        case .file(let path):
            guard OpenSSL.call({ SSL_CTX_load_verify_locations(handle, path, nil) }) == 1 else {
                throw .certificateFileUnreadable(path: path, openSSLErrors: OpenSSL.takeErrors())
            }
            SSL_CTX_set_verify(handle, SSL_VERIFY_PEER, nil)
        case .none:
            SSL_CTX_set_verify(handle, SSL_VERIFY_NONE, nil)
        }
    }
}
