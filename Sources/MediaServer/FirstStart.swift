import Foundation
import TLS

/// What the server generates in its data folder on first start: a self-signed
/// certificate and a random publish key for `live/stream`.
public struct DataFolder: Sendable {
    /// The folder.
    public let path: String

    /// The generated certificate chain.
    public var certificateFile: String { path + "/certificate.pem" }
    /// The generated private key.
    public var privateKeyFile: String { path + "/private-key.pem" }
    /// The generated publish key for `live/stream`.
    public var streamKeyFile: String { path + "/stream-key" }

    /// The application and stream name the generated key publishes.
    public static let defaultApplication = "live"
    public static let defaultStream = "stream"

    public init(path: String) {
        self.path = path
    }

    /// The default folder: `$SEALCAST_DATA_DIR`, else `$XDG_DATA_HOME/sealcast`, else `~/.local/share/sealcast`.
    public static func defaultPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let explicit = environment["SEALCAST_DATA_DIR"], !explicit.isEmpty { return explicit }
        if let xdg = environment["XDG_DATA_HOME"], !xdg.isEmpty { return xdg + "/sealcast" }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return home + "/.local/share/sealcast"
    }

    /// Creates the folder (mode 0700) when it does not exist.
    public func create() throws(ConfigurationError) {
        do {
            try FileManager.default.createDirectory(
                atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700]
            )
        } catch {
            throw ConfigurationError("cannot create data folder \(path): \(error.localizedDescription); choose another with --data-dir")
        }
    }

    /// Makes the self-signed certificate unless both files exist.
    /// - Returns: `true` when it made new files.
    public func ensureCertificate(hostName: String) throws(ConfigurationError) -> Bool {
        let manager = FileManager.default
        if manager.fileExists(atPath: certificateFile) && manager.fileExists(atPath: privateKeyFile) { return false }
        let generated: (certificatePEM: String, privateKeyPEM: String)
        do {
            var names = ["localhost"]
            if hostName != "localhost" && !hostName.isEmpty { names.append(hostName) }
            generated = try SelfSignedCertificate.generate(
                commonName: hostName.isEmpty ? "localhost" : hostName,
                dnsNames: names,
                ipAddresses: ["127.0.0.1", "::1"]
            )
        } catch {
            throw ConfigurationError("cannot generate a self-signed certificate: \(error)")
        }
        try Self.writeSecret(generated.privateKeyPEM, to: privateKeyFile)
        try Self.writeSecret(generated.certificatePEM, to: certificateFile)
        return true
    }

    /// Reads the publish key for `live/stream`, making a new random one when there is none.
    /// - Returns: the key, and whether it was made now.
    public func ensureStreamKey() throws(ConfigurationError) -> (key: String, created: Bool) {
        if let data = FileManager.default.contents(atPath: streamKeyFile) {
            let key = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard key.utf8.count >= 16, StreamNames.isValidSegment(key) else {
                throw ConfigurationError(
                    "stream key file \(streamKeyFile) is not a valid key: delete it to have a new one made at start"
                )
            }
            return (key, false)
        }
        let key = Self.newStreamKey()
        try Self.writeSecret(key + "\n", to: streamKeyFile)
        return (key, true)
    }

    /// A new random key: 24 bytes (192 bits) from OpenSSL's generator in URL-safe Base64 without padding.
    public static func newStreamKey() -> String {
        Data(Crypto.randomBytes(count: 24)).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Writes a file that only the owner may read (mode 0600), created with that mode
    /// so that it is never readable by others, not even for a moment.
    static func writeSecret(_ text: String, to path: String) throws(ConfigurationError) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw ConfigurationError("cannot write \(path): \(String(cString: strerror(errno))); check the data folder's permissions")
        }
        defer { close(descriptor) }
        fchmod(descriptor, 0o600)
        let bytes = Array(text.utf8)
        var written = 0
        while written < bytes.count {
            let result = bytes[written...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if result < 0 && errno == EINTR { continue }
            guard result > 0 else {
                throw ConfigurationError("cannot write \(path): \(String(cString: strerror(errno)))")
            }
            written += result
        }
    }
}

/// The instructions printed when the publish key is made, and again by `sealcast credentials`.
public enum PublishInstructions {
    /// Lines telling how to publish from OBS and ffmpeg and how to play, with the certificate fingerprint.
    /// - Parameter firstStart: whether the key was just made, which changes the opening line.
    public static func text(
        key: String, rtmps: ListenAddress?, rtmp: ListenAddress?, host: String, fingerprint: String?, firstStart: Bool
    ) -> String {
        let app = DataFolder.defaultApplication
        let stream = DataFolder.defaultStream
        let opening = firstStart
            ? "Sealcast is ready. This publish key is printed only now; `sealcast credentials` prints it again."
            : "The publish key for \(app)/\(stream) and how to use it:"
        var lines: [String] = [opening, ""]
        if let rtmps {
            lines += [
                "OBS: Settings > Stream > Service: Custom",
                "  Server:     rtmps://\(host):\(rtmps.port)/\(app)",
                "  Stream Key: \(key)",
                "ffmpeg:  ffmpeg -re -i INPUT -c copy -f flv rtmps://\(host):\(rtmps.port)/\(app)/\(key)",
                "play:    ffplay rtmps://\(host):\(rtmps.port)/\(app)/\(stream)",
            ]
        }
        if let rtmp {
            lines.append("         ffplay rtmp://\(host):\(rtmp.port)/\(app)/\(stream)   (plain RTMP)")
        }
        if let fingerprint {
            lines += ["", "Certificate SHA-256 fingerprint (self-signed; check it when a client asks):", "  \(fingerprint)"]
        }
        return lines.joined(separator: "\n")
    }
}
