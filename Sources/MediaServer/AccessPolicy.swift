import Foundation
import Network
import TLS

/// Decides who may publish and play which stream.
///
/// A publisher sends its secret key as the stream name, the way OBS's
/// "Server" and "Stream Key" fields and the big platforms work; the policy maps
/// the key to the public name that players use. A key is bound to its
/// application, is never a playable name, and is compared in constant time.
/// Applications marked `openPublishing` let any valid name publish as itself.
///
/// A signed token (`?token=`, see `StreamToken`) or an Adobe login at connect
/// publishes under the public name itself. Play is open unless the application
/// has play keys or `playRequiresCredentials`; then a play key or play token is needed.
public struct AccessPolicy: Sendable {
    private struct Application: Sendable {
        var openPublishing: Bool
        var streamKeys: [(key: [UInt8], stream: String)]
        var playKeys: [[UInt8]]
        var tokenSecrets: [String]
        var playIsRestricted: Bool
        var users: [UserConfiguration]
        var duplicatePublisher: DuplicatePublisherPolicy
        var allow: [StreamToken.Action: [AddressRange]]
        var deny: [StreamToken.Action: [AddressRange]]
        var webhook: WebhookConfiguration?
    }

    private let applications: [String: Application]

    /// Builds the policy from the configured applications.
    public init(applications configured: [ApplicationConfiguration]) {
        var table: [String: Application] = [:]
        for application in configured {
            table[application.name] = Application(
                openPublishing: application.openPublishing,
                streamKeys: application.streamKeys.map { (Array($0.key.utf8), $0.stream) },
                playKeys: application.playKeys.map { Array($0.utf8) },
                tokenSecrets: application.tokenSecrets,
                playIsRestricted: application.playRequiresCredentials || !application.playKeys.isEmpty,
                users: application.users,
                duplicatePublisher: application.duplicatePublisher,
                // Entries that do not parse were rejected by `validate()`.
                allow: [
                    .publish: application.publishAllow.compactMap(AddressRange.init(parsing:)),
                    .play: application.playAllow.compactMap(AddressRange.init(parsing:)),
                ],
                deny: [
                    .publish: application.publishDeny.compactMap(AddressRange.init(parsing:)),
                    .play: application.playDeny.compactMap(AddressRange.init(parsing:)),
                ],
                webhook: application.webhook
            )
        }
        applications = table
    }

    /// Whether `app` is a configured application.
    public func knowsApplication(_ app: String) -> Bool { applications[app] != nil }

    /// The users of `app` for Adobe login; empty when the application has none.
    public func users(of app: String) -> [UserConfiguration] { applications[app]?.users ?? [] }

    /// Whether a connect to `app` must log in first: the application has users, and the
    /// client is an encoder or already started the login (`authmod=` in the query).
    ///
    /// Encoders are told apart by flashVer: OBS and ffmpeg send Flash Media Live Encoder's
    /// `FMLE/3.0 (compatible; ...)` when publishing, Wirecast sends `Wirecast/`.
    public func requiresLogin(app: String, query: String?, flashVersion: String?) -> Bool {
        guard let application = applications[app], !application.users.isEmpty else { return false }
        if Self.queryValue("authmod", in: query) != nil { return true }
        guard let flashVersion else { return false }
        return flashVersion.hasPrefix("FMLE/") || flashVersion.hasPrefix("Wirecast/")
    }

    /// Whether a client at `host` (a numeric address) may `action` in `app` by the allow
    /// and deny lists: never when a deny entry contains it, and only when an allow entry
    /// contains it if the allow list is not empty.
    public func addressIsAllowed(app: String, action: StreamToken.Action, host: String) -> Bool {
        guard let application = applications[app] else { return false }
        if AddressRange.any(application.deny[action] ?? [], contains: host) { return false }
        let allow = application.allow[action] ?? []
        return allow.isEmpty || AddressRange.any(allow, contains: host)
    }

    /// The webhook of `app`, if it has one.
    public func webhook(of app: String) -> WebhookConfiguration? { applications[app]?.webhook }

    /// What a second publisher of a stream in `app` gets.
    public func duplicatePublisherPolicy(of app: String) -> DuplicatePublisherPolicy {
        applications[app]?.duplicatePublisher ?? .reject
    }

    /// The outcome of a publish request.
    public enum PublishDecision: Sendable, Equatable {
        /// Publish as this public stream name. `credentialed` is true when a key, token or
        /// login allowed it, and false for open publishing.
        case allow(streamName: String, credentialed: Bool)
        /// The application does not exist.
        case unknownApplication
        /// The name is neither a valid key of the application nor allowed by open publishing.
        case invalidKey
        /// The `?token=` is malformed, expired or signed for something else.
        case invalidToken(StreamToken.Verification)
    }

    /// Decides a publish of `name` (the key, or a public name in an open application) in `app`.
    public func authorizePublish(app: String, name: String) -> PublishDecision {
        authorizePublish(app: app, name: name, query: nil, user: nil, now: 0)
    }

    /// Decides a publish of `name` in `app`.
    /// - Parameters:
    ///   - query: The part after `?` in the stream name, which may carry `token=`.
    ///   - user: The user the connection logged in as, if any.
    ///   - now: Unix seconds, for token expiry.
    public func authorizePublish(app: String, name: String, query: String?, user: String?, now: Int64) -> PublishDecision {
        guard let application = applications[app] else { return .unknownApplication }
        if let entry = Self.firstMatch(Array(name.utf8), in: application.streamKeys, secret: \.key) {
            return .allow(streamName: entry.stream, credentialed: true)
        }

        if let token = Self.queryValue("token", in: query) {
            guard StreamNames.isValidSegment(name) else { return .invalidKey }
            let verification = StreamToken.verify(
                token, secrets: application.tokenSecrets, app: app, stream: name, action: .publish, now: now
            )
            return verification == .valid ? .allow(streamName: name, credentialed: true) : .invalidToken(verification)
        }
        if user != nil, StreamNames.isValidSegment(name) { return .allow(streamName: name, credentialed: true) }
        if application.openPublishing, StreamNames.isValidSegment(name) {
            return .allow(streamName: name, credentialed: false)
        }
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
        /// The `?token=` is malformed, expired or signed for something else.
        case invalidToken(StreamToken.Verification)
    }

    /// Decides a play of `name` in `app`; `query` is the part after `?` in the stream name.
    public func authorizePlay(app: String, name: String, query: String?) -> PlayDecision {
        authorizePlay(app: app, name: name, query: query, now: Int64(Date().timeIntervalSince1970))
    }

    /// Decides a play of `name` in `app` at `now` (Unix seconds, for token expiry).
    public func authorizePlay(app: String, name: String, query: String?, now: Int64) -> PlayDecision {
        guard let application = applications[app] else { return .unknownApplication }
        guard StreamNames.isValidSegment(name) else { return .invalidName }

        // A player that knows a key must not watch under it, nor have it logged as a stream name.
        if Self.firstMatch(Array(name.utf8), in: application.streamKeys, secret: \.key) != nil {
            return .nameIsAKey
        }
        guard application.playIsRestricted else { return .allow }

        if let token = Self.queryValue("token", in: query) {
            let verification = StreamToken.verify(
                token, secrets: application.tokenSecrets, app: app, stream: name, action: .play, now: now
            )
            return verification == .valid ? .allow : .invalidToken(verification)
        }

        let presented = Array((Self.queryValue("key", in: query) ?? "").utf8)
        return Self.firstMatch(presented, in: application.playKeys, secret: { $0 }) != nil ? .allow : .keyRequired
    }

    /// Returns the first entry whose secret equals `presented`. Every entry is compared in
    /// constant time, so the time taken does not reveal which one matched, or whether one did.
    private static func firstMatch<Entry>(
        _ presented: [UInt8], in entries: [Entry], secret: (Entry) -> [UInt8]
    ) -> Entry? {
        var matched: Entry?
        for entry in entries where Crypto.constantTimeEqual(secret(entry), presented) {
            matched = matched ?? entry
        }
        return matched
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
