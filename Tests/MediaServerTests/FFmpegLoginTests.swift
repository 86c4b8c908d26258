import Foundation
import Observability
import Testing

@testable import MediaServer

/// Debian's ffmpeg (5.1) publishing with `rtmp://user:password@host/app/stream`, which
/// makes it answer the server's `authmod=adobe` challenge.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct FFmpegLoginTests {
    static let ffmpeg = "/usr/bin/ffmpeg"

    /// Runs ffmpeg publishing two seconds of a test pattern; kills it after `seconds`.
    /// - Returns: the exit status and what ffmpeg wrote to standard error.
    func publish(to url: String, seconds: Double = 20) throws -> (status: Int32, errorOutput: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.ffmpeg)
        process.arguments = [
            "-hide_banner", "-nostdin", "-loglevel", "error", "-re", "-f", "lavfi",
            "-i", "testsrc=size=160x120:rate=10", "-t", "2", "-c:v", "flv", "-f", "flv", url,
        ]
        let errorPipe = Pipe()
        process.standardError = errorPipe
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { usleep(50_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        let errorOutput = String(decoding: errorPipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return (process.terminationStatus, errorOutput)
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: ffmpeg)))
    func ffmpegLogsInAndPublishes() throws {
        let harness = try AuthenticationTests.Harness()
        let url = "rtmp://alice:\(AuthenticationTests.password)@127.0.0.1:\(harness.port)/studio/cam"
        let result = try publish(to: url)
        #expect(result.status == 0, "ffmpeg failed: \(result.errorOutput)")
        let started = harness.logs.all.contains { record in
            record.message == "publish started" && record.metadata["rtmp.stream"] == "studio/cam"
                && record.metadata["auth.user"] == "alice"
        }
        #expect(started)
        #expect(!harness.logText.contains(AuthenticationTests.password))
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: ffmpeg)))
    func ffmpegWithWrongPasswordIsRejected() throws {
        let harness = try AuthenticationTests.Harness()
        let result = try publish(to: "rtmp://alice:wrong-password@127.0.0.1:\(harness.port)/studio/cam")
        #expect(result.status != 0)
        #expect(!harness.logs.all.contains { $0.message == "publish started" })
    }
}
