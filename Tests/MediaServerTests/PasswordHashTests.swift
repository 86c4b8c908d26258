import Foundation
import Observability
import RTMP
import Testing

@testable import MediaServer

/// Adobe login users stored as `passwordHash` and `salt` instead of the password.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct PasswordHashTests {
    static let password = "correct-horse-battery"
    static let salt = "5a1tF0rB0b2026xyz"

    /// Returns base64(md5(`text`)) computed by the openssl CLI, independent of Sealcast's code.
    static func opensslVerifier(_ text: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "printf '%s' \"$1\" | openssl dgst -md5 -binary | openssl base64", "sh", text]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        process.waitUntilExit()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// bob's verifier, as `sealcast credentials --user bob` prints it, made by openssl.
    static let bobHash: String = (try? opensslVerifier("bob" + salt + password)) ?? ""

    final class Harness {
        let server: RTMPServer
        let logs = MemoryLogHandler()

        init() throws {
            let application = ApplicationConfiguration(
                name: "vault", users: [UserConfiguration(user: "bob", passwordHash: PasswordHashTests.bobHash, salt: PasswordHashTests.salt)]
            )
            var configuration = ServerConfiguration()
            configuration.applications = [application]
            try configuration.validate()
            server = try RTMPServer(
                settings: RTMPServer.Settings(
                    rtmp: ListenAddress(host: "127.0.0.1", port: 0), rtmps: nil, tls: nil,
                    applications: [application], eventLoops: 1
                ),
                logger: Logger(label: "test", level: .trace, handler: logs)
            )
        }

        var port: Int { server.rtmpAddress!.port }

        deinit { server.shutdown() }
    }

    /// Runs the three connects of an Adobe login to `vault` and returns the challenge's
    /// query, the last client and the description of its rejection ("" when accepted).
    func login(_ harness: Harness, user: String, password: String) throws -> (challenge: String, client: BlockingClient, result: String) {
        func rejection(_ client: BlockingClient) -> String {
            for event in client.events { if case .connectRejected(let description) = event { return description } }
            return ""
        }
        let asking = try BlockingClient(port: harness.port)
        try asking.connect(app: "vault?authmod=adobe&user=\(user)")
        let query = String(rejection(asking).split(separator: "?").last ?? "")
        let salt = AccessPolicy.queryValue("salt", in: query) ?? ""
        let opaque = AccessPolicy.queryValue("opaque", in: query) ?? ""
        let response = AdobeAuthenticator.response(
            user: user, password: password, salt: salt, serverChallenge: opaque, clientChallenge: "5e6f7a8b"
        )
        let answering = try BlockingClient(port: harness.port)
        try answering.connect(app: "vault?authmod=adobe&user=\(user)&challenge=5e6f7a8b&response=\(response)&opaque=\(opaque)")
        return (query, answering, rejection(answering))
    }

    @Test func verifierIsTheBase64MD5OfUserSaltAndPassword() throws {
        // The digest openssl computed, byte for byte, and its base64 form.
        let digest = try #require(Data(base64Encoded: Self.bobHash))
        #expect(digest.count == 16)
        #expect(AdobeAuthenticator.verifier(user: "bob", salt: Self.salt, password: Self.password) == Self.bobHash)
        #expect(UserConfiguration.hashed(user: "bob", password: Self.password, salt: Self.salt).passwordHash == Self.bobHash)
        // A fixed vector, so that a change of the input order or encoding shows even if openssl is missing.
        #expect(try Self.opensslVerifier("alice0123456789abcdefsecret-password") == "UYdTGBTW3E2jGpyJkw08Nw==")
        #expect(AdobeAuthenticator.verifier(user: "alice", salt: "0123456789abcdef", password: "secret-password")
            == "UYdTGBTW3E2jGpyJkw08Nw==")
    }

    @Test func hashedUserGetsItsSaltAndLogsIn() throws {
        let harness = try Harness()
        let (challenge, client, result) = try login(harness, user: "bob", password: Self.password)
        #expect(AccessPolicy.queryValue("salt", in: challenge) == Self.salt)
        #expect(result == "")
        let id = try client.createStream()
        client.session.publish(name: "cam", streamID: id)
        try client.flush()
        try client.waitFor("Publish.Start", client.status("NetStream.Publish.Start"))
        // Challenge and opaque stay fresh for each login.
        let (again, _, _) = try login(harness, user: "bob", password: Self.password)
        #expect(AccessPolicy.queryValue("salt", in: again) == Self.salt)
        #expect(AccessPolicy.queryValue("challenge", in: again) != AccessPolicy.queryValue("challenge", in: challenge))
        let logText = harness.logs.all.map { "\($0.message) \($0.metadata)" }.joined(separator: "\n")
        #expect(!logText.contains(Self.bobHash))
    }

    @Test func hashedUserWithWrongPasswordAndUnknownUserFail() throws {
        let harness = try Harness()
        let (_, _, wrong) = try login(harness, user: "bob", password: "wrong-password")
        #expect(wrong == AdobeAuthenticator.failed)
        // The hash itself is not the password: sending it as one fails.
        let (_, _, hashAsPassword) = try login(harness, user: "bob", password: Self.bobHash)
        #expect(hashAsPassword == AdobeAuthenticator.failed)
        // An unknown user gets a salt that stays the same between attempts, as bob's does.
        let (first, _, unknown) = try login(harness, user: "mallory", password: Self.password)
        let (second, _, _) = try login(harness, user: "mallory", password: Self.password)
        #expect(unknown == AdobeAuthenticator.failed)
        let salt = AccessPolicy.queryValue("salt", in: first)
        #expect(salt != nil)
        #expect(salt == AccessPolicy.queryValue("salt", in: second))
        #expect(salt != Self.salt)
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: FFmpegLoginTests.ffmpeg)))
    func ffmpegLogsInWithThePasswordOfAHashedUser() throws {
        let harness = try Harness()
        let url = "rtmp://bob:\(Self.password)@127.0.0.1:\(harness.port)/vault/cam"
        let result = try FFmpegLoginTests().publish(to: url)
        #expect(result.status == 0, "ffmpeg failed: \(result.errorOutput)")
        #expect(harness.logs.all.contains { record in
            record.message == "publish started" && record.metadata["rtmp.stream"] == "vault/cam"
                && record.metadata["auth.user"] == "bob"
        })

        let rejected = try FFmpegLoginTests().publish(to: "rtmp://bob:wrong-password@127.0.0.1:\(harness.port)/vault/other")
        #expect(rejected.status != 0)
        #expect(!harness.logs.all.contains { $0.metadata["rtmp.stream"] == "vault/other" && $0.message == "publish started" })
    }

    @Test func configurationTakesExactlyOneOfPasswordAndHash() throws {
        let decoder = JSONDecoder()
        decoder.allowsJSON5 = true
        let text = "{ applications: [{ name: 'vault', users: [{ user: 'bob', salt: '\(Self.salt)', passwordHash: '\(Self.bobHash)' }] }] }"
        let decoded = try decoder.decode(ServerConfiguration.self, from: Data(text.utf8))
        #expect(throws: Never.self) { try decoded.validate() }
        #expect(decoded.applications[0].users[0].passwordHash == Self.bobHash)
        #expect(decoded.applications[0].users[0].password == nil)

        func message(_ user: UserConfiguration) -> String? {
            var configuration = ServerConfiguration()
            configuration.applications = [ApplicationConfiguration(name: "vault", users: [user])]
            do {
                try configuration.validate()
                return nil
            } catch {
                return "\(error)"
            }
        }
        let field = "applications[0].users[0]"
        var both = UserConfiguration(user: "bob", passwordHash: Self.bobHash, salt: Self.salt)
        both.password = Self.password
        #expect(message(both) == "invalid \(field): set password or passwordHash, not both")
        var neither = UserConfiguration(user: "bob", password: Self.password)
        neither.password = nil
        #expect(message(neither) == "missing \(field).password: set password or passwordHash with salt")
        var noSalt = UserConfiguration(user: "bob", passwordHash: Self.bobHash, salt: Self.salt)
        noSalt.salt = nil
        #expect(message(noSalt) == "missing \(field).salt: passwordHash needs the salt it was made with")
        let badSalt = UserConfiguration(user: "bob", passwordHash: Self.bobHash, salt: "a&b=c")
        #expect(message(badSalt)?.hasPrefix("invalid \(field).salt: use 8 to 64 letters and digits") == true)
        let badHash = UserConfiguration(user: "bob", passwordHash: Self.password, salt: Self.salt)
        #expect(message(badHash)?.hasPrefix("invalid \(field).passwordHash: use the base64 MD5") == true)
        // The message never repeats the value.
        #expect(message(badHash)?.contains(Self.password) == false)
        var saltWithPassword = UserConfiguration(user: "bob", password: Self.password)
        saltWithPassword.salt = Self.salt
        #expect(message(saltWithPassword) == "invalid \(field).salt: set salt only with passwordHash")
    }
}
