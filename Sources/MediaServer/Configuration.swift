import Foundation

/// Everything the server needs to run, loaded from a JSON5 file and the command line.
///
/// Every field has a default, so an empty file (or no file) is a valid
/// configuration. `validate()` rejects bad values with a message that names the
/// field, the value and the fix.
public struct ServerConfiguration: Sendable, Codable {
    /// Plain RTMP listener as `HOST:PORT`, or `nil` for none.
    public var rtmp: String?
    /// RTMPS listener as `HOST:PORT`, or `nil` for none.
    public var rtmps: String?
    /// Folder for the generated certificate and stream key.
    public var dataDirectory: String?
    /// PEM certificate chain for RTMPS; generated in the data folder when absent.
    public var certificateFile: String?
    /// PEM private key for RTMPS; generated in the data folder when absent.
    public var privateKeyFile: String?
    /// Applications by name; `live` exists even when not listed.
    public var applications: [ApplicationConfiguration]
    /// Protocol and resource bounds.
    public var limits: LimitsConfiguration
    /// RTMPS policy, SNI certificates, client certificates and certificate reloading.
    public var tls: TLSSettingsConfiguration
    /// The messages clients receive when the server shuts down.
    public var shutdown: ShutdownConfiguration
    /// Minimum log level: trace, debug, info, notice, warning, error.
    public var logLevel: String
    /// Event-loop threads; 0 means one per core.
    public var eventLoops: Int
    /// PROXY protocol on listeners behind a load balancer, or `nil` for none.
    public var proxyProtocol: ProxyProtocolConfiguration?

    /// The defaults: RTMP on port 1935 and RTMPS on 1936 on all interfaces.
    public init() {
        rtmp = "0.0.0.0:1935"
        rtmps = "0.0.0.0:1936"
        dataDirectory = nil
        certificateFile = nil
        privateKeyFile = nil
        applications = []
        limits = LimitsConfiguration()
        tls = TLSSettingsConfiguration()
        shutdown = ShutdownConfiguration()
        logLevel = "info"
        eventLoops = 0
    }

    private enum CodingKeys: String, CodingKey, CaseIterable {
        case rtmp, rtmps, dataDirectory, certificateFile, privateKeyFile, applications, limits, shutdown, logLevel
        case eventLoops, tls
        case proxyProtocol
    }

    public init(from decoder: any Decoder) throws {
        let defaults = ServerConfiguration()
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        rtmp = try container.decodeIfPresent(String.self, forKey: .rtmp) ?? defaults.rtmp
        rtmps = try container.decodeIfPresent(String.self, forKey: .rtmps) ?? defaults.rtmps
        dataDirectory = try container.decodeIfPresent(String.self, forKey: .dataDirectory)
        certificateFile = try container.decodeIfPresent(String.self, forKey: .certificateFile)
        privateKeyFile = try container.decodeIfPresent(String.self, forKey: .privateKeyFile)
        applications = try container.decodeIfPresent([ApplicationConfiguration].self, forKey: .applications) ?? []
        limits = try container.decodeIfPresent(LimitsConfiguration.self, forKey: .limits) ?? defaults.limits
        shutdown = try container.decodeIfPresent(ShutdownConfiguration.self, forKey: .shutdown) ?? defaults.shutdown
        tls = try container.decodeIfPresent(TLSSettingsConfiguration.self, forKey: .tls) ?? defaults.tls
        logLevel = try container.decodeIfPresent(String.self, forKey: .logLevel) ?? defaults.logLevel
        eventLoops = try container.decodeIfPresent(Int.self, forKey: .eventLoops) ?? defaults.eventLoops
        proxyProtocol = try container.decodeIfPresent(ProxyProtocolConfiguration.self, forKey: .proxyProtocol)
    }

    /// Reads a JSON5 file (comments, unquoted keys and trailing commas allowed).
    /// - Throws: `ConfigurationError` naming the file and what is wrong with it.
    public static func load(file path: String) throws(ConfigurationError) -> ServerConfiguration {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigurationError("cannot read configuration file \(path): check the path and its permissions")
        }
        let decoder = JSONDecoder()
        decoder.allowsJSON5 = true
        do {
            return try decoder.decode(ServerConfiguration.self, from: data)
        } catch let error as DecodingError {
            throw ConfigurationError("invalid configuration file \(path): \(Self.describe(error))")
        } catch {
            throw ConfigurationError("invalid configuration file \(path): \(error)")
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ keys: [any CodingKey]) -> String {
            var text = ""
            for key in keys {
                if let index = key.intValue {
                    text += "[\(index)]"
                } else {
                    text += text.isEmpty ? key.stringValue : "." + key.stringValue
                }
            }
            return text
        }
        switch error {
        case .typeMismatch(let type, let context):
            return "field \(path(context.codingPath)) must be of type \(type)"
        case .valueNotFound(_, let context):
            return "field \(path(context.codingPath)) is missing a value"
        case .keyNotFound(let key, let context):
            return "field \(path(context.codingPath + [key])) is required"
        case .dataCorrupted(let context) where context.codingPath.isEmpty:
            // Foundation's JSON5 reader reports no position for a syntax error.
            return "the file is not valid JSON5; look for a misspelled value (such as 4o96 or flase), "
                + "a missing comma or an unclosed quote or bracket"
        case .dataCorrupted(let context):
            return "field \(path(context.codingPath)) \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }
}

/// A secret publish key and the public stream name it publishes.
public struct StreamKeyConfiguration: Sendable, Codable {
    /// The public name players use.
    public var stream: String
    /// The secret the encoder sends as its stream name.
    public var key: String

    public init(stream: String, key: String) {
        self.stream = stream
        self.key = key
    }

    private enum CodingKeys: String, CodingKey, CaseIterable { case stream, key }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        stream = try container.decode(String.self, forKey: .stream)
        key = try container.decode(String.self, forKey: .key)
    }
}

/// Resource bounds that the configuration file may change: every limit of the server in one place.
///
/// A limit that a connection hits closes that connection only, counts the reason in
/// `sealcast_sessions_closed_total{reason=...}` and logs one debug line; other connections go on.
/// The reason each field closes with is named in its comment.
public struct LimitsConfiguration: Sendable, Codable {
    /// Chunk size the server sends with; shared by every player of the fast path.
    public var outgoingChunkSize: Int = 4096
    /// Largest chunk size a peer may announce. Reason `chunk_size_limit`.
    public var maximumIncomingChunkSize: Int = 65_536
    /// Largest message a peer may send, in bytes. Reason `message_size_limit`.
    public var maximumMessageSize: Int = 16_777_215
    /// Most chunk streams one connection may use. Reason `chunk_stream_limit`.
    public var maximumChunkStreams: Int = 64
    /// Most message streams (`createStream` results) one connection may hold. Reason `message_stream_limit`.
    public var maximumMessageStreams: Int = 16
    /// Deepest nesting of AMF objects and arrays in one command. Reason `invalid_command`.
    public var maximumAMFDepth: Int = 32
    /// Longest AMF string in one command, in bytes. Reason `invalid_command`.
    public var maximumAMFStringLength: Int = 1 << 20
    /// Largest Window Acknowledgement Size taken from a peer, in bytes; a larger one is lowered to
    /// it, so the server acknowledges at least every this many bytes. Never closes a connection.
    public var maximumAcknowledgementWindow: Int = 1 << 31
    /// Bytes the server may have sent a connected client that the client has not confirmed with
    /// an Acknowledgement. A client acknowledges every `windowAcknowledgementSize` (2,500,000)
    /// bytes, so this leaves room for that window and for the bytes in flight in both kernels.
    /// Reason `acknowledgement_limit`.
    public var maximumUnacknowledgedBytes: Int = 64 << 20
    /// Bytes a player may have queued before it drops media up to the next keyframe.
    public var playerQueueBytes: Int = 8 << 20
    /// Largest GOP cache per stream, in bytes; past it the cache stops until the next keyframe.
    public var gopCacheBytes: Int = 32 << 20
    /// Milliseconds a player's live media may wait so that the messages of that time go out in
    /// one write (and full TLS records) instead of one write each. 64 KiB queued goes out at
    /// once, and 0 writes after every message. Command replies and the cached start of a stream
    /// are written without this wait.
    public var playerWriteBatchMilliseconds: Int = 100
    /// Seconds from accept to the end of the RTMP handshake. Reason `handshake_timeout`.
    public var handshakeTimeoutSeconds: Int = 10
    /// Seconds from the end of the handshake to an accepted `connect`. Reason `connect_timeout`.
    public var connectTimeoutSeconds: Int = 10
    /// Seconds a connected client may go without publishing or playing, counted from `connect`
    /// and again from the end of each publish or play. Reason `start_timeout`.
    public var startTimeoutSeconds: Int = 30
    /// Seconds a publisher may send no audio, video or data message. Reason `publisher_idle`.
    public var publisherIdleTimeoutSeconds: Int = 30
    /// Seconds a player may have bytes queued while the kernel takes none of them, that is while
    /// the player reads nothing. A player waiting for a publisher has an empty queue and is not
    /// affected. Reason `player_stalled`.
    public var playerStallTimeoutSeconds: Int = 60
    /// Most open connections to the server. Reason `connection_limit`.
    public var maximumConnections: Int = 10_000
    /// Most open connections from one client IP address. Reason `address_limit`.
    public var maximumConnectionsPerAddress: Int = 100
    /// Most live streams (published or waited for by players). Reason `stream_limit`.
    public var maximumStreams: Int = 1_000

    public init() {}

    private enum CodingKeys: String, CodingKey, CaseIterable {
        case outgoingChunkSize, maximumIncomingChunkSize, maximumMessageSize, playerQueueBytes, gopCacheBytes
        case playerWriteBatchMilliseconds
        case handshakeTimeoutSeconds
        case maximumChunkStreams, maximumMessageStreams, maximumAMFDepth, maximumAMFStringLength
        case maximumAcknowledgementWindow, maximumUnacknowledgedBytes
        case connectTimeoutSeconds, startTimeoutSeconds, publisherIdleTimeoutSeconds, playerStallTimeoutSeconds
        case maximumConnections, maximumConnectionsPerAddress, maximumStreams
    }

    public init(from decoder: any Decoder) throws {
        let defaults = LimitsConfiguration()
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        func value(_ key: CodingKeys, _ fallback: Int) throws -> Int {
            try container.decodeIfPresent(Int.self, forKey: key) ?? fallback
        }
        outgoingChunkSize = try value(.outgoingChunkSize, defaults.outgoingChunkSize)
        maximumIncomingChunkSize = try value(.maximumIncomingChunkSize, defaults.maximumIncomingChunkSize)
        maximumMessageSize = try value(.maximumMessageSize, defaults.maximumMessageSize)
        playerQueueBytes = try value(.playerQueueBytes, defaults.playerQueueBytes)
        gopCacheBytes = try value(.gopCacheBytes, defaults.gopCacheBytes)
        playerWriteBatchMilliseconds = try value(.playerWriteBatchMilliseconds, defaults.playerWriteBatchMilliseconds)
        handshakeTimeoutSeconds = try value(.handshakeTimeoutSeconds, defaults.handshakeTimeoutSeconds)
        maximumChunkStreams = try value(.maximumChunkStreams, defaults.maximumChunkStreams)
        maximumMessageStreams = try value(.maximumMessageStreams, defaults.maximumMessageStreams)
        maximumAMFDepth = try value(.maximumAMFDepth, defaults.maximumAMFDepth)
        maximumAMFStringLength = try value(.maximumAMFStringLength, defaults.maximumAMFStringLength)
        maximumAcknowledgementWindow = try value(.maximumAcknowledgementWindow, defaults.maximumAcknowledgementWindow)
        maximumUnacknowledgedBytes = try value(.maximumUnacknowledgedBytes, defaults.maximumUnacknowledgedBytes)
        connectTimeoutSeconds = try value(.connectTimeoutSeconds, defaults.connectTimeoutSeconds)
        startTimeoutSeconds = try value(.startTimeoutSeconds, defaults.startTimeoutSeconds)
        publisherIdleTimeoutSeconds = try value(.publisherIdleTimeoutSeconds, defaults.publisherIdleTimeoutSeconds)
        playerStallTimeoutSeconds = try value(.playerStallTimeoutSeconds, defaults.playerStallTimeoutSeconds)
        maximumConnections = try value(.maximumConnections, defaults.maximumConnections)
        maximumConnectionsPerAddress = try value(.maximumConnectionsPerAddress, defaults.maximumConnectionsPerAddress)
        maximumStreams = try value(.maximumStreams, defaults.maximumStreams)
    }
}

/// The messages the server sends clients when it shuts down gracefully.
public struct ShutdownConfiguration: Sendable, Codable, Equatable {
    /// The tcUrl sent in the Enhanced RTMP Reconnect Request, such as
    /// "rtmp://standby.example.com/live", to move clients whose connect `capsEx`
    /// announced Reconnect to another server. `nil` (the default) asks them to
    /// reconnect to the same URL.
    public var reconnectTcUrl: String?

    /// Creates the default: reconnect to the same URL.
    public init(reconnectTcUrl: String? = nil) {
        self.reconnectTcUrl = reconnectTcUrl
    }

    private enum CodingKeys: String, CodingKey, CaseIterable { case reconnectTcUrl }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        reconnectTcUrl = try container.decodeIfPresent(String.self, forKey: .reconnectTcUrl)
    }
}

/// A configuration value that cannot be used, with the fix in the message.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}

/// A coding key for any field name, to list the keys a file really contains.
struct AnyCodingKey: CodingKey {
    var stringValue: String
    var intValue: Int?

    init(stringValue: String) {
        self.stringValue = stringValue
    }

    init(intValue: Int) {
        self.stringValue = String(intValue)
        self.intValue = intValue
    }
}

extension Decoder {
    /// Throws when the object being decoded has a field that `Keys` does not list, so that a
    /// misspelled setting stops the server instead of being silently ignored.
    func rejectUnknownKeys<Keys: CodingKey & CaseIterable>(_: Keys.Type) throws {
        let container = try container(keyedBy: AnyCodingKey.self)
        let known = Set(Keys.allCases.map(\.stringValue))
        for key in container.allKeys where !known.contains(key.stringValue) {
            let names = Keys.allCases.map(\.stringValue).joined(separator: ", ")
            throw DecodingError.dataCorrupted(
                DecodingError.Context(
                    codingPath: codingPath + [key],
                    debugDescription: "is not a known setting; check its spelling (known here: \(names))"
                )
            )
        }
    }
}
