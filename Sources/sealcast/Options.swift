import MediaServer

/// Command-line options shared by the subcommands.
struct Options {
    var configFile: String?
    var dataDirectory: String?
    var rtmp: String?
    var rtmps: String?
    var certificateFile: String?
    var privateKeyFile: String?
    var streamKeys: [(app: String, stream: String, key: String)] = []
    var logLevel: String?
    var eventLoops: Int?

    // publish, play and probe
    var positional: [String] = []
    var loop = false
    var caFile: String?
    var pin: String?
    var insecure = false
    var outputFile: String?
    var durationSeconds: Double?
    var waitForPublisher = false
    var json = false
    var timeoutSeconds: Double?

    // token
    var tokenApp: String?
    var tokenStream: String?
    var tokenAction: String?
    var tokenExpiresInSeconds: Int64?
    var secretFile: String?
    var serverURL: String?

    // credentials --user
    var loginUser: String?
    var passwordFile: String?
    var salt: String?

    static let help = """
        USAGE: sealcast [serve] [OPTIONS]
               sealcast credentials [--data-dir DIR] [--config FILE]
               sealcast credentials --user NAME --password-file FILE [--salt SALT]
               sealcast publish FILE URL [--loop] [TLS OPTIONS]
               sealcast play URL [-o FILE.flv] [--duration SECONDS] [--wait] [TLS OPTIONS]
               sealcast probe URL [--json] [--timeout SECONDS] [TLS OPTIONS]
               sealcast token --app APP --stream NAME --action publish|play --expires-in SECONDS
                              (--secret-file FILE | --config FILE) [--server URL]
               sealcast bench fanout|startup|handshakes --url URL ... (see sealcast bench --help)
               sealcast --version | --help

        Runs an RTMP and RTMPS live-streaming server. With no options it listens for RTMP on
        port 1935 and RTMPS on port 1936, and on first start makes a self-signed certificate and
        a publish key for live/stream in its data folder. The publish, play and probe subcommands
        are clients for this or any other RTMP server.

        SUBCOMMANDS:
          serve          Run the server (the default).
          credentials    Print the publish key and how to publish again. With --user, print a
                         users entry that stores a login's password hash instead of the password.
          publish        Send an FLV file (legacy or Enhanced RTMP codecs) to URL in real time,
                         paced by its timestamps. Reconnects up to 5 times if the connection
                         drops, resuming at the next keyframe.
          play           Receive the stream at URL. Writes it to an FLV file with -o; otherwise
                         discards it and prints progress once a second. Stops on Ctrl-C, when
                         --duration runs out, or when the publisher stops (unless --wait).
          probe          Play URL until its sequence headers and first keyframe arrived, then
                         print codecs, profiles, sizes, rates and metadata.
          bench          Load generator for this or another server on loopback: fan-out to
                         many players, start-up phases, connection set-up rate.
          token          Make a signed token that lets one stream be published or played until
                         it expires, and print the URL and the OBS fields that carry it.

        URL: rtmp://HOST[:PORT]/APP[/INSTANCE]/NAME[?QUERY] or rtmps://...; the default port is
        1935 for rtmp and 443 for rtmps. To publish, NAME is the stream key.

        SERVER OPTIONS:
          --config FILE           JSON5 configuration file; flags override its values.
          --data-dir DIR          Folder for the generated certificate and key
                                  (default: $SEALCAST_DATA_DIR, else $XDG_DATA_HOME/sealcast,
                                  else ~/.local/share/sealcast).
          --rtmp HOST:PORT        Plain RTMP listener (default 0.0.0.0:1935); port 0 picks a
                                  free port; off disables it.
          --rtmps HOST:PORT       RTMPS listener (default 0.0.0.0:1936); port 0 and off as above.
          --cert FILE             PEM certificate chain for RTMPS (leaf first).
          --key FILE              PEM private key for --cert.
          --stream-key APP/NAME=KEY
                                  Publishing with KEY as the stream name in APP creates the stream
                                  APP/NAME. Repeatable. KEY: at least 16 of A-Z a-z 0-9 - _ .
                                  With any key configured, no key is generated.
          --event-loops N         Event-loop threads (default: one per core).

        CLIENT OPTIONS:
          --loop                  publish: start the file again at its end, with timestamps that
                                  keep increasing.
          -o, --output FILE       play: write the stream to this FLV file.
          --duration SECONDS      play: stop after this many seconds.
          --wait                  play: keep waiting when the publisher stops, for the next one.
          --json                  probe: print the stream information as JSON.
          --timeout SECONDS       probe: how long to wait for the stream to start (default 10).

        TOKEN OPTIONS:
          --app APP               The application, such as live.
          --stream NAME           The public stream name.
          --action ACTION         publish or play.
          --expires-in SECONDS    How long the token is valid, from now (whole seconds above 0).
          --secret-file FILE      A file holding the secret (at least 32 bytes; a trailing newline
                                  is ignored).
          --config FILE           Or: use the first tokenSecrets entry of APP in this file.
          --server URL            The server base URL for the printed URL
                                  (default: rtmp://HOSTNAME:1935).

        CREDENTIALS --user OPTIONS:
          --user NAME             The user name of the login (OBS's "Username").
          --password-file FILE    A file holding the password (a trailing newline is ignored);
                                  - reads it from standard input.
          --salt SALT             The salt to hash with: 8 to 64 letters and digits
                                  (default: 16 random bytes in hex).

        TLS OPTIONS (rtmps:// only; by default the server certificate is verified against the
        system CA store and must name the URL's host):
          --ca-file FILE          Verify against the CA certificates in this PEM file instead.
          --pin SHA256            Require this SHA-256 fingerprint of the server certificate
                                  (64 hex digits, colons allowed). Without --ca-file it replaces
                                  CA verification, which is how to trust a self-signed server.
          --insecure              Do not verify the server certificate at all (tests only).

        COMMON OPTIONS:
          --log-level LEVEL       trace, debug, info (default), notice, warning, error or critical.
          -h, --help              Show this help.
          --version               Show the version.
        """

    /// Parses `arguments` (without the program name and subcommand).
    /// - Throws: `UsageError` naming the option and what it needs.
    static func parse(_ arguments: [String]) throws(UsageError) -> Options {
        var options = Options()
        var index = 0
        func value(_ name: String) throws(UsageError) -> String {
            index += 1
            guard index < arguments.count else { throw UsageError("\(name) needs a value; see sealcast --help") }
            return arguments[index]
        }
        while index < arguments.count {
            let argument = arguments[index]
            switch argument {
            case "--config": options.configFile = try value(argument)
            case "--data-dir": options.dataDirectory = try value(argument)
            case "--rtmp": options.rtmp = try value(argument)
            case "--rtmps": options.rtmps = try value(argument)
            case "--cert": options.certificateFile = try value(argument)
            case "--key": options.privateKeyFile = try value(argument)
            case "--log-level": options.logLevel = try value(argument)
            case "--event-loops":
                let text = try value(argument)
                guard let count = Int(text), count >= 0 else {
                    throw UsageError("invalid --event-loops \(text): use a whole number, 0 for one per core")
                }
                options.eventLoops = count
            case "--stream-key":
                options.streamKeys.append(try parseStreamKey(try value(argument)))
            case "--loop": options.loop = true
            case "--ca-file": options.caFile = try value(argument)
            case "--pin": options.pin = try value(argument)
            case "--insecure": options.insecure = true
            case "-o", "--output": options.outputFile = try value(argument)
            case "--duration": options.durationSeconds = try seconds(argument, try value(argument))
            case "--wait": options.waitForPublisher = true
            case "--json": options.json = true
            case "--timeout": options.timeoutSeconds = try seconds(argument, try value(argument))
            case "--app": options.tokenApp = try value(argument)
            case "--stream": options.tokenStream = try value(argument)
            case "--action": options.tokenAction = try value(argument)
            case "--expires-in":
                let text = try value(argument)
                guard let seconds = Int64(text), seconds > 0, seconds <= 10 * 365 * 86_400 else {
                    throw UsageError("invalid --expires-in \(text): use whole seconds from 1 to 315360000 (10 years)")
                }
                options.tokenExpiresInSeconds = seconds
            case "--secret-file": options.secretFile = try value(argument)
            case "--server": options.serverURL = try value(argument)
            case "--user": options.loginUser = try value(argument)
            case "--password-file": options.passwordFile = try value(argument)
            case "--salt": options.salt = try value(argument)
            case let text where text.hasPrefix("-") && text != "-":
                throw UsageError("unknown option \(argument); see sealcast --help")
            default:
                options.positional.append(argument)
            }
            index += 1
        }
        return options
    }

    private static func seconds(_ name: String, _ text: String) throws(UsageError) -> Double {
        guard let seconds = Double(text), seconds.isFinite, seconds > 0 else {
            throw UsageError("invalid \(name) \(text): use a number of seconds above 0")
        }
        return seconds
    }

    private static func parseStreamKey(_ text: String) throws(UsageError) -> (app: String, stream: String, key: String) {
        let parts = text.split(separator: "=", maxSplits: 1)
        let path = parts.first.map { $0.split(separator: "/") } ?? []
        guard parts.count == 2, path.count == 2 else {
            throw UsageError("invalid --stream-key: use APP/NAME=KEY, for example live/show=\(String(repeating: "x", count: 16))")
        }
        return (String(path[0]), String(path[1]), String(parts[1]))
    }

    /// The configuration from the file (if any) with the flags applied over it.
    func configuration() throws(ConfigurationError) -> ServerConfiguration {
        var configuration = try configFile.map { path throws(ConfigurationError) in
            try ServerConfiguration.load(file: path)
        } ?? ServerConfiguration()
        if let dataDirectory { configuration.dataDirectory = dataDirectory }
        if let rtmp { configuration.rtmp = rtmp }
        if let rtmps { configuration.rtmps = rtmps }
        if let certificateFile { configuration.certificateFile = certificateFile }
        if let privateKeyFile { configuration.privateKeyFile = privateKeyFile }
        if let logLevel { configuration.logLevel = logLevel }
        if let eventLoops { configuration.eventLoops = eventLoops }
        for entry in streamKeys {
            let key = StreamKeyConfiguration(stream: entry.stream, key: entry.key)
            if let index = configuration.applications.firstIndex(where: { $0.name == entry.app }) {
                configuration.applications[index].streamKeys.append(key)
            } else {
                configuration.applications.append(ApplicationConfiguration(name: entry.app, streamKeys: [key]))
            }
        }
        return configuration
    }
}

/// A command line that cannot be run, with the fix in the message.
struct UsageError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
