import Foundation
import Synchronization
import TLS

/// The server side of Adobe RTMP authentication (`authmod=adobe`), the login
/// that OBS's "Use authentication" and ffmpeg (`rtmp://user:pass@host/app`) send,
/// in the style of FMS and Wowza. Every step is a connect; the server rejects the first two
/// with a description the client parses:
///
///     client connect app=APP                        server: code=403 need auth; authmod=adobe
///     client connect app=APP?authmod=adobe&user=U   server: ?reason=needauth&user=U&salt=S&challenge=C&opaque=O
///     client connect app=APP?authmod=adobe&user=U&challenge=CC&response=R&opaque=O
///                                                   server: accepts, or ?reason=authfailed
///
/// R = base64(md5(base64(md5(U + S + password)) + O + CC)). ffmpeg 5.1 hashes O
/// when the server sent one and C otherwise; other clients hash C even when O was
/// sent. Both forms are accepted.
///
/// Salt, challenge and opaque are 16 random bytes each (hex). A challenge is
/// used once and expires after `challengeLifetimeMilliseconds`.
final class AdobeAuthenticator: Sendable {
    /// What to answer to a connect of an application that has users.
    enum Outcome: Equatable {
        /// Reject the connect with this description, which the client reads to continue the login.
        case reject(description: String)
        /// The response was right: the connection is logged in as this user.
        case authenticated(user: String)
    }

    private struct Challenge {
        var app: String
        var user: String
        var salt: String
        var challenge: String
        var expires: UInt64
    }

    static let prefix = "[ AccessManager.Reject ] : "
    static let needAuthentication = prefix + "[ code=403 need auth; authmod=adobe ] : "

    let challengeLifetimeMilliseconds: UInt64
    /// Bound on outstanding challenges, so that clients that never answer cannot grow memory.
    let maximumPending: Int
    private let pending = Mutex<[String: Challenge]>([:])

    init(challengeLifetimeMilliseconds: UInt64 = 60_000, maximumPending: Int = 10_000) {
        self.challengeLifetimeMilliseconds = challengeLifetimeMilliseconds
        self.maximumPending = maximumPending
    }

    /// Runs one step of the login for a connect to `app` whose query is `query`.
    /// - Parameters:
    ///   - users: The application's users.
    ///   - now: Monotonic milliseconds, for challenge expiry.
    func authenticate(app: String, query: String?, users: [UserConfiguration], now: UInt64) -> Outcome {
        guard AccessPolicy.queryValue("authmod", in: query) == "adobe",
            let user = AccessPolicy.queryValue("user", in: query)
        else { return .reject(description: Self.needAuthentication) }
        // The user name is echoed back to the client, so only plain names are accepted.
        guard StreamNames.isValidSegment(user) else { return .reject(description: Self.failed) }

        guard let response = AccessPolicy.queryValue("response", in: query) else {
            return .reject(description: issueChallenge(app: app, user: user, now: now))
        }
        let opaque = AccessPolicy.queryValue("opaque", in: query)
        guard let challenge = takeChallenge(app: app, user: user, opaque: opaque, now: now) else {
            return .reject(description: Self.failed)
        }
        let clientChallenge = AccessPolicy.queryValue("challenge", in: query) ?? ""

        // Unknown users go through the same work, so timing does not tell which users exist.
        let password = users.first { $0.user == user }?.password
        let hashed = Self.base64(Crypto.md5(Array((user + challenge.salt + (password ?? "")).utf8)))
        var matched = false
        for serverPart in [opaque ?? challenge.challenge, challenge.challenge] {
            let expected = Self.base64(Crypto.md5(Array((hashed + serverPart + clientChallenge).utf8)))
            if Crypto.constantTimeEqual(Array(expected.utf8), Array(response.utf8)) { matched = true }
        }
        guard matched, password != nil else { return .reject(description: Self.failed) }
        return .authenticated(user: user)
    }

    static let failed = prefix + "[ authmod=adobe ] : ?reason=authfailed"

    /// Computes the response a client sends, for tests and for the client side.
    static func response(user: String, password: String, salt: String, serverChallenge: String, clientChallenge: String) -> String {
        let hashed = base64(Crypto.md5(Array((user + salt + password).utf8)))
        return base64(Crypto.md5(Array((hashed + serverChallenge + clientChallenge).utf8)))
    }

    private func issueChallenge(app: String, user: String, now: UInt64) -> String {
        let salt = Self.hex(Crypto.randomBytes(count: 16))
        let challenge = Self.hex(Crypto.randomBytes(count: 16))
        let opaque = Self.hex(Crypto.randomBytes(count: 16))
        let entry = Challenge(
            app: app, user: user, salt: salt, challenge: challenge, expires: now + challengeLifetimeMilliseconds
        )
        pending.withLock { table in
            if table.count >= maximumPending {
                table = table.filter { $0.value.expires > now }
            }
            // Still full of live challenges: forget one, so that the newest client can log in.
            if table.count >= maximumPending, let key = table.keys.first { table[key] = nil }
            table[opaque] = entry
        }
        return Self.prefix + "[ authmod=adobe ] : ?reason=needauth&user=\(user)&salt=\(salt)"
            + "&challenge=\(challenge)&opaque=\(opaque)"
    }

    /// Removes and returns the challenge the client answers, unless it expired or belongs to
    /// another application or user. Without `opaque`, the newest challenge of the user is taken.
    private func takeChallenge(app: String, user: String, opaque: String?, now: UInt64) -> Challenge? {
        pending.withLock { table in
            let key: String?
            if let opaque {
                key = opaque
            } else {
                key = table.filter { $0.value.app == app && $0.value.user == user }
                    .max { $0.value.expires < $1.value.expires }?.key
            }
            guard let key, let entry = table.removeValue(forKey: key) else { return nil }
            guard entry.app == app, entry.user == user, entry.expires > now else { return nil }
            return entry
        }
    }

    static func base64(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }

    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { byte in
            let text = String(byte, radix: 16)
            return byte < 16 ? "0" + text : text
        }.joined()
    }
}
