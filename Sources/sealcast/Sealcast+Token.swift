import Foundation
import MediaServer

extension Sealcast {
    /// Mints a signed token and prints it with the URL and the OBS fields that carry it.
    ///
    /// The secret is read from a file or the configuration, never from the command line,
    /// so that it does not show up in the process list or the shell history.
    static func printToken(_ options: Options) throws {
        try rejectOptions(options, unusedBy: "token", allowed: [])
        if let first = options.positional.first {
            throw UsageError("unexpected argument \(first) for sealcast token; see sealcast --help")
        }
        guard let app = options.tokenApp, StreamNames.isValidSegment(app) else {
            throw UsageError("sealcast token needs --app APP (letters, digits, '-', '_' or '.')")
        }
        guard let stream = options.tokenStream, StreamNames.isValidSegment(stream) else {
            throw UsageError("sealcast token needs --stream NAME (letters, digits, '-', '_' or '.')")
        }
        guard let actionText = options.tokenAction, let action = StreamToken.Action(rawValue: actionText) else {
            throw UsageError("sealcast token needs --action publish or --action play")
        }
        guard let lifetime = options.tokenExpiresInSeconds else {
            throw UsageError("sealcast token needs --expires-in SECONDS")
        }
        let secret = try tokenSecret(options, app: app)

        let expires = Int64(Date().timeIntervalSince1970) + lifetime
        let token = StreamToken.mint(secret: secret, app: app, stream: stream, action: action, expires: expires)
        var base = options.serverURL ?? "rtmp://\(hostName()):1935"
        while base.hasSuffix("/") { base.removeLast() }
        let expiry = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: TimeInterval(expires)))
        print("token:   \(token)")
        print("expires: \(expiry) (accepted up to \(StreamToken.clockSkewSeconds) s later for clock skew)")
        print("url:     \(base)/\(app)/\(stream)?token=\(token)")
        if action == .publish {
            print("OBS:     Server \(base)/\(app)  Stream Key \(stream)?token=\(token)")
        }
    }

    /// Reads the secret from `--secret-file`, or takes the first `tokenSecrets` entry of `app` in `--config`.
    private static func tokenSecret(_ options: Options, app: String) throws -> String {
        if let path = options.secretFile {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ConfigurationError("cannot read secret file \(path): check the path and its permissions")
            }
            var secret = String(decoding: data, as: UTF8.self)
            while secret.hasSuffix("\n") || secret.hasSuffix("\r") { secret.removeLast() }
            guard secret.utf8.count >= StreamToken.minimumSecretBytes else {
                throw ConfigurationError(
                    "secret file \(path) is too short: use at least \(StreamToken.minimumSecretBytes) bytes"
                )
            }
            return secret
        }
        guard let configFile = options.configFile else {
            throw UsageError("sealcast token needs --secret-file FILE or --config FILE")
        }
        let configuration = try ServerConfiguration.load(file: configFile)
        try configuration.validate()
        guard let secret = configuration.applications.first(where: { $0.name == app })?.tokenSecrets.first else {
            throw ConfigurationError("application \(app) in \(configFile) has no tokenSecrets: add one, or use --secret-file")
        }
        return secret
    }
}
