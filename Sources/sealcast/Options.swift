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

    static let help = """
        USAGE: sealcast [serve] [OPTIONS]
               sealcast credentials [--data-dir DIR] [--config FILE]
               sealcast --version | --help

        Runs an RTMP and RTMPS live-streaming server. With no options it listens for RTMP on
        port 1935 and RTMPS on port 1936, and on first start makes a self-signed certificate and
        a publish key for live/stream in its data folder.

        SUBCOMMANDS:
          serve          Run the server (the default).
          credentials    Print the publish key and how to publish again.

        OPTIONS:
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
            default:
                throw UsageError("unknown option \(argument); see sealcast --help")
            }
            index += 1
        }
        return options
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
