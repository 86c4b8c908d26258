internal import COpenSSL
import Synchronization

/// The keys a server encrypts TLS session tickets with, rotated every `rotationInterval`.
///
/// A ticket is encrypted with AES-256-CBC and authenticated with HMAC-SHA256 (OpenSSL's ticket
/// format), under the current key. Rotation happens on use: the first ticket operation after
/// `rotationInterval` makes a new current key, and the old one is kept for decryption only. A
/// ticket under the previous key still resumes, and the client gets a new ticket under the
/// current key. A ticket under an older key is rejected, so the client makes a full handshake.
/// A captured ticket can therefore be decrypted with a stolen key for at most two intervals.
final class SessionTicketKeys: Sendable {
    struct Key: Sendable {
        /// The 16-byte name that OpenSSL puts in front of each ticket to find its key.
        let name: [UInt8]
        let cipherKey: [UInt8]
        let macKey: [UInt8]
        let created: ContinuousClock.Instant

        init() {
            name = Crypto.randomBytes(count: 16)
            cipherKey = Crypto.randomBytes(count: 32)
            macKey = Crypto.randomBytes(count: 32)
            created = .now
        }
    }

    let rotationInterval: Duration
    private let keys: Mutex<(current: Key, previous: Key?)>

    init(rotationInterval: Duration) {
        self.rotationInterval = rotationInterval
        self.keys = Mutex((Key(), nil))
    }

    /// Returns the current key, rotating first when it is older than `rotationInterval`.
    func keyForEncryption() -> Key {
        keys.withLock { keys in
            rotateIfDue(&keys)
            return keys.current
        }
    }

    /// Returns the key named `name` and whether it is the current one, or `nil` when no kept key has that name.
    func keyForDecryption(name: [UInt8]) -> (key: Key, isCurrent: Bool)? {
        keys.withLock { keys in
            rotateIfDue(&keys)
            if keys.current.name == name {
                return (keys.current, true)
            }
            if let previous = keys.previous, previous.name == name {
                return (previous, false)
            }
            return nil
        }
    }

    private func rotateIfDue(_ keys: inout (current: Key, previous: Key?)) {
        guard ContinuousClock.now - keys.current.created >= rotationInterval else {
            return
        }
        // After a quiet period longer than two intervals the current key is stale too, so it
        // does not survive as the previous key.
        let stillValid = ContinuousClock.now - keys.current.created < rotationInterval * 2
        keys = (Key(), stillValid ? keys.current : nil)
    }

    /// Makes `handle` issue and accept tickets under these keys. The caller keeps `self` alive
    /// for as long as the context exists.
    func install(on handle: OpaquePointer) throws(TLSError) {
        guard SSL_CTX_set_ex_data(handle, ticketKeysIndex, Unmanaged.passUnretained(self).toOpaque()) == 1,
            SSL_CTX_set_tlsext_ticket_key_evp_cb(handle, ticketKeyCallback) == 1
        else {
            throw .internalError("Cannot install the session ticket keys.", openSSLErrors: OpenSSL.takeErrors())
        }
        // A ticket is useless after its key is dropped, which happens at most two intervals after it was made.
        let seconds = max(1, (rotationInterval * 2).components.seconds)
        _ = SSL_CTX_set_timeout(handle, Int(seconds))
    }
}

/// The SSL_CTX ex_data slot that points to a context's `SessionTicketKeys`.
private let ticketKeysIndex: Int32 = CRYPTO_get_ex_new_index(CRYPTO_EX_INDEX_SSL_CTX, 0, nil, nil, nil, nil)

/// Sets up OpenSSL's cipher and MAC contexts for one ticket. Returns 1 to use the key, 2 to use
/// it and issue a new ticket (an old key), 0 when no key matches (full handshake), -1 on failure.
private let ticketKeyCallback:
    @convention(c) (
        OpaquePointer?, UnsafeMutablePointer<UInt8>?, UnsafeMutablePointer<UInt8>?, OpaquePointer?, OpaquePointer?,
        Int32
    ) -> Int32 = { ssl, name, iv, cipherContext, macContext, encrypt in
        guard let ssl, let name, let iv, let cipherContext, let macContext,
            let raw = SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), ticketKeysIndex)
        else {
            return -1
        }
        let keys = Unmanaged<SessionTicketKeys>.fromOpaque(raw).takeUnretainedValue()

        if encrypt == 1 {
            let key = keys.keyForEncryption()
            name.update(from: key.name, count: key.name.count)
            guard RAND_bytes(iv, 16) == 1,
                EVP_EncryptInit_ex(cipherContext, EVP_aes_256_cbc(), nil, key.cipherKey, iv) == 1,
                sealcast_ticket_mac_init(macContext, key.macKey, key.macKey.count) == 1
            else {
                return -1
            }
            return 1
        }

        guard let (key, isCurrent) = keys.keyForDecryption(name: Array(UnsafeBufferPointer(start: name, count: 16)))
        else {
            return 0
        }
        guard sealcast_ticket_mac_init(macContext, key.macKey, key.macKey.count) == 1,
            EVP_DecryptInit_ex(cipherContext, EVP_aes_256_cbc(), nil, key.cipherKey, iv) == 1
        else {
            return -1
        }
        return isCurrent ? 1 : 2
    }
