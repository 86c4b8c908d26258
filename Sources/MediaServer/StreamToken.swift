import Foundation
import TLS

/// Signed, expiring credentials for one publish or play of one stream.
///
/// A token is `v1.EXPIRY.MAC`, all URL-safe, passed as `?token=` after the
/// stream name:
///
///     v1.1767225600.Xk3…(43 characters)
///     │  │          └ HMAC-SHA256, base64url without padding
///     │  └ expiry, Unix seconds (UTC)
///     └ format version
///
/// The MAC covers the version, application, stream, action and expiry, one per
/// line, so a token for `live/show` cannot publish `live/news`, play cannot
/// publish, and a token for one application is refused by another even when
/// they share a secret. A token is accepted up to `clockSkewSeconds` after its
/// expiry, for a server clock that runs ahead of the clock that minted it.
public enum StreamToken {
    /// What the token allows.
    public enum Action: String, Sendable, CaseIterable {
        case publish
        case play
    }

    /// The result of checking a token.
    public enum Verification: Sendable, Equatable, CustomStringConvertible {
        case valid
        /// Not of the form `v1.EXPIRY.MAC`.
        case malformed
        /// Past its expiry (plus the allowed skew).
        case expired
        /// The MAC matches no secret for this application, stream and action.
        case invalidSignature

        /// The reason in plain words, for logs.
        public var description: String {
            switch self {
            case .valid: return "valid"
            case .malformed: return "malformed token"
            case .expired: return "expired token"
            case .invalidSignature: return "token signed for another secret, application, stream or action"
            }
        }
    }

    /// Shortest secret the configuration accepts, in bytes.
    public static let minimumSecretBytes = 32
    /// Seconds a token stays valid after its expiry, for clocks that differ.
    public static let clockSkewSeconds: Int64 = 30

    /// Makes a token.
    /// - Parameters:
    ///   - secret: One of the application's `tokenSecrets`.
    ///   - app: The application, such as `live`.
    ///   - stream: The public stream name.
    ///   - action: Publish or play.
    ///   - expires: Expiry in Unix seconds.
    /// - Returns: The token text, safe in a URL query.
    public static func mint(secret: String, app: String, stream: String, action: Action, expires: Int64) -> String {
        let mac = Crypto.hmacSHA256(
            key: Array(secret.utf8), data: signedText(app: app, stream: stream, action: action, expires: expires)
        )
        return "v1.\(expires).\(base64URL(mac))"
    }

    /// Checks `token` against every secret, in constant time for each.
    /// - Parameter now: The current time in Unix seconds.
    public static func verify(
        _ token: String, secrets: [String], app: String, stream: String, action: Action, now: Int64
    ) -> Verification {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "v1", parts[1].utf8.count <= 19,
            parts[1].utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let expires = Int64(parts[1])
        else { return .malformed }
        let presented = Array(parts[2].utf8)

        // Every secret is tried, so the time taken does not reveal which one matched.
        let text = signedText(app: app, stream: stream, action: action, expires: expires)
        var matched = false
        for secret in secrets {
            let expected = Array(base64URL(Crypto.hmacSHA256(key: Array(secret.utf8), data: text)).utf8)
            if Crypto.constantTimeEqual(expected, presented) { matched = true }
        }
        guard matched else { return .invalidSignature }
        // Expiry is checked after the MAC, so an attacker cannot learn anything from a forged expiry.
        return now <= expires + clockSkewSeconds ? .valid : .expired
    }

    private static func signedText(app: String, stream: String, action: Action, expires: Int64) -> [UInt8] {
        Array("v1\n\(app)\n\(stream)\n\(action.rawValue)\n\(expires)".utf8)
    }

    /// Base64url (RFC 4648 section 5) without padding.
    static func base64URL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
