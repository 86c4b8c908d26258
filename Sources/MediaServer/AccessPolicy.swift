import TLS

/// Decides who may publish and play which stream.
///
/// A publisher sends its secret key as the stream name, the way OBS's
/// "Server" and "Stream Key" fields and the big platforms work; the policy maps
/// the key to the public name that players use. A key is bound to its
/// application, is never a playable name, and is compared in constant time.
/// Applications marked `openPublishing` let any valid name publish as itself.
public struct AccessPolicy: Sendable {
    private struct Application: Sendable {
        var openPublishing: Bool
        var streamKeys: [(key: [UInt8], stream: String)]
        var playKeys: [[UInt8]]
    }

    private let applications: [String: Application]

    /// Builds the policy from the configured applications.
    public init(applications configured: [ApplicationConfiguration]) {
        var table: [String: Application] = [:]
        for application in configured {
            table[application.name] = Application(
                openPublishing: application.openPublishing,
                streamKeys: application.streamKeys.map { (Array($0.key.utf8), $0.stream) },
                playKeys: application.playKeys.map { Array($0.utf8) }
            )
        }
        applications = table
    }

    /// Whether `app` is a configured application.
    public func knowsApplication(_ app: String) -> Bool { applications[app] != nil }

    /// The outcome of a publish request.
    public enum PublishDecision: Sendable, Equatable {
        /// Publish as this public stream name.
        case allow(streamName: String)
        /// The application does not exist.
        case unknownApplication
        /// The name is neither a valid key of the application nor allowed by open publishing.
        case invalidKey
    }

    /// Decides a publish of `name` (the key, or a public name in an open application) in `app`.
    public func authorizePublish(app: String, name: String) -> PublishDecision {
        guard let application = applications[app] else { return .unknownApplication }
        let presented = Array(name.utf8)

        // Compare against every key, so the time taken does not reveal which one matched.
        var matched: String?
        for entry in application.streamKeys where Crypto.constantTimeEqual(entry.key, presented) {
            matched = matched ?? entry.stream
        }
        if let matched { return .allow(streamName: matched) }
        if application.openPublishing, StreamNames.isValidSegment(name) { return .allow(streamName: name) }
        return .invalidKey
    }

    /// The outcome of a play request.
    public enum PlayDecision: Sendable, Equatable {
        case allow
        case unknownApplication
        case invalidName
        case keyRequired
        /// The name is a publish key, which is never playable.
        case nameIsAKey
    }

    /// Decides a play of `name` in `app`; `query` is the part after `?` in the stream name.
    public func authorizePlay(app: String, name: String, query: String?) -> PlayDecision {
        guard let application = applications[app] else { return .unknownApplication }
        guard StreamNames.isValidSegment(name) else { return .invalidName }

        // A player that knows a key must not watch under it, nor have it logged as a stream name.
        let requested = Array(name.utf8)
        var isKey = false
        for entry in application.streamKeys where Crypto.constantTimeEqual(entry.key, requested) {
            isKey = true
        }
        if isKey { return .nameIsAKey }
        guard !application.playKeys.isEmpty else { return .allow }

        let presented = Array((Self.queryValue("key", in: query) ?? "").utf8)
        var matched = false
        for key in application.playKeys where Crypto.constantTimeEqual(key, presented) {
            matched = true
        }
        return matched ? .allow : .keyRequired
    }

    /// The value of `name` in a `a=1&b=2` query, percent-decoding left out because keys are URL-safe.
    static func queryValue(_ name: String, in query: String?) -> String? {
        guard let query else { return nil }
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            if parts.count == 2, parts[0] == name { return String(parts[1]) }
        }
        return nil
    }

    /// Returns a form of a secret that is safe to log: the first 8 hex digits of its SHA-256 and
    /// its length. No character of the secret appears, yet repeated attempts with the same
    /// wrong key can be told apart.
    public static func redact(_ secret: String) -> String {
        let digest = Crypto.sha256(Array(secret.utf8)).prefix(4)
        let hex = digest.map { byte in
            let text = String(byte, radix: 16)
            return byte < 16 ? "0" + text : text
        }.joined()
        return "sha256:\(hex)…(\(secret.utf8.count) bytes)"
    }
}
