import Foundation
import Network
import Observability
import Testing
import TLS

@testable import MediaServer

/// Runs testssl.sh (Debian package `testssl.sh`, command `testssl`) against an in-process RTMPS
/// listener on loopback and fails on any finding of severity MEDIUM or higher.
///
/// The server certificate comes from a test CA that testssl trusts through `--add-ca`, is
/// valid for 90 days and names a CRL, so that the scan judges the TLS policy rather than the
/// shortcomings of a throwaway certificate. `--fast` keeps the scan to about 70 to 85 seconds on
/// a shared 2-core machine; the run is stopped by its PID after 300 seconds.
@Suite struct TestsslTests {
    struct CommandFailed: Error, CustomStringConvertible {
        let description: String
    }

    /// Runs `arguments[0]` from PATH in `directory` and returns its exit status and output.
    /// Output goes to a file, so a long report cannot fill a pipe and stall the process.
    @discardableResult
    static func run(_ arguments: [String], in directory: URL, timeoutSeconds: Double) throws -> (Int32, String) {
        let outputFile = directory.appendingPathComponent("\(arguments[0]).out")
        FileManager.default.createFile(atPath: outputFile.path, contents: nil)
        let output = try FileHandle(forWritingTo: outputFile)
        defer { try? output.close() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.currentDirectoryURL = directory
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while process.isRunning && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.1)
        }
        if process.isRunning {
            kill(process.processIdentifier, SIGTERM)
            process.waitUntilExit()
            throw CommandFailed(description: "\(arguments[0]) timed out after \(Int(timeoutSeconds)) s")
        }
        let text = (try? String(contentsOf: outputFile, encoding: .utf8)) ?? ""
        return (process.terminationStatus, text)
    }

    /// Makes ca.pem, leaf.pem and leaf.key in `directory` with the openssl command.
    static func makeCertificates(in directory: URL) throws {
        let extensions = """
            subjectAltName=DNS:localhost,IP:127.0.0.1
            keyUsage=critical,digitalSignature
            extendedKeyUsage=serverAuth
            crlDistributionPoints=URI:http://127.0.0.1/sealcast-test.crl

            """
        try extensions.write(to: directory.appendingPathComponent("leaf.ext"), atomically: true, encoding: .utf8)
        let steps: [[String]] = [
            [
                "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", "ca.key", "-out", "ca.pem", "-subj", "/CN=Sealcast testssl CA", "-days", "120",
            ],
            [
                "openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", "leaf.key", "-out", "leaf.csr", "-subj", "/CN=localhost",
            ],
            [
                "openssl", "x509", "-req", "-in", "leaf.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-set_serial", "2",
                "-days", "90", "-extfile", "leaf.ext", "-out", "leaf.pem",
            ],
        ]
        for step in steps {
            let (status, output) = try run(step, in: directory, timeoutSeconds: 60)
            guard status == 0 else {
                throw CommandFailed(description: "\(step.joined(separator: " ")) exited with \(status): \(output)")
            }
        }
    }

    @Test(.timeLimit(.minutes(6)))
    func testsslFindsNothingOfMediumSeverityOrHigher() throws {
        let (status, _) = try Self.run(["sh", "-c", "command -v testssl"], in: FileManager.default.temporaryDirectory, timeoutSeconds: 10)
        try #require(status == 0, "testssl is not installed: apt-get install testssl.sh")

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sealcast-testssl-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try Self.makeCertificates(in: directory)

        let context = try TLSContext(
            configuration: .server(
                certificateChainFile: directory.appendingPathComponent("leaf.pem").path,
                privateKeyFile: directory.appendingPathComponent("leaf.key").path
            )
        )
        let server = try RTMPServer(
            settings: RTMPServer.Settings(
                rtmp: nil, rtmps: ListenAddress(host: "127.0.0.1", port: 0), tls: context,
                applications: [ApplicationConfiguration(name: "live")], eventLoops: 1
            ),
            logger: Logger(label: "test", level: .info, handler: MemoryLogHandler())
        )
        defer { server.shutdown() }
        let port = try #require(server.rtmpsAddress?.port)

        // Every finding goes to the JSON file; the filter below applies the severity threshold,
        // so the test can also check the protocol findings that prove the scan reached the server.
        let (_, report) = try Self.run(
            [
                "testssl", "--quiet", "--color", "0", "--fast", "--warnings", "off", "--connect-timeout", "5",
                "--openssl-timeout", "5", "--add-ca", "ca.pem", "--jsonfile", "result.json", "127.0.0.1:\(port)",
            ],
            in: directory,
            timeoutSeconds: 300
        )
        let data = try Data(contentsOf: directory.appendingPathComponent("result.json"))
        let findings = try #require(try JSONSerialization.jsonObject(with: data) as? [[String: Any]], "\(report)")
        func finding(_ id: String) -> String? {
            findings.first { $0["id"] as? String == id }?["finding"] as? String
        }

        let serious = findings.filter { ["MEDIUM", "HIGH", "CRITICAL"].contains($0["severity"] as? String ?? "") }
        let lines = serious.map { "\($0["severity"] ?? "?") \($0["id"] ?? "?"): \($0["finding"] ?? "")" }
        #expect(serious.isEmpty, "testssl findings:\n\(lines.joined(separator: "\n"))")
        #expect(finding("TLS1_3")?.hasPrefix("offered") == true)
        #expect(finding("TLS1_2")?.hasPrefix("offered") == true)
        #expect(finding("TLS1_1") == "not offered")
        #expect(finding("TLS1") == "not offered")
    }
}
