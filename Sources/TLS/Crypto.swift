internal import COpenSSL

/// Hashing, HMAC, randomness and comparison, all done by OpenSSL.
public enum Crypto {
    /// Computes the SHA-256 digest of `data`.
    ///
    /// - Parameter data: The bytes to hash.
    /// - Returns: 32 bytes.
    public static func sha256(_ data: some Collection<UInt8>) -> [UInt8] {
        let input = Array(data)
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let succeeded = input.withUnsafeBytes { bytes in
            OpenSSL.call { EVP_Digest(bytes.baseAddress, bytes.count, &digest, &length, EVP_sha256(), nil) }
        }
        // EVP_Digest fails only when OpenSSL cannot allocate memory or load SHA-256, and no caller can recover.
        precondition(succeeded == 1, "EVP_Digest(SHA-256) failed: \(OpenSSL.takeErrors())")
        return Array(digest.prefix(Int(length)))
    }

    /// Computes the MD5 digest of `data`.
    ///
    /// MD5 is broken for collision resistance. It is here only because the Adobe
    /// RTMP authentication that OBS and ffmpeg speak is built on it.
    ///
    /// - Parameter data: The bytes to hash.
    /// - Returns: 16 bytes.
    public static func md5(_ data: some Collection<UInt8>) -> [UInt8] {
        let input = Array(data)
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let succeeded = input.withUnsafeBytes { bytes in
            OpenSSL.call { EVP_Digest(bytes.baseAddress, bytes.count, &digest, &length, EVP_md5(), nil) }
        }
        precondition(succeeded == 1, "EVP_Digest(MD5) failed: \(OpenSSL.takeErrors())")
        return Array(digest.prefix(Int(length)))
    }

    /// Computes the HMAC-SHA256 of `data` under `key`.
    ///
    /// - Parameters:
    ///   - key: The secret key, any length.
    ///   - data: The message to authenticate.
    /// - Returns: 32 bytes.
    public static func hmacSHA256(key: some Collection<UInt8>, data: some Collection<UInt8>) -> [UInt8] {
        let keyBytes = Array(key)
        let message = Array(data)
        var mac = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let result = keyBytes.withUnsafeBytes { keyBuffer in
            message.withUnsafeBytes { messageBuffer in
                OpenSSL.call {
                    HMAC(
                        EVP_sha256(),
                        keyBuffer.baseAddress,
                        Int32(keyBuffer.count),
                        messageBuffer.baseAddress?.assumingMemoryBound(to: UInt8.self),
                        messageBuffer.count,
                        &mac,
                        &length
                    )
                }
            }
        }
        precondition(result != nil, "HMAC(SHA-256) failed: \(OpenSSL.takeErrors())")
        return Array(mac.prefix(Int(length)))
    }

    /// Returns `count` bytes from OpenSSL's CSPRNG (`RAND_bytes`).
    ///
    /// Traps if OpenSSL cannot produce secure random bytes, because no caller can continue safely.
    public static func randomBytes(count: Int) -> [UInt8] {
        precondition(count >= 0, "randomBytes(count:) needs a count of zero or more, got \(count)")
        var bytes = [UInt8](repeating: 0, count: count)
        guard count > 0 else {
            return bytes
        }
        let succeeded = OpenSSL.call { RAND_bytes(&bytes, Int32(count)) }
        precondition(succeeded == 1, "RAND_bytes failed: \(OpenSSL.takeErrors())")
        return bytes
    }

    /// Compares `a` and `b` in time that does not depend on where their bytes differ (`CRYPTO_memcmp`).
    ///
    /// Collections of different lengths compare unequal at once, so the timing does reveal that the lengths differ.
    public static func constantTimeEqual(_ a: some Collection<UInt8>, _ b: some Collection<UInt8>) -> Bool {
        let left = Array(a)
        let right = Array(b)
        guard left.count == right.count else {
            return false
        }
        guard !left.isEmpty else {
            return true
        }
        return left.withUnsafeBytes { leftBuffer in
            right.withUnsafeBytes { rightBuffer in
                CRYPTO_memcmp(leftBuffer.baseAddress, rightBuffer.baseAddress, leftBuffer.count) == 0
            }
        }
    }
}
