import Network
import Observability
import RTMP
import TLS

/// What every connection of one server shares: policy, streams, settings, logging and metrics.
final class ServerContext: Sendable {
    let policy: AccessPolicy
    let registry: StreamRegistry
    let limits: LimitsConfiguration
    let shutdown: ShutdownConfiguration
    let sessionConfiguration: ServerSession.Configuration
    let logger: Logger
    let metrics: ServerMetrics
    let connections: ConnectionTable
    let admission: ConnectionAdmission
    let authenticator = AdobeAuthenticator()
    let webhooks = WebhookClient()

    init(
        policy: AccessPolicy, loops: [EventLoop], limits: LimitsConfiguration, shutdown: ShutdownConfiguration,
        logger: Logger, metrics: MetricsRegistry
    ) {
        self.policy = policy
        self.registry = StreamRegistry(
            loops: loops, gopCacheBytes: limits.gopCacheBytes, maximumStreams: limits.maximumStreams,
            batchDelay: .milliseconds(limits.playerWriteBatchMilliseconds)
        )
        self.limits = limits
        self.shutdown = shutdown
        var session = ServerSession.Configuration()
        session.outgoingChunkSize = limits.outgoingChunkSize
        session.limits.maximumIncomingChunkSize = limits.maximumIncomingChunkSize
        session.limits.maximumMessageSize = limits.maximumMessageSize
        session.limits.maximumChunkStreams = limits.maximumChunkStreams
        session.limits.maximumMessageStreams = limits.maximumMessageStreams
        session.limits.amf.maximumDepth = limits.maximumAMFDepth
        session.limits.amf.maximumStringLength = limits.maximumAMFStringLength
        session.limits.maximumAcknowledgementWindow = UInt32(limits.maximumAcknowledgementWindow)
        // The handler's watchdog enforces these two. The core's copies match them, so that its
        // pollTimeout() reports the same deadlines.
        session.handshakeTimeout = UInt64(limits.handshakeTimeoutSeconds) * 1000
        session.connectTimeout = UInt64(limits.connectTimeoutSeconds) * 1000
        session.serverVersion = "FMS/3,5,7,7009"
        self.sessionConfiguration = session
        self.logger = logger
        self.metrics = ServerMetrics(registry: metrics)
        self.connections = ConnectionTable(loops: loops)
        self.admission = ConnectionAdmission(
            maximumTotal: limits.maximumConnections, maximumPerAddress: limits.maximumConnectionsPerAddress
        )
    }
}

/// The server's metrics, looked up once.
struct ServerMetrics: Sendable {
    let registry: MetricsRegistry
    let sessionsActive: Gauge
    let sessionsOpened: Counter
    let publishersActive: Gauge
    let playersActive: Gauge
    let mediaDropped: Counter
    let bytesIn: Counter

    init(registry: MetricsRegistry) {
        self.registry = registry
        sessionsActive = registry.gauge("sealcast_sessions_active")
        sessionsOpened = registry.counter("sealcast_sessions_opened_total")
        publishersActive = registry.gauge("sealcast_publishers_active")
        playersActive = registry.gauge("sealcast_players_active")
        mediaDropped = registry.counter("sealcast_messages_dropped_total", dimensions: [("reason", "slow_player")])
        bytesIn = registry.counter("sealcast_bytes_received_total")
    }

    /// Counts a session that ended, by the reason it ended.
    func sessionClosed(reason: String) {
        registry.counter("sealcast_sessions_closed_total", dimensions: [("reason", reason)]).increment()
    }
}

/// Crypto for the RTMP digest handshake, from OpenSSL.
struct OpenSSLHandshakeCrypto: HandshakeCrypto {
    func hmacSHA256(key: [UInt8], data: [UInt8]) -> [UInt8] { Crypto.hmacSHA256(key: key, data: data) }
    func randomBytes(count: Int) -> [UInt8] { Crypto.randomBytes(count: count) }
}

/// The open connections on each loop, so that shutdown can reach them.
final class ConnectionTable: Sendable {
    private let tables: [LoopTable]

    final class LoopTable: @unchecked Sendable {
        let loop: EventLoop
        var handlers: [ObjectIdentifier: RTMPConnectionHandler] = [:]

        init(loop: EventLoop) {
            self.loop = loop
        }
    }

    init(loops: [EventLoop]) {
        tables = loops.map { LoopTable(loop: $0) }
    }

    func table(on loop: EventLoop) -> LoopTable {
        guard let table = tables.first(where: { $0.loop === loop }) else {
            preconditionFailure("event loop is not one of the server's loops")
        }
        return table
    }

    var all: [LoopTable] { tables }
}
