import Foundation
import Network
import Observability

/// A listener address: a host (IPv4, IPv6 or name) and a TCP port (0 lets the kernel pick one).
public struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `HOST:PORT`, `[IPV6]:PORT` or `:PORT` (all interfaces).
    /// - Returns: `nil` when the text is not of that form or the port is out of range.
    public init?(parsing text: String) {
        var host: Substring
        var portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { return nil }
            portText = rest.dropFirst()
        } else {
            guard let colon = text.lastIndex(of: ":") else { return nil }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
            // A bare IPv6 address needs brackets so that its port is unambiguous.
            if host.contains(":") { return nil }
        }
        if host.isEmpty { host = "0.0.0.0" }
        guard let port = Int(portText), (0...65_535).contains(port) else { return nil }
        self.host = String(host)
        self.port = port
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

extension ServerConfiguration {
    /// The RTMP listener, or `nil` when it is turned off.
    /// - Throws: `ConfigurationError` when the address is not `HOST:PORT`.
    public func rtmpAddress() throws(ConfigurationError) -> ListenAddress? {
        try Self.address(rtmp, field: "rtmp", example: "0.0.0.0:1935")
    }

    /// The RTMPS listener, or `nil` when it is turned off.
    /// - Throws: `ConfigurationError` when the address is not `HOST:PORT`.
    public func rtmpsAddress() throws(ConfigurationError) -> ListenAddress? {
        try Self.address(rtmps, field: "rtmps", example: "0.0.0.0:1936")
    }

    private static func address(_ text: String?, field: String, example: String) throws(ConfigurationError) -> ListenAddress? {
        guard let text, text != "off" else { return nil }
        guard let address = ListenAddress(parsing: text) else {
            throw ConfigurationError(
                "invalid \(field) address \"\(text)\": use HOST:PORT such as \(example), [::]:PORT for IPv6, or off"
            )
        }
        return address
    }

    /// The log level as a value.
    /// - Throws: `ConfigurationError` naming the accepted levels.
    public func parsedLogLevel() throws(ConfigurationError) -> Observability.LogLevel {
        guard let level = LogLevel(rawValue: logLevel.lowercased()) else {
            let names = LogLevel.allCases.map(\.rawValue).joined(separator: ", ")
            throw ConfigurationError("invalid logLevel \"\(logLevel)\": use one of \(names)")
        }
        return level
    }

    /// Checks every field and throws on the first value that cannot work.
    /// - Throws: `ConfigurationError` naming the field, the value and the fix.
    public func validate() throws(ConfigurationError) {
        let rtmpListener = try rtmpAddress()
        let rtmpsListener = try rtmpsAddress()
        if rtmpListener == nil && rtmpsListener == nil {
            throw ConfigurationError("both rtmp and rtmps are off: enable at least one listener")
        }
        _ = try parsedLogLevel()
        if (certificateFile == nil) != (privateKeyFile == nil) {
            throw ConfigurationError(
                "certificateFile and privateKeyFile go together: set both, or neither to use a generated certificate"
            )
        }
        guard (0...256).contains(eventLoops) else {
            throw ConfigurationError("invalid eventLoops \(eventLoops): use 0 (one per core) up to 256")
        }
        try validateApplications()
        _ = try proxyProtocol?.settings()
        try limits.validate()
        try shutdown.validate()
        try tls.validate()
    }

    private func validateApplications() throws(ConfigurationError) {
        var seen = Set<String>()
        for (index, application) in applications.enumerated() {
            let field = "applications[\(index)]"
            guard StreamNames.isValidSegment(application.name) else {
                throw ConfigurationError(
                    "invalid \(field).name \"\(application.name)\": use letters, digits, '-', '_' or '.'"
                )
            }
            guard seen.insert(application.name).inserted else {
                throw ConfigurationError("duplicate \(field).name \"\(application.name)\": each application is listed once")
            }
            for (keyIndex, streamKey) in application.streamKeys.enumerated() {
                let keyField = "\(field).streamKeys[\(keyIndex)]"
                guard StreamNames.isValidSegment(streamKey.stream) else {
                    throw ConfigurationError(
                        "invalid \(keyField).stream \"\(streamKey.stream)\": use letters, digits, '-', '_' or '.'"
                    )
                }
                guard streamKey.key.utf8.count >= 16, StreamNames.isValidSegment(streamKey.key) else {
                    // The key itself is a secret, so the message does not repeat it.
                    throw ConfigurationError(
                        "invalid \(keyField).key: use at least 16 URL-safe characters (letters, digits, '-', '_', '.')"
                    )
                }
            }
            try Self.validateCredentials(application, field: field)
        }
    }

    private static func validateCredentials(_ application: ApplicationConfiguration, field: String) throws(ConfigurationError) {
        for (index, secret) in application.tokenSecrets.enumerated() where secret.utf8.count < StreamToken.minimumSecretBytes {
            // The secret is not repeated in the message.
            throw ConfigurationError(
                "invalid \(field).tokenSecrets[\(index)]: use at least \(StreamToken.minimumSecretBytes) bytes, "
                    + "for example 64 hex digits from `openssl rand -hex 32`"
            )
        }
        let lists = [
            ("publishAllow", application.publishAllow), ("publishDeny", application.publishDeny),
            ("playAllow", application.playAllow), ("playDeny", application.playDeny),
        ]
        for (name, entries) in lists {
            for (index, entry) in entries.enumerated() where AddressRange(parsing: entry) == nil {
                throw ConfigurationError(
                    "invalid \(field).\(name)[\(index)] \"\(entry)\": use an IPv4 or IPv6 address or network "
                        + "such as 192.0.2.7, 10.0.0.0/8 or 2001:db8::/32"
                )
            }
        }
        if let webhook = application.webhook {
            let url = URL(string: webhook.url)
            guard let scheme = url?.scheme, scheme == "http" || scheme == "https", url?.host != nil else {
                throw ConfigurationError(
                    "invalid \(field).webhook.url \"\(webhook.url)\": use an http:// or https:// URL with a host"
                )
            }
            guard (100...60_000).contains(webhook.timeoutMilliseconds) else {
                throw ConfigurationError(
                    "invalid \(field).webhook.timeoutMilliseconds \(webhook.timeoutMilliseconds): use 100 to 60000"
                )
            }
        }
        var users = Set<String>()
        for (index, user) in application.users.enumerated() {
            let userField = "\(field).users[\(index)]"
            guard StreamNames.isValidSegment(user.user) else {
                throw ConfigurationError("invalid \(userField).user \"\(user.user)\": use letters, digits, '-', '_' or '.'")
            }
            guard users.insert(user.user).inserted else {
                throw ConfigurationError("duplicate \(userField).user \"\(user.user)\": each user is listed once")
            }
            try ApplicationConfiguration.validateSecret(of: user, field: userField)
        }
    }
}

extension ApplicationConfiguration {
    /// Checks that `user` has a password of at least 8 characters, or a verifier and its salt, not both.
    static func validateSecret(of user: UserConfiguration, field: String) throws(ConfigurationError) {
        switch (user.password, user.passwordHash) {
        case (let password?, nil):
            guard password.utf8.count >= 8 else {
                throw ConfigurationError("invalid \(field).password: use at least 8 characters")
            }
            guard user.salt == nil else {
                throw ConfigurationError("invalid \(field).salt: set salt only with passwordHash")
            }
        case (nil, let hash?):
            guard let salt = user.salt else {
                throw ConfigurationError("missing \(field).salt: passwordHash needs the salt it was made with")
            }
            guard AdobeAuthenticator.isValidSalt(salt) else {
                throw ConfigurationError(
                    "invalid \(field).salt: use 8 to 64 letters and digits, as sealcast credentials --user prints"
                )
            }
            guard AdobeAuthenticator.isValidVerifier(hash) else {
                throw ConfigurationError(
                    "invalid \(field).passwordHash: use the base64 MD5 (24 characters) that sealcast credentials --user prints"
                )
            }
        case (nil, nil):
            throw ConfigurationError("missing \(field).password: set password or passwordHash with salt")
        case (_?, _?):
            throw ConfigurationError("invalid \(field): set password or passwordHash, not both")
        }
    }
}

extension LimitsConfiguration {
    /// Checks every bound.
    /// - Throws: `ConfigurationError` naming the field, the value and the accepted range.
    public func validate() throws(ConfigurationError) {
        try Self.check("limits.outgoingChunkSize", outgoingChunkSize, 128...65_536)
        try Self.check("limits.maximumIncomingChunkSize", maximumIncomingChunkSize, 128...16_777_215)
        try Self.check("limits.maximumMessageSize", maximumMessageSize, 1024...16_777_215)
        try Self.check("limits.playerQueueBytes", playerQueueBytes, 65_536...(1 << 30))
        try Self.check("limits.gopCacheBytes", gopCacheBytes, 0...(1 << 30))
        try Self.check("limits.playerWriteBatchMilliseconds", playerWriteBatchMilliseconds, 0...1_000)
        try Self.check("limits.handshakeTimeoutSeconds", handshakeTimeoutSeconds, 1...3600)
        try Self.check("limits.connectTimeoutSeconds", connectTimeoutSeconds, 1...3600)
        try Self.check("limits.startTimeoutSeconds", startTimeoutSeconds, 1...3600)
        try Self.check("limits.publisherIdleTimeoutSeconds", publisherIdleTimeoutSeconds, 1...3600)
        try Self.check("limits.playerStallTimeoutSeconds", playerStallTimeoutSeconds, 1...3600)
        try Self.check("limits.maximumChunkStreams", maximumChunkStreams, 4...65_599)
        try Self.check("limits.maximumMessageStreams", maximumMessageStreams, 1...1024)
        try Self.check("limits.maximumAMFDepth", maximumAMFDepth, 4...256)
        try Self.check("limits.maximumAMFStringLength", maximumAMFStringLength, 1024...(16 << 20))
        try Self.check("limits.maximumAcknowledgementWindow", maximumAcknowledgementWindow, 4_096...Int(UInt32.max))
        try Self.check("limits.maximumUnacknowledgedBytes", maximumUnacknowledgedBytes, (8 << 20)...(1 << 31))
        try Self.check("limits.maximumConnections", maximumConnections, 1...1_000_000)
        try Self.check("limits.maximumConnectionsPerAddress", maximumConnectionsPerAddress, 1...1_000_000)
        try Self.check("limits.maximumStreams", maximumStreams, 1...1_000_000)
    }

    private static func check(_ field: String, _ value: Int, _ range: ClosedRange<Int>) throws(ConfigurationError) {
        guard range.contains(value) else {
            throw ConfigurationError(
                "invalid \(field) \(value): use a value from \(range.lowerBound) to \(range.upperBound)"
            )
        }
    }
}

extension ShutdownConfiguration {
    /// Checks that `reconnectTcUrl`, when set, is an rtmp:// or rtmps:// URL with a host.
    /// - Throws: `ConfigurationError` naming the field, the value and the expected form.
    public func validate() throws(ConfigurationError) {
        guard let url = reconnectTcUrl else { return }
        let field = "shutdown.reconnectTcUrl"
        let expected = "use rtmp://HOST[:PORT]/APP or rtmps://HOST[:PORT]/APP"
        guard url.utf8.count <= 1024 else {
            throw ConfigurationError("invalid \(field): \(url.utf8.count) bytes is too long; \(expected) of at most 1024 bytes")
        }
        // Printable ASCII only: the value goes into an AMF string that clients parse as a URL.
        guard url.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw ConfigurationError("invalid \(field) \"\(url)\": spaces and control characters are not allowed; \(expected)")
        }
        let rest: Substring
        if url.hasPrefix("rtmp://") {
            rest = url.dropFirst("rtmp://".count)
        } else if url.hasPrefix("rtmps://") {
            rest = url.dropFirst("rtmps://".count)
        } else {
            throw ConfigurationError("invalid \(field) \"\(url)\": \(expected)")
        }
        let host = rest.prefix { $0 != "/" && $0 != ":" }
        guard !host.isEmpty else {
            throw ConfigurationError("invalid \(field) \"\(url)\": the host is missing; \(expected)")
        }
    }
}

/// Rules for application and stream names.
public enum StreamNames {
    /// Whether `text` is a non-empty run of letters, digits, `-`, `_` and `.` of at most 128 bytes.
    public static func isValidSegment(_ text: String) -> Bool {
        guard !text.isEmpty, text.utf8.count <= 128 else { return false }
        return text.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == 0x2D || byte == 0x5F || byte == 0x2E
        }
    }
}
