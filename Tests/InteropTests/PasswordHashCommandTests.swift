import Foundation
import Testing

/// `sealcast credentials --user`: the printed users entry contains base64(md5(user + salt +
/// password)) as openssl computes it, and a server configured with it lets ffmpeg log in.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct PasswordHashCommandTests {
    static let password = "correct-horse-battery"

    let folder = Samples.directory.appendingPathComponent("hash-\(UInt32.random(in: 0...UInt32.max))")

    func opensslVerifier(_ text: String) throws -> String {
        try run(
            "/bin/sh", ["-c", "printf '%s' \"$1\" | openssl dgst -md5 -binary | openssl base64", "sh", text],
            directory: folder, name: "openssl-md5"
        ).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func printedEntryMatchesOpenSSLAndLogsFFmpegIn() throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let passwordFile = folder.appendingPathComponent("password.txt").path
        try (Self.password + "\n").write(toFile: passwordFile, atomically: true, encoding: .utf8)

        // With a given salt, the entry is exactly openssl's digest of "bob" + salt + password.
        let salt = "0123456789abcdefSALT"
        let entry = try run(
            CommandLineTests.executable, ["credentials", "--user", "bob", "--password-file", passwordFile, "--salt", salt],
            directory: folder, name: "credentials-user"
        ).trimmingCharacters(in: .whitespacesAndNewlines)
        let expected = try opensslVerifier("bob" + salt + Self.password)
        #expect(entry == "{ user: \"bob\", salt: \"\(salt)\", passwordHash: \"\(expected)\" }")
        #expect(!entry.contains(Self.password))

        // Without one, a new random salt (32 hex digits) each time.
        let random = try run(
            CommandLineTests.executable, ["credentials", "--user", "bob", "--password-file", passwordFile],
            directory: folder, name: "credentials-random"
        )
        let randomSalt = random.components(separatedBy: "salt: \"").last?.prefix { $0 != "\"" } ?? ""
        #expect(randomSalt.count == 32)
        #expect(randomSalt.allSatisfy { $0.isHexDigit })
        #expect(random.contains("passwordHash: \"\(try opensslVerifier("bob" + randomSalt + Self.password))\""))

        // The printed entry, pasted into a configuration, logs ffmpeg in with the password.
        let configuration = """
            { rtmp: "127.0.0.1:0", rtmps: "127.0.0.1:0", dataDirectory: "\(folder.path)/data",
              applications: [{ name: "vault", users: [\(entry)] }] }
            """
        let configurationFile = folder.appendingPathComponent("sealcast.json5").path
        try configuration.write(toFile: configurationFile, atomically: true, encoding: .utf8)
        let (server, rtmp, _) = try CommandLineTests().startServer(
            ["serve", "--config", configurationFile, "--log-level", "debug"], name: "hash-serve"
        )
        defer { server.stop() }
        let publisher = try ExternalProcess(
            Samples.ffmpeg,
            ["-hide_banner", "-nostdin", "-loglevel", "error", "-re", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=10",
             "-t", "2", "-c:v", "flv", "-f", "flv", "rtmp://bob:\(Self.password)@127.0.0.1:\(rtmp)/vault/cam"],
            directory: folder, name: "hash-publish"
        )
        #expect(publisher.wait(seconds: 30) == 0, "ffmpeg failed: \(publisher.errorOutput)")
        let wrong = try ExternalProcess(
            Samples.ffmpeg,
            ["-hide_banner", "-nostdin", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=10",
             "-t", "1", "-c:v", "flv", "-f", "flv", "rtmp://bob:wrong-password@127.0.0.1:\(rtmp)/vault/other"],
            directory: folder, name: "hash-publish-wrong"
        )
        #expect(wrong.wait(seconds: 30) != 0)

        kill(server.process.processIdentifier, SIGTERM)
        #expect(server.wait(seconds: 10) == 0)
        let log = server.errorOutput
        #expect(log.contains("publish started"), "log: \(log.suffix(2000))")
        #expect(log.contains("login failed: wrong user name or password"))
        #expect(!log.contains(Self.password))
        #expect(!log.contains(expected))
    }

    @Test func badInputsExitWithAReason() throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let shortFile = folder.appendingPathComponent("short.txt").path
        try "short\n".write(toFile: shortFile, atomically: true, encoding: .utf8)
        let command = CommandLineTests()
        try command.expectFailure(
            ["credentials", "--user", "bob", "--password-file", shortFile], status: 78,
            message: "too short: use at least 8 characters", name: "hash-short"
        )
        let passwordFile = folder.appendingPathComponent("password.txt").path
        try Self.password.write(toFile: passwordFile, atomically: true, encoding: .utf8)
        try command.expectFailure(
            ["credentials", "--user", "bob", "--password-file", passwordFile, "--salt", "a&b"], status: 78,
            message: "use 8 to 64 letters and digits", name: "hash-bad-salt"
        )
        try command.expectFailure(
            ["credentials", "--user", "bob"], status: 64, message: "needs --password-file", name: "hash-no-file"
        )
        try command.expectFailure(
            ["serve", "--user", "bob"], status: 64, message: "--user does not apply to sealcast serve", name: "hash-serve-flag"
        )
    }
}
