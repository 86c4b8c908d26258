import Foundation
import TLS
import Testing

@testable import MediaServer

/// The token format and the Adobe login arithmetic, against values computed with Python's
/// hmac, hashlib and base64 modules.
struct StreamTokenTests {
    static let secret = "0123456789abcdef0123456789abcdef"
    static let expires: Int64 = 1_767_225_600

    @Test func md5MatchesRFC1321() {
        // RFC 1321 appendix A.5: MD5("abc").
        #expect(AdobeAuthenticator.hex(Crypto.md5(Array("abc".utf8))) == "900150983cd24fb0d6963f7d28e17f72")
        #expect(AdobeAuthenticator.hex(Crypto.md5([])) == "d41d8cd98f00b204e9800998ecf8427e")
    }

    @Test func tokenMatchesReferenceVector() {
        let token = StreamToken.mint(secret: Self.secret, app: "live", stream: "show", action: .publish, expires: Self.expires)
        // "v1", the expiry, then base64url(HMAC-SHA256(secret, "v1\nlive\nshow\npublish\n1767225600")).
        #expect(token == "v1.1767225600.agXx5B9aDwcSZgAOqsapXd3ab-J5ZL06DPxidxfMrJ8")
    }

    @Test func tokenIsValidOnlyForItsAppStreamAndAction() {
        let token = StreamToken.mint(secret: Self.secret, app: "live", stream: "show", action: .publish, expires: Self.expires)
        func verify(app: String = "live", stream: String = "show", action: StreamToken.Action = .publish, now: Int64 = StreamTokenTests.expires - 10)
            -> StreamToken.Verification
        {
            StreamToken.verify(token, secrets: [Self.secret], app: app, stream: stream, action: action, now: now)
        }
        #expect(verify() == .valid)
        #expect(verify(app: "other") == .invalidSignature)
        #expect(verify(stream: "news") == .invalidSignature)
        #expect(verify(action: .play) == .invalidSignature)
        #expect(verify(now: Self.expires + StreamToken.clockSkewSeconds) == .valid)
        #expect(verify(now: Self.expires + StreamToken.clockSkewSeconds + 1) == .expired)
    }

    @Test func tokenFromAnyConfiguredSecretIsValid() {
        let old = "old-secret-old-secret-old-secret-0"
        let token = StreamToken.mint(secret: old, app: "live", stream: "show", action: .play, expires: Self.expires)
        let both = StreamToken.verify(token, secrets: [Self.secret, old], app: "live", stream: "show", action: .play, now: 0)
        let newOnly = StreamToken.verify(token, secrets: [Self.secret], app: "live", stream: "show", action: .play, now: 0)
        #expect(both == .valid)
        #expect(newOnly == .invalidSignature)
    }

    @Test func malformedTokensAreRejected() {
        let cases = ["", "v1", "v2.1767225600.abc", "v1..abc", "v1.-5.abc", "v1.12x.abc", "v1.1.2.3",
                     "v1.99999999999999999999.abc"]
        for token in cases {
            let result = StreamToken.verify(token, secrets: [Self.secret], app: "live", stream: "show", action: .play, now: 0)
            #expect(result == .malformed, "token \(token)")
        }
        let forged = StreamToken.verify(
            "v1.1767225600.AAAA", secrets: [Self.secret], app: "live", stream: "show", action: .publish, now: 0
        )
        #expect(forged == .invalidSignature)
    }

    @Test func adobeResponseMatchesReferenceVector() {
        // base64(md5(base64(md5("alice" + "00112233" + "correct-horse")) + "aabbccdd" + "0badf00d")).
        let response = AdobeAuthenticator.response(
            user: "alice", password: "correct-horse", salt: "00112233", serverChallenge: "aabbccdd",
            clientChallenge: "0badf00d"
        )
        #expect(response == "d79uyWV7NzSrusRm9f6E3Q==")
    }

    @Test func adobeLoginRunsThroughItsSteps() throws {
        let authenticator = AdobeAuthenticator(challengeLifetimeMilliseconds: 1000)
        let users = [UserConfiguration(user: "alice", password: "correct-horse")]
        let first = authenticator.authenticate(app: "live", query: nil, users: users, now: 0)
        #expect(first == .reject(description: "[ AccessManager.Reject ] : [ code=403 need auth; authmod=adobe ] : "))

        let second = authenticator.authenticate(app: "live", query: "authmod=adobe&user=alice", users: users, now: 0)
        guard case .reject(let description) = second, let query = description.split(separator: "?").last else {
            Issue.record("no challenge in \(second)")
            return
        }
        #expect(description.hasPrefix("[ AccessManager.Reject ] : [ authmod=adobe ] : ?reason=needauth&user=alice&salt="))
        let salt = try #require(AccessPolicy.queryValue("salt", in: String(query)))
        let opaque = try #require(AccessPolicy.queryValue("opaque", in: String(query)))
        let response = AdobeAuthenticator.response(
            user: "alice", password: "correct-horse", salt: salt, serverChallenge: opaque, clientChallenge: "0badf00d"
        )
        let answer = "authmod=adobe&user=alice&challenge=0badf00d&response=\(response)&opaque=\(opaque)"
        #expect(authenticator.authenticate(app: "live", query: answer, users: users, now: 10) == .authenticated(user: "alice"))
        // The challenge is used up.
        #expect(authenticator.authenticate(app: "live", query: answer, users: users, now: 20) == .reject(description: AdobeAuthenticator.failed))
    }

    @Test func adobeChallengeExpiresAndWrongPasswordFails() throws {
        let authenticator = AdobeAuthenticator(challengeLifetimeMilliseconds: 1000)
        let users = [UserConfiguration(user: "alice", password: "correct-horse")]
        func challenge() throws -> (salt: String, opaque: String) {
            let outcome = authenticator.authenticate(app: "live", query: "authmod=adobe&user=alice", users: users, now: 0)
            guard case .reject(let description) = outcome else { throw StreamTokenFailure() }
            let query = String(description.split(separator: "?").last ?? "")
            return (try #require(AccessPolicy.queryValue("salt", in: query)), try #require(AccessPolicy.queryValue("opaque", in: query)))
        }
        func answer(_ values: (salt: String, opaque: String), password: String) -> String {
            let response = AdobeAuthenticator.response(
                user: "alice", password: password, salt: values.salt, serverChallenge: values.opaque, clientChallenge: "01"
            )
            return "authmod=adobe&user=alice&challenge=01&response=\(response)&opaque=\(values.opaque)"
        }
        let late = try challenge()
        #expect(authenticator.authenticate(app: "live", query: answer(late, password: "correct-horse"), users: users, now: 1000)
            == .reject(description: AdobeAuthenticator.failed))
        let wrong = try challenge()
        #expect(authenticator.authenticate(app: "live", query: answer(wrong, password: "wrong-horse"), users: users, now: 1)
            == .reject(description: AdobeAuthenticator.failed))
        let otherApp = try challenge()
        #expect(authenticator.authenticate(app: "other", query: answer(otherApp, password: "correct-horse"), users: users, now: 1)
            == .reject(description: AdobeAuthenticator.failed))
    }
}

struct StreamTokenFailure: Error {}
