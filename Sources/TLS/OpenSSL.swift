internal import COpenSSL

/// The one place where the TLS module reads OpenSSL's error queue and turns return codes into values.
///
/// OpenSSL keeps a per-thread queue of errors. Every call that can fail goes through `call(_:)` or
/// `sslOperation(_:_:)`, which clear the queue first, so that the errors attached to a failure
/// belong to that failure and not to an earlier call on the same thread.
enum OpenSSL {
    /// The outcome of an `SSL_*` I/O call (`SSL_do_handshake`, `SSL_read`, `SSL_write`).
    enum SSLOutcome {
        /// The call succeeded and returned this positive value (bytes moved, or 1).
        case success(Int)
        /// OpenSSL needs more ciphertext from the peer.
        case wantRead
        /// OpenSSL needs its output drained, which a memory BIO that can grow never requires.
        case wantWrite
        /// The peer sent close_notify.
        case closed
        /// A protocol or transport failure, with the OpenSSL error queue in `errors`.
        case failed(errors: [String])
    }

    /// Runs `body` with an empty OpenSSL error queue.
    static func call<Value>(_ body: () -> Value) -> Value {
        ERR_clear_error()
        return body()
    }

    /// Runs one `SSL_*` I/O call on `ssl` and classifies its result with `SSL_get_error`.
    static func sslOperation(_ ssl: OpaquePointer, _ body: (OpaquePointer) -> Int32) -> SSLOutcome {
        ERR_clear_error()
        let returnCode = body(ssl)
        if returnCode > 0 {
            return .success(Int(returnCode))
        }

        // SSL_get_error must run before any other OpenSSL call on this thread.
        switch SSL_get_error(ssl, returnCode) {
        case SSL_ERROR_WANT_READ:
            return .wantRead
        case SSL_ERROR_WANT_WRITE:
            return .wantWrite
        case SSL_ERROR_ZERO_RETURN:
            return .closed
        case SSL_ERROR_SYSCALL:
            // With memory BIOs there is no socket, so an empty queue means the peer's data ended early.
            let errors = takeErrors()
            return .failed(errors: errors.isEmpty ? ["unexpected end of the TLS stream"] : errors)
        default:
            return .failed(errors: takeErrors())
        }
    }

    /// Removes and renders every entry of this thread's OpenSSL error queue, oldest first.
    static func takeErrors() -> [String] {
        var errors: [String] = []
        // The queue keeps at most 16 entries (ERR_NUM_ERRORS in OpenSSL 3.0), so 32 only guards the loop.
        for _ in 0..<32 {
            let code = ERR_get_error()
            if code == 0 {
                break
            }
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            errors.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return errors
    }

    /// SHA-256 over the DER encoding of `certificate` (an `X509 *`).
    static func sha256Fingerprint(of certificate: OpaquePointer) -> [UInt8]? {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let succeeded = call { X509_digest(certificate, EVP_sha256(), &digest, &length) }
        guard succeeded == 1 else {
            return nil
        }
        return Array(digest.prefix(Int(length)))
    }

    /// Reads everything a memory BIO contains as a string.
    static func drainMemoryBIO(_ bio: OpaquePointer) -> String {
        let pending = Int(BIO_ctrl_pending(bio))
        guard pending > 0 else {
            return ""
        }
        var bytes = [UInt8](repeating: 0, count: pending)
        let read = BIO_read(bio, &bytes, Int32(pending))
        return String(decoding: bytes.prefix(max(0, Int(read))), as: UTF8.self)
    }
}
