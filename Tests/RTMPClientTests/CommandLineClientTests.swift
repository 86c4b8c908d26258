import Foundation
import TLS
import Testing

/// `sealcast publish` and `sealcast play` run as processes against an in-process server.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct CommandLineClientTests {
    /// The executable that `swift build` puts next to the test bundle.
    static let executable: String = {
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for directory in [bundle, bundle.deletingLastPathComponent()] {
            let candidate = directory.appendingPathComponent("sealcast").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../.build/debug/sealcast").standardized.path
    }()

    @Test func publishAndPlayCommandsCopyTheFile() async throws {
        let source = try Samples.packets(of: Samples.h264AAC.path, name: "cli-source-framemd5")
        let server = try TestServer()
        let recorded = Samples.directory.appendingPathComponent("cli-recorded.flv")
        let pin = try SelfSignedCertificate.fingerprintSHA256(certificatePEMFile: Samples.certificate.chain)

        let player = try ChildProcess(
            Self.executable, ["play", server.rtmpsPlayURL, "--pin", pin, "-o", recorded.path], name: "cli-play"
        )
        let counter = try ChildProcess(Self.executable, ["play", server.playURL, "--duration", "60"], name: "cli-count")
        #expect(await server.waitForLog("play started", count: 2), "the players did not start playing")
        let publisher = try ChildProcess(Self.executable, ["publish", Samples.h264AAC.path, server.publishURL], name: "cli-publish")

        let publishStatus = await publisher.waitAsync(seconds: 60)
        #expect(publishStatus == 0, "publish: \(publisher.errorOutput)")
        #expect(await player.waitAsync(seconds: 30) == 0, "play: \(player.errorOutput)")
        #expect(await counter.waitAsync(seconds: 30) == 0, "play without -o: \(counter.errorOutput)")

        let played = try Samples.packets(of: recorded.path, name: "cli-recorded-framemd5")
        #expect(played == source, "\(played.count) of \(source.count) packets")
        // Without -o the player prints one progress line a second and a last one.
        let progress = counter.errorOutput.split(separator: "\n").filter { $0.hasPrefix("received ") }
        #expect(progress.count >= 3, "\(counter.errorOutput)")
        // The count includes the metadata and the data messages the server sends in reply to play.
        let lastCount = progress.last.flatMap { line in
            line.split(separator: " ").firstIndex(of: "messages,").flatMap { Int(line.split(separator: " ")[$0 - 1]) }
        }
        #expect((lastCount ?? 0) >= source.count, "\(progress.last ?? "no progress line")")
        #expect(!publisher.errorOutput.contains(TestServer.key))
    }

    @Test func wrongPinFailsWithAClearMessage() throws {
        let server = try TestServer()
        let wrongPin = String(repeating: "ab", count: 32)
        let player = try ChildProcess(Self.executable, ["play", server.rtmpsPlayURL, "--pin", wrongPin], name: "cli-wrong-pin")

        #expect(player.wait(seconds: 10) == 1)
        #expect(player.errorOutput.contains("does not match the pinned SHA-256 fingerprint"), "\(player.errorOutput)")
    }

    @Test func missingURLIsAUsageError() throws {
        let player = try ChildProcess(Self.executable, ["play"], name: "cli-no-url")
        #expect(player.wait(seconds: 10) == 64)
        #expect(player.errorOutput.contains("play needs one URL"), "\(player.errorOutput)")
    }
}
