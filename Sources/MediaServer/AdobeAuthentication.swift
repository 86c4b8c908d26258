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
///
/// A user stored as a verifier (`passwordHash`, that is base64(md5(U + S + password))) gets
/// its fixed salt in every challenge, and the verifier is used in place of the first hash.
/// Challenge and opaque stay random, so a recorded response does not log in again.
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
    /// Key that derives the salt of an unknown user in an application with verifier users, so
    /// that the salt stays the same between attempts, like theirs. It lives as long as the process.
    private let unknownUserSaltKey = Crypto.randomBytes(count: 32)

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
            return .reject(description: issueChallenge(app: app, user: user, salt: salt(for: user, in: users), now: now))
        }
        let opaque = AccessPolicy.queryValue("opaque", in: query)
        guard let challenge = takeChallenge(app: app, user: user, opaque: opaque, now: now) else {
            return .reject(description: Self.failed)
        }
        let clientChallenge = AccessPolicy.queryValue("challenge", in: query) ?? ""

        // Unknown users go through the same work, so timing does not tell which users exist.
        let entry = users.first { $0.user == user }
        let hashed: String
        if let stored = entry?.passwordHash {
            hashed = stored
        } else {
            hashed = Self.verifier(user: user, salt: challenge.salt, password: entry?.password ?? "")
        }
        var matched = false
        for serverPart in [opaque ?? challenge.challenge, challenge.challenge] {
            let expected = Self.base64(Crypto.md5(Array((hashed + serverPart + clientChallenge).utf8)))
            if Crypto.constantTimeEqual(Array(expected.utf8), Array(response.utf8)) { matched = true }
        }
        guard matched, entry != nil else { return .reject(description: Self.failed) }
        return .authenticated(user: user)
    }

    static let failed = prefix + "[ authmod=adobe ] : ?reason=authfailed"

    /// Returns base64(md5(`user` + `salt` + `password`)), the first hash of the login and the
    /// value a `passwordHash` stores.
    static func verifier(user: String, salt: String, password: String) -> String {
        base64(Crypto.md5(Array((user + salt + password).utf8)))
    }

    /// Returns whether `salt` can go into a challenge: 8 to 64 ASCII letters and digits.
    static func isValidSalt(_ salt: String) -> Bool {
        (8...64).contains(salt.utf8.count) && salt.utf8.allSatisfy { byte in
            (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
        }
    }

    /// Returns whether `text` is the base64 form of an MD5 digest (16 bytes).
    static func isValidVerifier(_ text: String) -> Bool {
        text.utf8.count == 24 && Data(base64Encoded: text)?.count == 16
    }

    /// Returns the salt for a challenge to `user`. A verifier user gets its stored salt and a
    /// password user a random one. An unknown user gets a salt that looks like the
    /// application's users: fixed (derived from the name) when any user has a verifier.
    ///
    /// NOTE: in an application with both kinds of users, whether the salt changes between
    /// two attempts tells a password user from the other names.
    private func salt(for user: String, in users: [UserConfiguration]) -> String {
        if let entry = users.first(where: { $0.user == user }) {
            return entry.salt ?? Self.hex(Crypto.randomBytes(count: 16))
        }
        guard users.contains(where: { $0.passwordHash != nil }) else { return Self.hex(Crypto.randomBytes(count: 16)) }
        return Self.hex(Array(Crypto.hmacSHA256(key: unknownUserSaltKey, data: Array(user.utf8)).prefix(16)))
    }

    /// Computes the response a client sends, for tests and for the client side.
    static func response(user: String, password: String, salt: String, serverChallenge: String, clientChallenge: String) -> String {
        let hashed = verifier(user: user, salt: salt, password: password)
        return base64(Crypto.md5(Array((hashed + serverChallenge + clientChallenge).utf8)))
    }

    private func issueChallenge(app: String, user: String, salt: String, now: UInt64) -> String {
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
