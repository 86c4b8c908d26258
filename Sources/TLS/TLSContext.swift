internal import COpenSSL

/// Shared TLS settings for many connections: an `SSL_CTX` with certificates, versions and ciphers.
///
/// Create one per listener (or per client configuration) and share it with every event loop.
/// Sessions are created from it with `TLSSession(context:serverName:)`. To change certificates
/// while connections run, build a new context and swap it in a `TLSContextReference`, because a
/// context never changes after `init`.
///
/// A server context loads the PEM chain and key and checks that they match. It accepts TLS 1.2
/// and newer by default. For TLS 1.2 it offers only ciphers with forward secrecy (ECDHE or DHE)
/// and AEAD, ECDHE by default, and for TLS 1.3 the three AEAD suites of OpenSSL 3.0. It prefers
/// its own cipher order, turns renegotiation and compression off, and resumes sessions only with
/// tickets whose key rotates, every hour by default (`sessionTicketKeyRotation`).
///
/// With `serverNameCertificates`, the server keeps one more `SSL_CTX` per certificate, and a
/// server-name callback moves each session to the first one whose certificate covers the
/// client's SNI. A client that sends no SNI (for example, one connecting by IP address) gets the
/// main certificate. A client context verifies the server against `configuration.trustRoots`, and
/// each session checks the host name or IP address it was given.
public final class TLSContext: Sendable {
    /// The configuration this context was built from.
    public let configuration: TLSConfiguration

    /// SHA-256 of the leaf certificate in DER form, or `nil` for a context without a certificate.
    public let leafCertificateSHA256: [UInt8]?

    // The SSL_CTX is fully configured in init and never changed afterwards. OpenSSL allows one
    // SSL_CTX to be shared by threads that only create SSL objects from it, which is all that
    // TLSSession does.
    nonisolated(unsafe) let handle: OpaquePointer

    /// The per-name contexts that the server-name callback switches to; kept alive with this context.
    private let serverNames: ServerNameTable?

    /// The session ticket keys shared by the main and per-name contexts; kept alive with this context.
    private let ticketKeys: SessionTicketKeys?

    /// Creates the `SSL_CTX` described by `configuration`.
    ///
    /// - Parameter configuration: The role, certificates, versions, ciphers and trust settings.
    /// - Throws: `TLSError.certificateFileUnreadable`, `.privateKeyFileUnreadable`,
    ///   `.keyDoesNotMatchCertificate` or `.invalidConfiguration`, each naming the file or value.
    public init(configuration: TLSConfiguration) throws(TLSError) {
        switch configuration.role {
        case .server:
            guard let chainPath = configuration.certificateChainFile, let keyPath = configuration.privateKeyFile else {
                throw .invalidConfiguration(
                    "A TLS server needs both a certificate chain file and a private key file. Set both paths."
                )
            }
            let main = TLSConfiguration.CertificateFiles(certificateChainFile: chainPath, privateKeyFile: keyPath)
            handle = try Self.makeServerContext(main, configuration)
            do {
                serverNames = try Self.makeServerNameTable(configuration)
            } catch {
                SSL_CTX_free(handle)
                throw error
            }
            // NOTE: each context makes new ticket keys, so tickets issued before a certificate
            // reload no longer resume and those clients make one full handshake.
            ticketKeys = configuration.sessionTicketKeyRotation.map { SessionTicketKeys(rotationInterval: $0) }
            do {
                for context in [handle] + (serverNames?.handles ?? []) {
                    try ticketKeys?.install(on: context)
                }
            } catch {
                SSL_CTX_free(handle)
                throw error
            }
            if let serverNames {
                sealcast_SSL_CTX_set_servername_callback(
                    handle,
                    serverNameCallback,
                    Unmanaged.passUnretained(serverNames).toOpaque()
                )
            }
        case .client:
            let handle = try Self.makeContext(TLS_client_method(), configuration)
            do {
                try Self.applyClientVerification(handle, configuration)
                if let chainPath = configuration.certificateChainFile, let keyPath = configuration.privateKeyFile {
                    let files = TLSConfiguration.CertificateFiles(certificateChainFile: chainPath, privateKeyFile: keyPath)
                    try Self.loadIdentity(handle, files)
                }
            } catch {
                SSL_CTX_free(handle)
                throw error
            }
            self.handle = handle
            serverNames = nil
            ticketKeys = nil
        }

        self.configuration = configuration
        self.leafCertificateSHA256 = SSL_CTX_get0_certificate(handle).flatMap(OpenSSL.sha256Fingerprint(of:))
    }

    deinit {
        SSL_CTX_free(handle)
    }

    /// Checks that OpenSSL accepts both cipher settings and that every selected cipher has forward
    /// secrecy and AEAD, without loading any certificate.
    ///
    /// - Throws: `TLSError.invalidConfiguration` naming the setting and the value.
    public static func validateCiphers(tls12Ciphers: String, tls13CipherSuites: String) throws(TLSError) {
        guard let handle = OpenSSL.call({ SSL_CTX_new(TLS_server_method()) }) else {
            throw .internalError("Cannot create an OpenSSL context.", openSSLErrors: OpenSSL.takeErrors())
        }
        defer { SSL_CTX_free(handle) }
        var configuration = TLSConfiguration(role: .server)
        configuration.tls12Ciphers = tls12Ciphers
        configuration.tls13CipherSuites = tls13CipherSuites
        try applyCiphers(handle, configuration)
    }

    /// Creates a server `SSL_CTX` with the protocol settings and one certificate chain.
    private static func makeServerContext(
        _ files: TLSConfiguration.CertificateFiles,
        _ configuration: TLSConfiguration
    ) throws(TLSError) -> OpaquePointer {
        let handle = try makeContext(TLS_server_method(), configuration)
        do {
            try loadIdentity(handle, files)
            try applyClientCertificateVerification(handle, configuration)
        } catch {
            SSL_CTX_free(handle)
            throw error
        }
        return handle
    }

    /// Creates an `SSL_CTX` for `method` with the versions, ciphers, options and modes of `configuration`.
    private static func makeContext(
        _ method: OpaquePointer?,
        _ configuration: TLSConfiguration
    ) throws(TLSError) -> OpaquePointer {
        guard let handle = OpenSSL.call({ SSL_CTX_new(method) }) else {
            throw .internalError("Cannot create an OpenSSL context.", openSSLErrors: OpenSSL.takeErrors())
        }
        do {
            try applyVersions(handle, configuration)
            try applyCiphers(handle, configuration)
        } catch {
            SSL_CTX_free(handle)
            throw error
        }
        applyOptions(handle, configuration)
        return handle
    }

    /// Builds the SNI table from `serverNameCertificates`, or returns `nil` when there are none.
    private static func makeServerNameTable(_ configuration: TLSConfiguration) throws(TLSError) -> ServerNameTable? {
        guard !configuration.serverNameCertificates.isEmpty else {
            return nil
        }
        var handles: [OpaquePointer] = []
        do {
            for files in configuration.serverNameCertificates {
                handles.append(try makeServerContext(files, configuration))
            }
        } catch {
            handles.forEach { SSL_CTX_free($0) }
            throw error
        }
        return ServerNameTable(handles: handles)
    }

    /// Sets the lowest and highest protocol versions.
    private static func applyVersions(_ handle: OpaquePointer, _ configuration: TLSConfiguration) throws(TLSError) {
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
    }

    /// Sets the TLS 1.2 cipher list and the TLS 1.3 suites. For a server, it then rejects any
    /// cipher they select that lacks forward secrecy or AEAD.
    private static func applyCiphers(_ handle: OpaquePointer, _ configuration: TLSConfiguration) throws(TLSError) {
        let list = configuration.tls12Ciphers
        guard OpenSSL.call({ SSL_CTX_set_cipher_list(handle, list) }) == 1 else {
            throw .invalidConfiguration(
                "The TLS 1.2 cipher list '\(list)' selects no cipher. "
                    + "Use OpenSSL cipher names such as ECDHE-ECDSA-AES128-GCM-SHA256, separated by colons.",
                openSSLErrors: OpenSSL.takeErrors()
            )
        }
        let suites = configuration.tls13CipherSuites
        // An empty string is valid for OpenSSL but turns TLS 1.3 off without saying so.
        guard !suites.isEmpty, OpenSSL.call({ SSL_CTX_set_ciphersuites(handle, suites) }) == 1 else {
            throw .invalidConfiguration(
                "The TLS 1.3 cipher suites '\(suites)' are not valid. "
                    + "Use names such as TLS_AES_128_GCM_SHA256, separated by colons.",
                openSSLErrors: OpenSSL.takeErrors()
            )
        }

        // Clients may offer more, which lets tests check that the server rejects them.
        guard configuration.role == .server else {
            return
        }
        guard let ciphers = SSL_CTX_get_ciphers(handle) else {
            throw .internalError("OpenSSL returned no cipher list.", openSSLErrors: OpenSSL.takeErrors())
        }
        let forwardSecret: Set<Int32> = [NID_kx_ecdhe, NID_kx_dhe, NID_kx_any]  // kx_any: TLS 1.3
        for index in 0..<OPENSSL_sk_num(ciphers) {
            guard let raw = OPENSSL_sk_value(ciphers, index) else {
                continue
            }
            let cipher = OpaquePointer(raw)
            let name = String(cString: SSL_CIPHER_get_name(cipher))
            guard SSL_CIPHER_is_aead(cipher) == 1, forwardSecret.contains(SSL_CIPHER_get_kx_nid(cipher)) else {
                throw .invalidConfiguration(
                    "The cipher \(name) selected by '\(list)' lacks forward secrecy or AEAD. "
                        + "Name only ECDHE or DHE ciphers with GCM or CHACHA20-POLY1305."
                )
            }
        }
    }

    /// Sets the options and modes shared by every context of one role.
    private static func applyOptions(_ handle: OpaquePointer, _ configuration: TLSConfiguration) {
        var options = sealcast_SSL_OP_NO_RENEGOTIATION | sealcast_SSL_OP_NO_COMPRESSION
            | sealcast_SSL_OP_CIPHER_SERVER_PREFERENCE
        if configuration.role == .server {
            // Resumption uses only tickets under rotated keys (SessionTicketKeys), never the
            // server-side cache. Without rotation there are no tickets at all, because OpenSSL's
            // own ticket key would live as long as the context, and anyone who obtained it could
            // decrypt every resumed session.
            _ = sealcast_SSL_CTX_set_session_cache_off(handle)
            if configuration.sessionTicketKeyRotation == nil {
                options |= sealcast_SSL_OP_NO_TICKET
                _ = SSL_CTX_set_num_tickets(handle, 0)
            } else {
                // One TLS 1.3 ticket per connection: an encoder reconnects one connection at a time.
                _ = SSL_CTX_set_num_tickets(handle, 1)
            }
        }
        _ = SSL_CTX_set_options(handle, options)
        var mode = SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER
        if configuration.role == .server {
            // A server sends the chain exactly as its certificate file has it. Without this mode,
            // OpenSSL builds a chain for a file with a single certificate on every handshake,
            // verifying that certificate's signature each time.
            mode |= SSL_MODE_NO_AUTO_CHAIN
        }
        _ = sealcast_SSL_CTX_set_mode(handle, Int(mode))
    }

    /// Loads a PEM chain and private key (a server's, or a client's for mutual TLS) and checks
    /// that they belong together.
    private static func loadIdentity(
        _ handle: OpaquePointer,
        _ files: TLSConfiguration.CertificateFiles
    ) throws(TLSError) {
        let chainPath = files.certificateChainFile
        let keyPath = files.privateKeyFile
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

    /// Server side: requests client certificates and verifies them against the CA file, if one is set.
    private static func applyClientCertificateVerification(
        _ handle: OpaquePointer,
        _ configuration: TLSConfiguration
    ) throws(TLSError) {
        guard let path = configuration.clientCertificateCAFile else {
            return
        }
        guard OpenSSL.call({ SSL_CTX_load_verify_locations(handle, path, nil) }) == 1,
            let names = OpenSSL.call({ SSL_load_client_CA_file(path) })
        else {
            throw .certificateFileUnreadable(path: path, openSSLErrors: OpenSSL.takeErrors())
        }
        SSL_CTX_set_client_CA_list(handle, names)  // the context takes ownership of names
        var mode = SSL_VERIFY_PEER
        if configuration.clientCertificateRequired {
            mode |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT
        }
        SSL_CTX_set_verify(handle, mode, nil)
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

/// The server contexts of `serverNameCertificates`, searched in order by the server-name callback.
final class ServerNameTable: Sendable {
    // Configured once in TLSContext.init and only read afterwards, from any loop's thread.
    nonisolated(unsafe) let handles: [OpaquePointer]

    init(handles: [OpaquePointer]) {
        self.handles = handles
    }

    deinit {
        handles.forEach { SSL_CTX_free($0) }
    }

    /// Returns the first context whose leaf certificate covers `name`, wildcards included.
    func context(for name: UnsafePointer<CChar>) -> OpaquePointer? {
        let length = strlen(name)
        for handle in handles {
            guard let leaf = SSL_CTX_get0_certificate(handle) else {
                continue
            }
            if X509_check_host(leaf, name, length, 0, nil) == 1 {
                return handle
            }
        }
        return nil
    }
}

/// Moves a session to the context whose certificate covers the client's SNI. A client without
/// SNI, or with a name no extra certificate covers, stays on the main context.
private let serverNameCallback: @convention(c) (OpaquePointer?, UnsafeMutablePointer<Int32>?, UnsafeMutableRawPointer?)
    -> Int32 = { ssl, _, argument in
        guard let ssl, let argument, let name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name) else {
            return SSL_TLSEXT_ERR_OK
        }
        let table = Unmanaged<ServerNameTable>.fromOpaque(argument).takeUnretainedValue()
        if let chosen = table.context(for: name) {
            // SSL_set_SSL_CTX switches the certificate and key. Versions, ciphers and options stay
            // those of the main context, and they match because every context is built the same way.
            _ = SSL_set_SSL_CTX(ssl, chosen)
        }
        return SSL_TLSEXT_ERR_OK
    }
