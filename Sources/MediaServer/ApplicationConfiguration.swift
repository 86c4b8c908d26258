import Foundation

/// One application: the first path segment of `rtmp://host/APP/NAME`.
///
/// Publishers prove who they are with a stream key, a signed token or an
/// Adobe-style user login; players need a play key or a play token only when
/// the application restricts play. Every credential is a secret: none of them
/// is logged, echoed to clients or shown in the API.
public struct ApplicationConfiguration: Sendable, Codable {
    /// The application name, e.g. `live`.
    public var name: String
    /// When `true`, any stream name publishes without a key. Only for trusted networks.
    public var openPublishing: Bool
    /// Secret keys, each publishing one public stream name.
    public var streamKeys: [StreamKeyConfiguration]
    /// When non-empty, players must add `?key=` with one of these to the stream name.
    public var playKeys: [String]
    /// HMAC-SHA256 secrets for signed `?token=` credentials, each at least 32 bytes.
    /// Tokens made with any of them are accepted, so a new secret can be added
    /// before the old one is removed.
    public var tokenSecrets: [String]
    /// When `true`, players need a play key or a play token even when `playKeys` is empty.
    public var playRequiresCredentials: Bool
    /// Users who may log in with Adobe RTMP authentication (OBS's "Use authentication").
    /// A logged-in connection may publish any valid stream name in the application.
    public var users: [UserConfiguration]
    /// What a second publisher of a stream that is already published gets.
    public var duplicatePublisher: DuplicatePublisherPolicy
    /// When non-empty, only clients inside one of these networks (CIDR such as
    /// `10.0.0.0/8` or `2001:db8::/32`, or single addresses) may publish.
    public var publishAllow: [String]
    /// Clients inside one of these networks may not publish, even when `publishAllow` lists them.
    public var publishDeny: [String]
    /// When non-empty, only clients inside one of these networks may play.
    public var playAllow: [String]
    /// Clients inside one of these networks may not play, even when `playAllow` lists them.
    public var playDeny: [String]
    /// The HTTP webhook asked before each publish and play, or `nil` for none.
    public var webhook: WebhookConfiguration?

    /// Creates an application that accepts only the given keys and lets anyone play.
    public init(
        name: String, openPublishing: Bool = false, streamKeys: [StreamKeyConfiguration] = [],
        playKeys: [String] = [], tokenSecrets: [String] = [], playRequiresCredentials: Bool = false,
        users: [UserConfiguration] = [], duplicatePublisher: DuplicatePublisherPolicy = .reject,
        publishAllow: [String] = [], publishDeny: [String] = [], playAllow: [String] = [], playDeny: [String] = [],
        webhook: WebhookConfiguration? = nil
    ) {
        self.name = name
        self.openPublishing = openPublishing
        self.streamKeys = streamKeys
        self.playKeys = playKeys
        self.tokenSecrets = tokenSecrets
        self.playRequiresCredentials = playRequiresCredentials
        self.users = users
        self.duplicatePublisher = duplicatePublisher
        self.publishAllow = publishAllow
        self.publishDeny = publishDeny
        self.playAllow = playAllow
        self.playDeny = playDeny
        self.webhook = webhook
    }

    private enum CodingKeys: String, CodingKey, CaseIterable {
        case name, openPublishing, streamKeys, playKeys, tokenSecrets, playRequiresCredentials, users
        case duplicatePublisher, publishAllow, publishDeny, playAllow, playDeny, webhook
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        openPublishing = try container.decodeIfPresent(Bool.self, forKey: .openPublishing) ?? false
        streamKeys = try container.decodeIfPresent([StreamKeyConfiguration].self, forKey: .streamKeys) ?? []
        playKeys = try container.decodeIfPresent([String].self, forKey: .playKeys) ?? []
        tokenSecrets = try container.decodeIfPresent([String].self, forKey: .tokenSecrets) ?? []
        playRequiresCredentials = try container.decodeIfPresent(Bool.self, forKey: .playRequiresCredentials) ?? false
        users = try container.decodeIfPresent([UserConfiguration].self, forKey: .users) ?? []
        duplicatePublisher = try container.decodeIfPresent(DuplicatePublisherPolicy.self, forKey: .duplicatePublisher)
            ?? .reject
        publishAllow = try container.decodeIfPresent([String].self, forKey: .publishAllow) ?? []
        publishDeny = try container.decodeIfPresent([String].self, forKey: .publishDeny) ?? []
        playAllow = try container.decodeIfPresent([String].self, forKey: .playAllow) ?? []
        playDeny = try container.decodeIfPresent([String].self, forKey: .playDeny) ?? []
        webhook = try container.decodeIfPresent(WebhookConfiguration.self, forKey: .webhook)
    }
}

/// What happens when a stream that already has a publisher is published again.
public enum DuplicatePublisherPolicy: String, Sendable, Codable {
    /// The new publisher is rejected with NetStream.Publish.BadName.
    case reject
    /// The new publisher takes over and the old one is closed, if the new one
    /// presented a stream key, a token or a user login. Players stay connected.
    case replace
}

/// A user of Adobe RTMP authentication: a name and either the password or its verifier.
///
/// The login needs only `base64(md5(user + salt + password))` from the server side, so a
/// user can be stored as that verifier (`passwordHash`) with the fixed `salt` the server
/// then sends in every challenge for this user. `sealcast credentials --user` prints one.
///
/// NOTE: the verifier is as good as the password for this login, because anyone who reads it can log in
/// with a client that skips the first hash. It keeps the plain password, which may be reused
/// elsewhere, out of configuration files and backups. Protect the file (mode 0600) either way.
public struct UserConfiguration: Sendable, Codable {
    /// The user name the encoder sends, such as OBS's "Username" field.
    public var user: String
    /// The password in plain text, or `nil` when the user has a `passwordHash`; never logged.
    public var password: String?
    /// `base64(md5(user + salt + password))`, or `nil` when the user has a `password`; never logged.
    public var passwordHash: String?
    /// The salt of `passwordHash`, sent in each challenge for this user; set with it only.
    public var salt: String?

    public init(user: String, password: String) {
        self.user = user
        self.password = password
    }

    public init(user: String, passwordHash: String, salt: String) {
        self.user = user
        self.passwordHash = passwordHash
        self.salt = salt
    }

    /// Returns the user with a verifier for `password` under `salt` in place of the password.
    public static func hashed(user: String, password: String, salt: String) -> UserConfiguration {
        UserConfiguration(user: user, passwordHash: AdobeAuthenticator.verifier(user: user, salt: salt, password: password), salt: salt)
    }

    /// Returns whether `salt` can be a user's salt: 8 to 64 ASCII letters and digits, which pass
    /// through the challenge text unchanged.
    public static func isValidSalt(_ salt: String) -> Bool { AdobeAuthenticator.isValidSalt(salt) }

    private enum CodingKeys: String, CodingKey, CaseIterable { case user, password, passwordHash, salt }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        user = try container.decode(String.self, forKey: .user)
        password = try container.decodeIfPresent(String.self, forKey: .password)
        passwordHash = try container.decodeIfPresent(String.self, forKey: .passwordHash)
        salt = try container.decodeIfPresent(String.self, forKey: .salt)
    }
}
