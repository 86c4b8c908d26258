import Foundation
import TLS

/// A temporary directory for one test's PEM files, removed by `remove()`.
struct TestDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("sealcast-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String {
        url.appendingPathComponent(name).path
    }

    /// Writes `text` to `name` inside the directory and returns the file's path.
    @discardableResult
    func write(_ text: String, to name: String) throws -> String {
        let filePath = path(name)
        try text.write(toFile: filePath, atomically: true, encoding: .utf8)
        return filePath
    }

    func remove() {
        try? FileManager.default.removeItem(at: url)
    }
}

/// Errors from running the `openssl` command line tool.
struct CommandFailed: Error, CustomStringConvertible {
    let description: String
}

/// Runs `openssl` with `arguments` in `directory` and returns its standard output.
///
/// Each run is bounded to 60 seconds and terminated by its PID when it takes longer.
@discardableResult
func runOpenSSL(_ arguments: [String], in directory: TestDirectory) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["openssl"] + arguments
    process.currentDirectoryURL = directory.url
    let output = Pipe()
    let errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    try process.run()

    // The pipes are read after exit, because these commands print a few KiB, far below a pipe's capacity.
    let deadline = Date().addingTimeInterval(60)
    while process.isRunning && Date() < deadline {
        Thread.sleep(forTimeInterval: 0.01)
    }
    if process.isRunning {
        process.terminate()
        throw CommandFailed(description: "openssl \(arguments.joined(separator: " ")) timed out after 60 s")
    }
    let outputData = output.fileHandleForReading.readDataToEndOfFile()
    let errorData = errors.fileHandleForReading.readDataToEndOfFile()
    guard process.terminationStatus == 0 else {
        let message = String(decoding: errorData, as: UTF8.self)
        throw CommandFailed(
            description: "openssl \(arguments.joined(separator: " ")) exited with \(process.terminationStatus): \(message)"
        )
    }
    return String(decoding: outputData, as: UTF8.self)
}

/// Paths of a server's PEM certificate chain and private key.
struct ServerIdentity {
    let certificatePath: String
    let keyPath: String

    /// Creates a self-signed ECDSA certificate for localhost, 127.0.0.1 and ::1 with `SelfSignedCertificate`.
    static func selfSigned(in directory: TestDirectory, name: String = "server") throws -> ServerIdentity {
        let generated = try SelfSignedCertificate.generate(
            commonName: "localhost",
            dnsNames: ["localhost"],
            ipAddresses: ["127.0.0.1", "::1"]
        )
        return ServerIdentity(
            certificatePath: try directory.write(generated.certificatePEM, to: "\(name).pem"),
            keyPath: try directory.write(generated.privateKeyPEM, to: "\(name).key")
        )
    }

    /// Creates a self-signed RSA 2048 certificate with `openssl req -x509`.
    static func rsaFromCommandLine(in directory: TestDirectory) throws -> ServerIdentity {
        try runOpenSSL(
            [
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "rsa.key", "-out", "rsa.pem",
                "-subj", "/CN=localhost", "-days", "2", "-addext", "subjectAltName=DNS:localhost",
            ],
            in: directory
        )
        return ServerIdentity(certificatePath: directory.path("rsa.pem"), keyPath: directory.path("rsa.key"))
    }

    func serverContext(minimumVersion: TLSVersion = .tls12) throws -> TLSContext {
        var configuration = TLSConfiguration.server(certificateChainFile: certificatePath, privateKeyFile: keyPath)
        configuration.minimumVersion = minimumVersion
        return try TLSContext(configuration: configuration)
    }
}

/// A test CA made with the `openssl` command line, able to issue leaf certificates.
struct TestCertificateAuthority {
    let directory: TestDirectory
    let name: String

    var certificatePath: String { directory.path("\(name).pem") }
    var keyPath: String { directory.path("\(name).key") }

    static func create(in directory: TestDirectory, name: String = "ca") throws -> TestCertificateAuthority {
        try runOpenSSL(
            [
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", "\(name).key", "-out", "\(name).pem", "-subj", "/CN=Sealcast Test CA \(name)", "-days", "2",
            ],
            in: directory
        )
        return TestCertificateAuthority(directory: directory, name: name)
    }

    /// Issues an ECDSA leaf certificate for `subjectAltName`, valid for `days` days from now.
    ///
    /// A negative `days` puts the end of the validity period in the past, which makes an expired certificate.
    func issue(_ leafName: String, subjectAltName: String, days: Int) throws -> ServerIdentity {
        try runOpenSSL(
            [
                "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", "\(leafName).key", "-out", "\(leafName).csr", "-subj", "/CN=\(leafName)",
            ],
            in: directory
        )
        try directory.write("subjectAltName=\(subjectAltName)\n", to: "\(leafName).ext")
        try runOpenSSL(
            [
                "x509", "-req", "-in", "\(leafName).csr", "-CA", "\(name).pem", "-CAkey", "\(name).key",
                "-set_serial", "\(Int.random(in: 1...1_000_000))", "-days", "\(days)",
                "-extfile", "\(leafName).ext", "-out", "\(leafName).pem",
            ],
            in: directory
        )
        return ServerIdentity(certificatePath: directory.path("\(leafName).pem"), keyPath: directory.path("\(leafName).key"))
    }
}
