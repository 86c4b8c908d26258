import Foundation
import Testing

/// SIGHUP against a running `sealcast serve`: new TLS connections get the new certificate, a
/// connection that was open goes on, and a broken file leaves the previous certificate in use.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct CertificateReloadTests {
    let folder = Samples.directory.appendingPathComponent("reload-\(UInt32.random(in: 0...UInt32.max))")
    var certificateFile: String { folder.appendingPathComponent("cert.pem").path }
    var keyFile: String { folder.appendingPathComponent("key.pem").path }

    /// Makes a new self-signed P-256 certificate with the openssl CLI, writes it over the
    /// server's files (each through a rename, so the server never reads half a file), and
    /// returns its SHA-256 fingerprint as openssl prints it.
    func replaceCertificate(name: String) throws -> String {
        let certificate = folder.appendingPathComponent("\(name)-cert.pem").path
        let key = folder.appendingPathComponent("\(name)-key.pem").path
        _ = try run(
            "/usr/bin/openssl",
            ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
             "-subj", "/CN=localhost", "-keyout", key, "-out", certificate],
            directory: folder, name: "make-\(name)"
        )
        try FileManager.default.copyItem(atPath: key, toPath: keyFile + ".new")
        try FileManager.default.copyItem(atPath: certificate, toPath: certificateFile + ".new")
        #expect(rename(keyFile + ".new", keyFile) == 0)
        #expect(rename(certificateFile + ".new", certificateFile) == 0)
        return try fingerprint(of: certificate)
    }

    func fingerprint(of certificate: String) throws -> String {
        let output = try run(
            "/usr/bin/openssl", ["x509", "-in", certificate, "-noout", "-fingerprint", "-sha256"],
            directory: folder, name: "fingerprint"
        )
        return output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Opens a new TLS connection with `openssl s_client` and returns the fingerprint of the
    /// certificate the server presented.
    func servedFingerprint(port: Int, name: String) throws -> String {
        let served = folder.appendingPathComponent("\(name).pem").path
        _ = try run(
            "/bin/sh",
            ["-c", "openssl s_client -connect 127.0.0.1:\(port) < /dev/null 2> /dev/null | openssl x509 -out \(served)"],
            directory: folder, name: name, seconds: 15
        )
        return try fingerprint(of: served)
    }

    /// Waits up to 5 seconds for `text` to appear `count` times in the server's log.
    func waitForLog(_ server: ExternalProcess, _ text: String, count: Int = 1) -> Bool {
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline {
            if server.errorOutput.components(separatedBy: text).count - 1 >= count { return true }
            usleep(50_000)
        }
        return false
    }

    @Test func sighupServesTheNewCertificateAndKeepsOpenConnections() throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let first = try replaceCertificate(name: "first")
        // The file check is off, so only SIGHUP can reload.
        let configuration = """
            { rtmp: "127.0.0.1:0", rtmps: "127.0.0.1:0", dataDirectory: "\(folder.path)/data",
              certificateFile: "\(certificateFile)", privateKeyFile: "\(keyFile)",
              tls: { reloadCheckSeconds: 0 },
              applications: [{ name: "live", openPublishing: true }] }
            """
        let configurationFile = folder.appendingPathComponent("sealcast.json5").path
        try configuration.write(toFile: configurationFile, atomically: true, encoding: .utf8)
        let (server, _, rtmps) = try CommandLineTests().startServer(
            ["serve", "--config", configurationFile], name: "reload-serve"
        )
        defer { server.stop() }
        let pid = server.process.processIdentifier
        #expect(try servedFingerprint(port: rtmps, name: "served-first") == first)

        // A player and a publisher over RTMPS that stay connected across the reloads.
        let url = "rtmps://127.0.0.1:\(rtmps)/live/show"
        let player = try ExternalProcess(
            Samples.ffmpeg,
            ["-hide_banner", "-nostdin", "-loglevel", "error", "-rw_timeout", "4000000",
             "-i", url, "-map", "0", "-c", "copy", "-f", "framemd5", "-"],
            directory: folder, name: "reload-play"
        )
        usleep(700_000)
        let publisher = try ExternalProcess(
            Samples.ffmpeg,
            ["-hide_banner", "-nostdin", "-loglevel", "error", "-re", "-i", Samples.h264AAC.path, "-c", "copy",
             "-f", "flv", url],
            directory: folder, name: "reload-publish"
        )
        usleep(1_500_000)
        #expect(publisher.process.isRunning, "the publisher ended early: \(publisher.errorOutput)")

        // A new certificate and SIGHUP: new connections get it.
        let second = try replaceCertificate(name: "second")
        #expect(second != first)
        #expect(kill(pid, SIGHUP) == 0)
        #expect(waitForLog(server, "reloaded the TLS certificates (SIGHUP)"))
        #expect(try servedFingerprint(port: rtmps, name: "served-second") == second)

        // A garbage certificate and SIGHUP: a warning, and the second certificate stays.
        try "not a certificate\n".write(toFile: certificateFile, atomically: true, encoding: .utf8)
        #expect(kill(pid, SIGHUP) == 0)
        #expect(waitForLog(server, "TLS certificate reload (SIGHUP) rejected, keeping the previous certificates"))
        #expect(try servedFingerprint(port: rtmps, name: "served-after-garbage") == second)
        #expect(server.process.isRunning)

        // The connections opened before both reloads carried the whole stream.
        #expect(publisher.wait(seconds: 30) == 0, "the publisher failed: \(publisher.errorOutput)")
        player.wait(seconds: 15)
        let source = try Samples.packets(of: Samples.h264AAC)
        #expect(FramePacket.parse(player.output).count == source.count, "player: \(player.errorOutput)")

        kill(pid, SIGTERM)
        #expect(server.wait(seconds: 10) == 0, "SIGTERM did not stop the server cleanly")
        let log = server.errorOutput
        #expect(log.components(separatedBy: "reloaded the TLS certificates (SIGHUP)").count - 1 == 1)
        // The warning names the file that failed.
        #expect(log.contains("rejected, keeping the previous certificates: Cannot read the PEM certificate file '\(certificateFile)'"))
    }
}
