import Foundation
import Testing

/// Runs the `sealcast` executable the way a user does, with its own data folder.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct CommandLineTests {
    /// The executable, built next to the test bundle by `swift build`.
    static let executable: String = {
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for directory in [bundle, bundle.deletingLastPathComponent()] {
            let candidate = directory.appendingPathComponent("sealcast").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../.build/debug/sealcast").standardized.path
    }()

    func freshDataFolder() -> String {
        let path = Samples.directory.appendingPathComponent("data-\(UInt32.random(in: 0...UInt32.max))").path
        return path
    }

    /// Starts the server and waits until it logs both listeners.
    func startServer(_ arguments: [String], name: String) throws -> (ExternalProcess, rtmp: Int, rtmps: Int) {
        let server = try ExternalProcess(Self.executable, arguments, directory: Samples.directory, name: name)
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            let log = server.errorOutput
            if let rtmp = port(after: "listening for RTMP on 127.0.0.1:", in: log),
                let rtmps = port(after: "listening for RTMPS on 127.0.0.1:", in: log)
            {
                return (server, rtmp, rtmps)
            }
            guard server.process.isRunning else { break }
            usleep(50_000)
        }
        server.stop()
        throw InteropFailure("server did not start: \(server.errorOutput)")
    }

    func port(after prefix: String, in text: String) -> Int? {
        guard let range = text.range(of: prefix) else { return nil }
        return Int(text[range.upperBound...].prefix { $0.isNumber })
    }

    @Test func firstStartPrintsTheKeyOnceAndItPublishes() throws {
        let data = freshDataFolder()
        let arguments = ["--data-dir", data, "--rtmp", "127.0.0.1:0", "--rtmps", "127.0.0.1:0"]
        let (server, _, rtmps) = try startServer(arguments, name: "first-start")
        let key = try String(contentsOfFile: data + "/stream-key", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(key.count >= 22)

        // The key works as the stream name over RTMPS, and the stream plays as live/stream.
        let player = try ExternalProcess(
            Samples.ffmpeg,
            ["-hide_banner", "-nostdin", "-loglevel", "error", "-rw_timeout", "4000000",
             "-i", "rtmps://127.0.0.1:\(rtmps)/live/stream", "-map", "0", "-c", "copy", "-f", "framemd5", "-"],
            directory: Samples.directory, name: "first-start-play"
        )
        usleep(700_000)
        let publisher = try ExternalProcess(
            Samples.ffmpeg,
            ["-hide_banner", "-nostdin", "-loglevel", "error", "-re", "-i", Samples.bFrames.path, "-c", "copy",
             "-f", "flv", "rtmps://127.0.0.1:\(rtmps)/live/\(key)"],
            directory: Samples.directory, name: "first-start-publish"
        )
        #expect(publisher.wait(seconds: 30) == 0, "publishing with the printed key failed: \(publisher.errorOutput)")
        player.wait(seconds: 15)
        let source = try Samples.packets(of: Samples.bFrames)
        #expect(FramePacket.parse(player.output).count == source.count)

        kill(server.process.processIdentifier, SIGTERM)
        #expect(server.wait(seconds: 10) == 0, "SIGTERM did not stop the server cleanly")
        let log = server.errorOutput
        #expect(log.components(separatedBy: key).count - 1 == 2, "the key should appear in the two first-start lines only")
        #expect(log.contains("Stream Key: \(key)"))
        #expect(log.contains("SHA-256 fingerprint"))
        #expect(log.contains("stopped"))

        for file in ["stream-key", "private-key.pem", "certificate.pem"] {
            let attributes = try FileManager.default.attributesOfItem(atPath: data + "/" + file)
            #expect((attributes[.posixPermissions] as? Int) == 0o600, "\(file) is not mode 0600")
        }

        // A second start finds the key and does not print it again.
        let (again, _, _) = try startServer(arguments, name: "second-start")
        kill(again.process.processIdentifier, SIGINT)
        #expect(again.wait(seconds: 10) == 0)
        #expect(!again.errorOutput.contains(key))

        // `sealcast credentials` shows it again on request.
        let credentials = try run(Self.executable, ["credentials", "--data-dir", data], directory: Samples.directory, name: "credentials")
        #expect(credentials.contains("Stream Key: \(key)"))
    }

    func expectFailure(_ arguments: [String], status: Int32, message: String, name: String) throws {
        let process = try ExternalProcess(Self.executable, arguments, directory: Samples.directory, name: name)
        let exit = process.wait(seconds: 10)
        #expect(exit == status, "exit status \(exit.map(String.init) ?? "none"): \(process.errorOutput)")
        #expect(process.errorOutput.contains(message), "output: \(process.errorOutput)")
    }

    @Test func benchWithoutAServerSaysSo() throws {
        // Nothing listens on a port the kernel has just handed out and released.
        let url = "rtmp://127.0.0.1:\(try NginxRTMP.freePort())/live"
        try expectFailure(
            ["bench", "handshakes", "--url", url, "--duration", "1", "--server", "none"],
            status: 1, message: "no connection set-up succeeded", name: "bench-no-server"
        )
        try expectFailure(
            ["bench", "handshakes", "--url", url, "--duration", "1", "--server", "pid:999999"],
            status: 64, message: "matches no running process", name: "bench-no-pid"
        )
    }

    @Test func startupErrorsNameTheProblemAndExitNonZero() throws {
        let data = freshDataFolder()

        // A port that is in use.
        let (holder, rtmp, _) = try startServer(
            ["--data-dir", data, "--rtmp", "127.0.0.1:0", "--rtmps", "127.0.0.1:0"], name: "port-holder"
        )
        defer { holder.stop() }
        try expectFailure(
            ["--data-dir", data, "--rtmp", "127.0.0.1:\(rtmp)", "--rtmps", "off"],
            status: 1, message: "Address already in use", name: "port-in-use"
        )

        // A missing certificate.
        try expectFailure(
            ["--data-dir", data, "--rtmp", "off", "--rtmps", "127.0.0.1:0", "--cert", "/nonexistent/cert.pem",
             "--key", data + "/private-key.pem"],
            status: 78, message: "/nonexistent/cert.pem", name: "missing-cert"
        )

        // A key that does not belong to the certificate.
        let other = freshDataFolder()
        let (otherServer, _, _) = try startServer(
            ["--data-dir", other, "--rtmp", "127.0.0.1:0", "--rtmps", "127.0.0.1:0"], name: "other-cert"
        )
        otherServer.stop()
        try expectFailure(
            ["--data-dir", data, "--rtmp", "off", "--rtmps", "127.0.0.1:0", "--cert", data + "/certificate.pem",
             "--key", other + "/private-key.pem"],
            status: 78, message: "does not match", name: "key-mismatch"
        )

        // Invalid flags and values.
        try expectFailure(["--bogus"], status: 64, message: "unknown option --bogus", name: "bad-flag")
        try expectFailure(
            ["--data-dir", data, "--rtmp", "nonsense"], status: 78, message: "invalid rtmp address \"nonsense\"",
            name: "bad-address"
        )
        try expectFailure(
            ["--data-dir", data, "--stream-key", "live/show=short"], status: 78,
            message: "use at least 16 URL-safe characters", name: "short-key"
        )
    }

    @Test func configuredKeyReplacesTheGeneratedOne() throws {
        let data = freshDataFolder()
        let key = "configured-key-0123456789"
        let (server, _, _) = try startServer(
            ["--data-dir", data, "--rtmp", "127.0.0.1:0", "--rtmps", "127.0.0.1:0", "--stream-key", "live/show=\(key)"],
            name: "configured-key"
        )
        kill(server.process.processIdentifier, SIGTERM)
        #expect(server.wait(seconds: 10) == 0)
        #expect(!FileManager.default.fileExists(atPath: data + "/stream-key"))
        #expect(!server.errorOutput.contains("Stream Key:"))
        #expect(!server.errorOutput.contains(key))
    }

    @Test func helpAndVersionPrint() throws {
        let help = try run(Self.executable, ["--help"], directory: Samples.directory, name: "help")
        #expect(help.contains("--stream-key APP/NAME=KEY"))
        let version = try run(Self.executable, ["--version"], directory: Samples.directory, name: "version")
        #expect(version.hasPrefix("sealcast "))
    }
}
