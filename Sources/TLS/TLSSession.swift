import Bytes
internal import COpenSSL

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One connection's TLS state, over in-memory BIOs instead of a socket.
///
/// The session never touches a socket. The caller moves ciphertext in both directions:
///
/// ```
///   socket ──read──▶ receiveCiphertext ──▶ [read BIO] ──▶ SSL ──▶ readPlaintext ──▶ app
///   socket ◀─write── takeCiphertext    ◀── [output]    ◀── SSL ◀── writePlaintext ◀── app
/// ```
///
/// The read side is a memory BIO. The output side is a write-only BIO that gathers records in
/// one block, which `takeCiphertext()` hands over without a copy.
///
/// Order of calls: after creating the session, call `handshake()` (a client then has its
/// ClientHello to drain). Each time ciphertext arrives, call `receiveCiphertext(_:)`, then
/// `handshake()` until it returns `.complete`, or `readPlaintext(appendingTo:)` once the
/// handshake is done. After every call, take the ciphertext (`takeCiphertext()` or
/// `drainCiphertext(appendingTo:)`) and send it,
/// because OpenSSL may produce records (handshake replies, session tickets, alerts) at any step.
///
/// Not thread-safe: a session belongs to one event loop for its whole life.
public final class TLSSession {
    /// The outcome of a handshake or read step.
    public enum Result: Equatable {
        /// The step finished (the handshake is done).
        case complete
        /// OpenSSL needs more ciphertext from the peer. Call again after `receiveCiphertext(_:)`.
        case wantRead
        /// OpenSSL needs its output drained. Call `drainCiphertext(appendingTo:)` and try again.
        case wantWrite
        /// The peer sent close_notify, so no more plaintext will arrive.
        case closed
        /// The connection failed and should be closed after draining any alert.
        case failed(TLSError)
    }

    /// The context this session was created from, kept alive as long as the session.
    public let context: TLSContext

    /// The name or IP address the client verifies and sends as SNI, or `nil` on a server.
    public let serverName: String?

    private let ssl: OpaquePointer
    private let readBIO: OpaquePointer  // ciphertext from the peer, owned by `ssl`
    private let writeBIO: OpaquePointer  // ciphertext for the peer, owned by `ssl`

    /// Set when the handshake finished but the server's certificate did not match the pin.
    private var pinFailure: TLSError?

    /// Largest plaintext piece taken from OpenSSL per `SSL_read`: one full TLS record.
    private static let readChunkSize = 16 * 1024

    /// Creates a session in the role of `context`.
    ///
    /// - Parameters:
    ///   - context: Shared settings and certificates.
    ///   - serverName: Client only: the host name or IP address to verify the certificate against.
    ///     A host name is also sent as SNI, but an IP address is not, because SNI carries names only.
    ///   - resumptionData: Client only: `resumptionData` of an earlier session with the same server,
    ///     to resume it. The handshake runs in full when the server no longer accepts it.
    /// - Throws: `TLSError.invalidConfiguration` if a verifying client has no `serverName`.
    public init(
        context: TLSContext,
        serverName: String? = nil,
        resuming resumptionData: [UInt8]? = nil
    ) throws(TLSError) {
        guard let ssl = OpenSSL.call({ SSL_new(context.handle) }) else {
            throw .internalError("Cannot create an OpenSSL session.", openSSLErrors: OpenSSL.takeErrors())
        }
        guard let readBIO = BIO_new(BIO_s_mem()) else {
            SSL_free(ssl)
            throw .internalError("Cannot create a memory BIO.", openSSLErrors: OpenSSL.takeErrors())
        }
        guard let method = Self.outputMethod.method, let writeBIO = BIO_new(method) else {
            BIO_free(readBIO)
            SSL_free(ssl)
            throw .internalError("Cannot create the ciphertext output BIO.", openSSLErrors: OpenSSL.takeErrors())
        }
        SSL_set_bio(ssl, readBIO, writeBIO)  // ssl now owns both BIOs
        self.ssl = ssl
        self.readBIO = readBIO
        self.writeBIO = writeBIO
        self.context = context
        self.serverName = serverName

        switch context.configuration.role {
        case .server:
            SSL_set_accept_state(ssl)
        case .client:
            SSL_set_connect_state(ssl)
            try configureClient(serverName: serverName)
            if let resumptionData {
                resume(from: resumptionData)
            }
        }
    }

    deinit {
        SSL_free(ssl)
    }

    /// The output BIO's method, made once per process and never freed.
    private struct OutputMethod: @unchecked Sendable {
        let method: OpaquePointer?
    }
    private static let outputMethod = OutputMethod(method: sealcast_output_method_new())

    /// Sets SNI and the host name or IP address that verification checks.
    private func configureClient(serverName: String?) throws(TLSError) {
        guard let serverName, !serverName.isEmpty else {
            if verifiesPeer {
                throw .invalidConfiguration(
                    "A verifying TLS client needs the server's host name or IP address. "
                        + "Pass serverName, or use trust roots .none with a pinned certificate."
                )
            }
            return
        }

        if Self.isIPAddress(serverName) {
            if verifiesPeer, OpenSSL.call({ X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), serverName) }) != 1 {
                throw .invalidConfiguration(
                    "Cannot use '\(serverName)' as the server IP address to verify.",
                    openSSLErrors: OpenSSL.takeErrors()
                )
            }
            return
        }
        guard OpenSSL.call({ sealcast_SSL_set_tlsext_host_name(ssl, serverName) }) == 1 else {
            throw .invalidConfiguration(
                "Cannot send '\(serverName)' as the TLS server name (SNI). Use a valid DNS name.",
                openSSLErrors: OpenSSL.takeErrors()
            )
        }
        if verifiesPeer, OpenSSL.call({ SSL_set1_host(ssl, serverName) }) != 1 {
            throw .invalidConfiguration(
                "Cannot use '\(serverName)' as the host name to verify.",
                openSSLErrors: OpenSSL.takeErrors()
            )
        }
    }

    /// Offers the saved session to the server. Data that does not decode is ignored, so the
    /// handshake is a full one.
    private func resume(from data: [UInt8]) {
        let session = data.withUnsafeBufferPointer { buffer -> OpaquePointer? in
            var start: UnsafePointer<UInt8>? = buffer.baseAddress
            return OpenSSL.call { d2i_SSL_SESSION(nil, &start, buffer.count) }
        }
        guard let session else {
            return
        }
        defer { SSL_SESSION_free(session) }
        _ = SSL_set_session(ssl, session)
    }

    /// Whether this is a client that verifies the server's certificate chain and name.
    private var verifiesPeer: Bool {
        guard context.configuration.role == .client else {
            return false
        }
        if case .none = context.configuration.trustRoots {
            return false
        }
        return true
    }

    /// Returns whether `text` is an IPv4 or IPv6 address literal.
    static func isIPAddress(_ text: String) -> Bool {
        var ipv4 = in_addr()
        var ipv6 = in6_addr()
        return inet_pton(AF_INET, text, &ipv4) == 1 || inet_pton(AF_INET6, text, &ipv6) == 1
    }
}

// MARK: - Moving bytes

extension TLSSession {
    /// Hands ciphertext read from the socket to OpenSSL.
    ///
    /// - Parameter bytes: Bytes exactly as received. The memory BIO copies and keeps all of them.
    public func receiveCiphertext(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else {
            return
        }
        // A memory BIO grows as needed, so one write takes everything unless allocation fails.
        let written = OpenSSL.call { BIO_write(readBIO, base, Int32(bytes.count)) }
        precondition(written == Int32(bytes.count), "memory BIO write failed: out of memory")
    }

    /// Moves the ciphertext OpenSSL produced (handshake records, encrypted data, alerts) into `output`.
    ///
    /// - Parameter output: Receives the ciphertext to send, appended at the end.
    /// - Returns: The number of bytes appended.
    @discardableResult
    public func drainCiphertext(appendingTo output: inout [UInt8]) -> Int {
        guard let block = takeCiphertext() else {
            return 0
        }
        output.append(contentsOf: block.bytes)
        return block.count
    }

    /// Takes the ciphertext OpenSSL produced as one block, without copying it, or returns `nil`
    /// when there is none. The block is the session's output buffer, handed over whole.
    public func takeCiphertext() -> SharedBytes? {
        var count = 0
        guard let data = sealcast_output_take(writeBIO, &count) else {
            return nil
        }
        return SharedBytes(adoptingMallocBlock: UnsafeMutableRawPointer(data), count: count)
    }

    /// Whether OpenSSL has produced ciphertext that `drainCiphertext(appendingTo:)` has not taken yet.
    public var hasPendingCiphertext: Bool {
        sealcast_output_count(writeBIO) > 0
    }
}

// MARK: - Handshake, reading and writing

extension TLSSession {
    /// Drives the handshake. Call it after receiving ciphertext until it returns `.complete`.
    ///
    /// - Returns: `.complete` once the handshake is done (also on every later call), `.wantRead`
    ///   while it waits for the peer, or `.failed` with the reason, for example a certificate
    ///   that fails verification.
    public func handshake() -> Result {
        if let pinFailure {
            return .failed(pinFailure)
        }
        if isHandshakeComplete {
            return .complete
        }
        switch OpenSSL.sslOperation(ssl, { SSL_do_handshake($0) }) {
        case .success:
            pinFailure = pinnedCertificateMismatch()
            return pinFailure.map { .failed($0) } ?? .complete
        case .wantRead:
            return .wantRead
        case .wantWrite:
            return .wantWrite
        case .closed:
            return .closed
        case .failed(let errors):
            return .failed(handshakeError(errors))
        }
    }

    /// Whether the handshake has finished successfully.
    public var isHandshakeComplete: Bool {
        SSL_is_init_finished(ssl) == 1
    }

    /// Decrypts every plaintext byte OpenSSL can produce now and appends it to `output`.
    ///
    /// Calls `SSL_read` until OpenSSL has nothing more, so plaintext that OpenSSL has already
    /// decrypted and buffered (several small messages in one record) is all returned at once.
    /// Completes the handshake first if it is still running.
    ///
    /// - Parameter output: Receives the plaintext, appended at the end.
    /// - Returns: `.wantRead` when all available plaintext has been read, `.closed` on close_notify
    ///   (plaintext before it is still appended) or `.failed` on error.
    public func readPlaintext(appendingTo output: inout [UInt8]) -> Result {
        if let pinFailure {
            return .failed(pinFailure)
        }
        if !isHandshakeComplete {
            let handshakeResult = handshake()
            guard handshakeResult == .complete else {
                return handshakeResult
            }
        }

        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.readChunkSize, alignment: 1)
        defer { scratch.deallocate() }
        // Each pass either appends bytes or ends the loop, and the input is finite.
        while true {
            let outcome = OpenSSL.sslOperation(ssl) {
                SSL_read($0, scratch.baseAddress!, Int32(Self.readChunkSize))
            }
            if case .success(let count) = outcome {
                output.append(contentsOf: UnsafeRawBufferPointer(rebasing: scratch[..<count]))
            }

            switch outcome {
            case .success:
                continue
            case .wantRead:
                return .wantRead
            case .wantWrite:
                return .wantWrite
            case .closed:
                return .closed
            case .failed(let errors):
                return .failed(.ioFailure("Cannot decrypt data from the TLS peer.", openSSLErrors: errors))
            }
        }
    }

    /// Encrypts `bytes` into TLS records, to be drained with `drainCiphertext(appendingTo:)`.
    ///
    /// Send at most 16 KiB per call to fill one record. Call only after the handshake is complete.
    ///
    /// - Parameter bytes: The plaintext to encrypt.
    /// - Returns: The number of bytes consumed. With memory BIOs that is all of them once the
    ///   handshake is complete, and 0 before it is. Returns an error if the connection failed.
    public func writePlaintext(_ bytes: UnsafeRawBufferPointer) -> Swift.Result<Int, TLSError> {
        if let pinFailure {
            return .failure(pinFailure)
        }
        guard let base = bytes.baseAddress, !bytes.isEmpty else {
            return .success(0)
        }
        var consumed = 0
        // Each pass consumes at least one byte or returns.
        while consumed < bytes.count {
            let remaining = Int32(clamping: bytes.count - consumed)
            switch OpenSSL.sslOperation(ssl, { SSL_write($0, base + consumed, remaining) }) {
            case .success(let count):
                consumed += count
            case .wantRead, .wantWrite:
                return .success(consumed)
            case .closed:
                return .failure(.ioFailure("Cannot send data: the TLS peer closed the connection.", openSSLErrors: []))
            case .failed(let errors):
                return .failure(.ioFailure("Cannot encrypt data for the TLS peer.", openSSLErrors: errors))
            }
        }
        return .success(consumed)
    }

    /// Queues a close_notify alert, to be drained and sent afterwards.
    ///
    /// Does nothing before the handshake is complete, because there is no connection to close.
    public func shutdown() {
        guard isHandshakeComplete else {
            return
        }
        // 0 means close_notify is queued and the peer's has not arrived, which is all we need.
        _ = OpenSSL.call { SSL_shutdown(ssl) }
        ERR_clear_error()
    }
}

// MARK: - Negotiated parameters

extension TLSSession {
    /// The protocol version after the handshake, such as `"TLSv1.3"`.
    public var negotiatedVersion: String? {
        guard isHandshakeComplete, let name = SSL_get_version(ssl) else {
            return nil
        }
        return String(cString: name)
    }

    /// The cipher suite after the handshake, such as `"TLS_AES_256_GCM_SHA384"`.
    public var negotiatedCipher: String? {
        guard isHandshakeComplete, let cipher = SSL_get_current_cipher(ssl), let name = SSL_CIPHER_get_name(cipher)
        else {
            return nil
        }
        return String(cString: name)
    }

    /// Server side: the host name the client sent as SNI, if any.
    public var requestedServerName: String? {
        guard let name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name) else {
            return nil
        }
        return String(cString: name)
    }

    /// The subject of the peer's certificate in RFC 2253 form (such as `CN=encoder-1,O=Example`),
    /// when the peer sent one and it verified against the configured CA; otherwise `nil`.
    public var verifiedPeerSubject: String? {
        guard isHandshakeComplete, SSL_get_verify_result(ssl) == X509_V_OK,
            let certificate = SSL_get0_peer_certificate(ssl), let subject = X509_get_subject_name(certificate),
            let bio = BIO_new(BIO_s_mem())
        else {
            return nil
        }
        defer { BIO_free(bio) }
        guard X509_NAME_print_ex(bio, subject, 0, sealcast_XN_FLAG_RFC2253) >= 0 else {
            return nil
        }
        return OpenSSL.drainMemoryBIO(bio)
    }

    /// Client side: the session in DER form, to pass as `resuming` to a later session with the
    /// same server, or `nil` before the server sent a ticket.
    public var resumptionData: [UInt8]? {
        guard receivedSessionTicket, let session = SSL_get_session(ssl) else {
            return nil
        }
        let length = i2d_SSL_SESSION(session, nil)
        guard length > 0 else {
            return nil
        }
        var data = [UInt8](repeating: 0, count: Int(length))
        let written = data.withUnsafeMutableBufferPointer { buffer -> Int32 in
            var start = buffer.baseAddress
            return i2d_SSL_SESSION(session, &start)
        }
        return written == length ? data : nil
    }

    /// Whether the handshake resumed an earlier session instead of running in full.
    public var isResumed: Bool {
        SSL_session_reused(ssl) == 1
    }

    /// Client side: whether the server sent a session ticket that could resume this session.
    /// TLS 1.3 servers send tickets after the handshake, so read once more before asking.
    public var receivedSessionTicket: Bool {
        guard let session = SSL_get_session(ssl) else {
            return false
        }
        return SSL_SESSION_has_ticket(session) == 1
    }

    /// SHA-256 of the peer's leaf certificate in DER form, once the handshake is complete.
    public var peerCertificateSHA256: [UInt8]? {
        guard let certificate = SSL_get1_peer_certificate(ssl) else {
            return nil
        }
        defer { X509_free(certificate) }
        return OpenSSL.sha256Fingerprint(of: certificate)
    }
}

// MARK: - Verification

extension TLSSession {
    /// Turns a failed handshake into a `TLSError`, naming the verification failure if there was one.
    private func handshakeError(_ errors: [String]) -> TLSError {
        // Without trust roots OpenSSL still records a verify result but goes on, so it is not the cause.
        let verifyResult = SSL_get_verify_result(ssl)
        if verifiesPeer, verifyResult != X509_V_OK {
            let reason = String(cString: X509_verify_cert_error_string(verifyResult))
            let name = serverName.map { " for '\($0)'" } ?? ""
            return .verificationFailed(
                "The server certificate\(name) failed verification: \(reason). "
                    + "Check the server's certificate chain and name, or the client's trust roots.",
                openSSLErrors: errors
            )
        }
        return .handshakeFailed(
            "The TLS handshake failed. The OpenSSL errors name the cause, such as no shared TLS version or cipher.",
            openSSLErrors: errors
        )
    }

    /// Checks a client's pinned leaf fingerprint once the handshake is done, returning `nil` when it matches.
    private func pinnedCertificateMismatch() -> TLSError? {
        guard context.configuration.role == .client, let pin = context.configuration.pinnedSHA256 else {
            return nil
        }
        // NOTE: the pin is checked after the handshake finishes, so a mismatch ends the
        // session without sending an alert to the server.
        guard let actual = peerCertificateSHA256, Crypto.constantTimeEqual(actual, pin) else {
            return .verificationFailed(
                "The server certificate does not match the pinned SHA-256 fingerprint. "
                    + "Update the pin if the server's certificate was replaced on purpose."
            )
        }
        return nil
    }
}
