import Foundation
import Network
import Observability
import Synchronization
import TLS

/// A running Sealcast server: the event loops, the RTMP and RTMPS listeners and
/// the live streams they share.
///
/// Both listeners feed the same streams, so a publisher over RTMPS reaches
/// players over RTMP and the other way round.
public final class RTMPServer: Sendable {
    /// What to start.
    public struct Settings: Sendable {
        public var rtmp: ListenAddress?
        public var rtmps: ListenAddress?
        public var tls: TLSContext?
        /// Seconds between checks of the certificate files; 0 reloads only on `reloadTLS()`.
        public var tlsReloadCheckSeconds: Int
        public var applications: [ApplicationConfiguration]
        public var limits: LimitsConfiguration
        public var eventLoops: Int
        /// The messages clients receive on `shutdown()`.
        public var shutdown: ShutdownConfiguration
        /// PROXY protocol per listener; off unless set.
        public var proxyProtocol = ProxyProtocolListeners(rtmp: nil, rtmps: nil)

        public init(
            rtmp: ListenAddress?, rtmps: ListenAddress?, tls: TLSContext?, tlsReloadCheckSeconds: Int = 0,
            applications: [ApplicationConfiguration], limits: LimitsConfiguration = LimitsConfiguration(),
            eventLoops: Int = 0, shutdown: ShutdownConfiguration = ShutdownConfiguration()
        ) {
            self.rtmp = rtmp
            self.rtmps = rtmps
            self.tls = tls
            self.tlsReloadCheckSeconds = tlsReloadCheckSeconds
            self.applications = applications
            self.limits = limits
            self.eventLoops = eventLoops
            self.shutdown = shutdown
        }
    }

    private let group: EventLoopGroup
    private let context: ServerContext
    private let listeners: [TCPListener]
    private let connectionIDs = ConnectionIDs()
    private let reloader: CertificateReloader?

    /// The bound RTMP address (with the kernel's port when 0 was asked), or `nil`.
    public let rtmpAddress: SocketAddress?
    /// The bound RTMPS address, or `nil`.
    public let rtmpsAddress: SocketAddress?
    /// The server's metrics.
    public let metrics: MetricsRegistry

    /// Starts the loops and binds the listeners.
    /// - Throws: `TransportError` when a port cannot be bound (for example, in use), or
    ///   `ConfigurationError` when RTMPS is asked for without a TLS context.
    public init(settings: Settings, logger: Logger, metrics: MetricsRegistry = MetricsRegistry()) throws {
        let threads = settings.eventLoops > 0 ? settings.eventLoops : 0
        group = EventLoopGroup(numberOfThreads: threads)
        self.metrics = metrics
        let context = ServerContext(
            policy: AccessPolicy(applications: settings.applications), loops: group.loops,
            limits: settings.limits, shutdown: settings.shutdown, logger: logger, metrics: metrics
        )
        self.context = context

        let reporter = ProtocolMismatchReporter(logger: logger)
        reloader = settings.tls.map { CertificateReloader(reference: TLSContextReference($0), logger: logger) }
        var bound: [TCPListener] = []
        do {
            if let rtmp = settings.rtmp {
                bound.append(
                    try Self.listen(
                        rtmp, tls: nil, proxyProtocol: settings.proxyProtocol.rtmp, group: group, context: context,
                        ids: connectionIDs, reporter: reporter
                    )
                )
            }
            if let rtmps = settings.rtmps {
                guard let tls = reloader?.reference else {
                    throw ConfigurationError("RTMPS needs a certificate and key: set certificateFile and privateKeyFile")
                }
                let listener = try Self.listen(
                    rtmps, tls: tls, proxyProtocol: settings.proxyProtocol.rtmps, group: group, context: context,
                    ids: connectionIDs, reporter: reporter
                )
                reporter.rtmpsPort.store(listener.localAddress.port, ordering: .relaxed)
                bound.append(listener)
            }
        } catch {
            for listener in bound { listener.close() }
            group.shutdown()
            throw error
        }
        listeners = bound
        var index = 0
        if settings.rtmp != nil {
            rtmpAddress = bound[index].localAddress
            index += 1
        } else {
            rtmpAddress = nil
        }
        rtmpsAddress = settings.rtmps != nil ? bound[index].localAddress : nil
        if let reloader, settings.rtmps != nil, settings.tlsReloadCheckSeconds > 0 {
            reloader.startPolling(every: .seconds(settings.tlsReloadCheckSeconds), on: group.loops[0])
        }
    }

    private static func listen(
        _ address: ListenAddress, tls: TLSContextReference?, proxyProtocol: ProxyProtocolSettings?,
        group: EventLoopGroup, context: ServerContext, ids: ConnectionIDs, reporter: ProtocolMismatchReporter
    ) throws -> TCPListener {
        try TCPListener.bind(
            host: address.host, port: address.port, group: group, reloadableTLS: tls, proxyProtocol: proxyProtocol
        ) { connection in
            connection.protocolMismatchObserver = { connection, mismatch in
                reporter.report(mismatch, on: connection)
            }
            let id = ids.next()
            let handler = RTMPConnectionHandler(connection: connection, context: context, connectionID: id)
            handler.start()
        }
    }

    /// Stops accepting, tells every player and publisher the server is going away,
    /// closes their connections after what is queued, and stops the loops.
    ///
    /// Clients whose connect `capsEx` announced Reconnect first get an Enhanced
    /// RTMP Reconnect Request, with `Settings.shutdown.reconnectTcUrl` when set.
    public func shutdown() {
        for listener in listeners { listener.close() }
        for table in context.connections.all {
            table.loop.execute {
                for handler in Array(table.handlers.values) { handler.shutdown() }
            }
        }
        // Give queued close messages a moment to leave before the loops stop.
        let deadline = Deadline.now() + .milliseconds(300)
        while Deadline.now() < deadline && context.metrics.sessionsActive.value > 0 {
            usleep(10_000)
        }
        group.shutdown()
    }

    /// Rebuilds the RTMPS context from its certificate files for new connections; live
    /// connections keep theirs. A file that cannot be used is logged and the old context stays.
    ///
    /// - Parameter reason: Why the reload runs, for the log, such as "SIGHUP".
    /// - Returns: `true` when the new certificates are in use, `false` without RTMPS or on failure.
    @discardableResult
    public func reloadTLS(reason: String) -> Bool {
        reloader?.reload(reason: reason) ?? false
    }

    /// The context that new RTMPS connections use, or `nil` without RTMPS.
    public var currentTLSContext: TLSContext? { reloader?.reference.current }

    /// The number of live streams, for tests.
    public var streamCount: Int { context.registry.count }
}

/// Numbers connections for the logs, across loops.
final class ConnectionIDs: Sendable {
    private let counter = Atomic<Int>(1)

    func next() -> Int { counter.wrappingAdd(1, ordering: .relaxed).oldValue }
}
