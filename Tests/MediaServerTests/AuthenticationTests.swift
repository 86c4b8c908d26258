import Foundation
import Observability
import RTMP
import Testing

@testable import MediaServer

/// Tokens, Adobe login and publisher replacement, end to end over loopback.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct AuthenticationTests {
    static let key = "auth-key-0123456789abcdef"
    static let secret = "token-secret-0123456789abcdef-0123456789"
    static let password = "correct-horse-battery"

    final class Harness {
        let server: RTMPServer
        let logs = MemoryLogHandler()

        init() throws {
            let applications = [
                ApplicationConfiguration(
                    name: "live", streamKeys: [StreamKeyConfiguration(stream: "show", key: AuthenticationTests.key)],
                    tokenSecrets: [AuthenticationTests.secret], duplicatePublisher: .replace
                ),
                ApplicationConfiguration(
                    name: "private", tokenSecrets: [AuthenticationTests.secret], playRequiresCredentials: true
                ),
                ApplicationConfiguration(
                    name: "studio", users: [UserConfiguration(user: "alice", password: AuthenticationTests.password)]
                ),
                ApplicationConfiguration(
                    name: "lan", openPublishing: true, publishDeny: ["127.0.0.0/8"], playAllow: ["10.0.0.0/8", "::1"]
                ),
                ApplicationConfiguration(
                    name: "local", openPublishing: true, publishAllow: ["127.0.0.1"], playDeny: ["192.0.2.0/24"]
                ),
            ]
            server = try RTMPServer(
                settings: RTMPServer.Settings(
                    rtmp: ListenAddress(host: "127.0.0.1", port: 0), rtmps: nil, tls: nil,
                    applications: applications, eventLoops: 2
                ),
                logger: Logger(label: "test", level: .trace, handler: logs)
            )
        }

        var port: Int { server.rtmpAddress!.port }

        func client(flashVersion: String? = nil) throws -> BlockingClient {
            var configuration = ClientSession.Configuration()
            if let flashVersion { configuration.flashVersion = flashVersion }
            return try BlockingClient(port: port, configuration: configuration)
        }

        /// Every log message and metadata value so far, as one text.
        var logText: String {
            logs.all.map { record in
                record.message + " " + record.metadata.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            }.joined(separator: "\n")
        }

        deinit { server.shutdown() }
    }

    static func token(_ app: String, _ stream: String, _ action: StreamToken.Action, expiresIn seconds: Int64 = 60) -> String {
        let expires = Int64(Date().timeIntervalSince1970) + seconds
        return StreamToken.mint(secret: secret, app: app, stream: stream, action: action, expires: expires)
    }

    func publishCode(_ harness: Harness, _ name: String, app: String = "live") throws -> String {
        try harness.client().publish(name, app: app).code
    }

    func playCode(_ harness: Harness, _ name: String, app: String) throws -> String {
        let player = try harness.client()
        try player.connect(app: app)
        let id = try player.createStream()
        player.session.play(name: name, streamID: id)
        try player.flush()
        let event = try player.waitFor("play status") { event in
            if case .status(_, _, let code, _) = event { return code.hasPrefix("NetStream.Play.") && code != "NetStream.Play.Reset" }
            return false
        }
        guard case .status(_, _, let code, _) = event else { return "" }
        return code
    }

    @Test func publishTokenAllowsOnlyItsStream() throws {
        let harness = try Harness()
        #expect(try publishCode(harness, "news?token=\(Self.token("live", "news", .publish))") == "NetStream.Publish.Start")
        let cases = [
            ("expired", "sports?token=\(Self.token("live", "sports", .publish, expiresIn: -120))"),
            ("wrong stream", "sports?token=\(Self.token("live", "news", .publish))"),
            ("wrong action", "sports?token=\(Self.token("live", "sports", .play))"),
            ("wrong application", "sports?token=\(Self.token("private", "sports", .publish))"),
            ("malformed", "sports?token=v1.x.y"),
        ]
        for (reason, name) in cases {
            #expect(try publishCode(harness, name) == "NetStream.Publish.Denied", "\(reason) token")
        }
    }

    @Test func restrictedPlayNeedsAPlayToken() throws {
        let harness = try Harness()
        #expect(try playCode(harness, "show?token=\(Self.token("private", "show", .play))", app: "private") == "NetStream.Play.Start")
        #expect(try playCode(harness, "show", app: "private") == "NetStream.Play.Failed")
        #expect(try playCode(harness, "show?token=\(Self.token("private", "show", .publish))", app: "private") == "NetStream.Play.Failed")
        #expect(try playCode(harness, "show?token=\(Self.token("private", "other", .play))", app: "private") == "NetStream.Play.Failed")
        // Play in an application without restriction needs nothing.
        #expect(try playCode(harness, "show", app: "live") == "NetStream.Play.Start")
    }

    /// Runs the three connects of an Adobe login and returns the last client, connected or rejected.
    func login(_ harness: Harness, user: String, password: String) throws -> (client: BlockingClient, descriptions: [String]) {
        var descriptions: [String] = []
        func rejection(_ client: BlockingClient) -> String? {
            for event in client.events { if case .connectRejected(let description) = event { return description } }
            return nil
        }
        let first = try harness.client()
        try first.connect(app: "studio")
        descriptions.append(rejection(first) ?? "")

        let second = try harness.client()
        try second.connect(app: "studio?authmod=adobe&user=\(user)")
        let challenge = rejection(second) ?? ""
        descriptions.append(challenge)
        let query = String(challenge.split(separator: "?").last ?? "")
        let salt = AccessPolicy.queryValue("salt", in: query) ?? ""
        let opaque = AccessPolicy.queryValue("opaque", in: query) ?? ""
        let response = AdobeAuthenticator.response(
            user: user, password: password, salt: salt, serverChallenge: opaque, clientChallenge: "1a2b3c4d"
        )
        let third = try harness.client()
        try third.connect(app: "studio?authmod=adobe&user=\(user)&challenge=1a2b3c4d&response=\(response)&opaque=\(opaque)")
        descriptions.append(rejection(third) ?? "")
        return (third, descriptions)
    }

    @Test func adobeLoginLetsTheEncoderPublish() throws {
        let harness = try Harness()
        let (client, descriptions) = try login(harness, user: "alice", password: Self.password)
        #expect(descriptions[0] == "[ AccessManager.Reject ] : [ code=403 need auth; authmod=adobe ] : ")
        #expect(descriptions[1].hasPrefix("[ AccessManager.Reject ] : [ authmod=adobe ] : ?reason=needauth&user=alice&salt="))
        #expect(descriptions[1].contains("&challenge="))
        #expect(descriptions[1].contains("&opaque="))
        #expect(descriptions[2] == "")
        let id = try client.createStream()
        client.session.publish(name: "cam", streamID: id)
        try client.flush()
        try client.waitFor("Publish.Start", client.status("NetStream.Publish.Start"))
    }

    @Test func adobeLoginWithWrongPasswordFails() throws {
        let harness = try Harness()
        let (_, descriptions) = try login(harness, user: "alice", password: "wrong-password")
        #expect(descriptions[2] == "[ AccessManager.Reject ] : [ authmod=adobe ] : ?reason=authfailed")
        let (_, unknown) = try login(harness, user: "mallory", password: Self.password)
        #expect(unknown[2] == "[ AccessManager.Reject ] : [ authmod=adobe ] : ?reason=authfailed")

        // Each failure is logged at info with the user name, so repeated attempts show.
        let failures = harness.logs.all.filter { $0.level == .info && $0.message.hasPrefix("login failed") }
        #expect(failures.map { $0.metadata["auth.user"] } == ["alice", "mallory"])
        #expect(!harness.logs.all.contains { $0.message.contains("wrong-password") || $0.metadata.values.contains("wrong-password") })
    }

    @Test func playerNeedsNoLoginInAnApplicationWithUsers() throws {
        let harness = try Harness()
        let player = try harness.client(flashVersion: "LNX 9,0,124,2")
        _ = try player.play("cam", app: "studio")
    }

    @Test func credentialedPublisherReplacesTheCurrentOne() throws {
        let harness = try Harness()
        let player = try harness.client()
        _ = try player.play("show")

        let first = try harness.client()
        let (firstStream, firstCode) = try first.publish(Self.key)
        #expect(firstCode == "NetStream.Publish.Start")
        try first.send(Media.video(Media.videoSequenceHeader(1), at: 0, on: firstStream))
        try first.send(Media.video(Media.keyframe(1), at: 0, on: firstStream))

        let second = try harness.client()
        let (secondStream, secondCode) = try second.publish("show?token=\(Self.token("live", "show", .publish))")
        #expect(secondCode == "NetStream.Publish.Start")
        #expect(try first.serverCloses(within: 3))

        try second.send(Media.video(Media.videoSequenceHeader(2), at: 0, on: secondStream))
        try second.send(Media.video(Media.keyframe(2), at: 40, on: secondStream))
        let deadline = Date().addingTimeInterval(5)
        while !player.media.contains(where: { $0.payload == Media.keyframe(2) }) && Date() < deadline {
            try player.readOnce()
        }
        #expect(player.media.contains { $0.payload == Media.keyframe(2) })
        #expect(!player.events.contains { event in
            if case .status(_, _, let code, _) = event { return code == "NetStream.Play.UnpublishNotify" }
            return false
        })
    }

    @Test func addressListsDecidePublishAndPlay() throws {
        let harness = try Harness()
        #expect(try publishCode(harness, "cam", app: "lan") == "NetStream.Publish.Denied")
        #expect(try playCode(harness, "cam", app: "lan") == "NetStream.Play.Failed")
        #expect(try publishCode(harness, "cam", app: "local") == "NetStream.Publish.Start")
        #expect(try playCode(harness, "cam", app: "local") == "NetStream.Play.Start")
    }

    @Test func secretsNeverReachTheLog() throws {
        let harness = try Harness()
        let publishToken = Self.token("live", "news", .publish)
        let playToken = Self.token("private", "news", .play)
        let wrongToken = Self.token("live", "other", .publish)
        _ = try publishCode(harness, "news?token=\(publishToken)")
        _ = try publishCode(harness, "news?token=\(wrongToken)")
        _ = try publishCode(harness, "not-the-key-0123456789")
        _ = try publishCode(harness, Self.key)
        _ = try playCode(harness, "news?token=\(playToken)", app: "private")
        _ = try playCode(harness, Self.key, app: "live")
        _ = try login(harness, user: "alice", password: Self.password)
        _ = try login(harness, user: "alice", password: "wrong-password")
        usleep(200_000)

        let text = harness.logText
        #expect(!text.isEmpty)
        for secret in [Self.key, Self.secret, Self.password, "wrong-password", "not-the-key-0123456789",
                       publishToken, playToken, wrongToken] {
            #expect(!text.contains(secret), "a secret is in the log")
        }
        // The MAC part alone must not appear either.
        for token in [publishToken, playToken, wrongToken] {
            let mac = String(token.split(separator: ".").last ?? "")
            #expect(!text.contains(mac), "a token MAC is in the log")
        }
    }
}
