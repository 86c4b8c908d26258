#if canImport(Glibc)
import Glibc
#endif
import CSystem
import Synchronization
import TLS

/// Accepts TCP connections on one address with one listening socket per loop.
///
/// Every socket sets `SO_REUSEPORT`, so the kernel spreads new connections over the loops, and
/// each accepted connection lives on the loop whose socket accepted it. With port 0 the first
/// socket gets a port from the kernel and the others bind to that same port.
public final class TCPListener: Sendable {
    /// The bound address, with the real port when port 0 was requested.
    public let localAddress: SocketAddress

    private let sockets: [ListeningSocket]

    private init(localAddress: SocketAddress, sockets: [ListeningSocket]) {
        self.localAddress = localAddress
        self.sockets = sockets
    }

    /// Binds `host` ("0.0.0.0", "::", "127.0.0.1", "::1", ...) and `port` on every loop of `group`
    /// and starts accepting.
    ///
    /// - Parameters:
    ///   - tls: when set, every accepted connection runs TLS with this context.
    ///   - backlog: the length of each socket's queue of connections not yet accepted.
    ///   - proxyProtocol: when set, a PROXY header from a trusted proxy is read before TLS or
    ///     RTMP and its client address becomes the connection's `remoteAddress`.
    ///   - onAccept: runs on the connection's loop with a connection that is not started yet;
    ///     it sets the handler and calls `start()`.
    /// - Throws: `TransportError` when a socket cannot be created, bound or put in listening state.
    public static func bind(
        host: String,
        port: Int,
        group: EventLoopGroup,
        tls: TLSContext?,
        backlog: Int = 1024,
        proxyProtocol: ProxyProtocolSettings? = nil,
        onAccept: @escaping @Sendable (Connection) -> Void
    ) throws(TransportError) -> TCPListener {
        try bind(
            host: host,
            port: port,
            group: group,
            reloadableTLS: tls.map(TLSContextReference.init),
            backlog: backlog,
            proxyProtocol: proxyProtocol,
            onAccept: onAccept
        )
    }

    /// Binds like `bind(host:port:group:tls:backlog:onAccept:)`, but reads the TLS context from
    /// `reloadableTLS` at each accept, so a replaced context serves new connections only.
    ///
    /// Accepted connections check their first byte, and one that shows the other protocol
    /// (a TLS ClientHello on a plain port, RTMP's C0 on a TLS port) is reported to the
    /// connection's `protocolMismatchObserver` and closed with a `ProtocolMismatch` error.
    ///
    /// - Throws: `TransportError` when a socket cannot be created, bound or put in listening state.
    public static func bind(
        host: String,
        port: Int,
        group: EventLoopGroup,
        reloadableTLS tls: TLSContextReference?,
        backlog: Int = 1024,
        proxyProtocol: ProxyProtocolSettings? = nil,
        onAccept: @escaping @Sendable (Connection) -> Void
    ) throws(TransportError) -> TCPListener {
        guard let requested = RawSocketAddress(numericHost: host, port: port) else {
            throw TransportError.invalidAddress("\(host) port \(port)")
        }

        var descriptors: [Int32] = []
        var boundAddress = requested
        do {
            if port != 0 {
                try checkPortIsFree(requested)
            }
            for _ in group.loops {
                let descriptor = try openListeningSocket(at: boundAddress, backlog: backlog)
                descriptors.append(descriptor)
                if descriptors.count == 1 && port == 0 {
                    let actual = try Socket.localAddress(descriptor)
                    boundAddress = RawSocketAddress(numericHost: host, port: actual.port)!
                }
            }
        } catch {
            descriptors.forEach(closeDescriptor)
            throw error
        }

        let sockets = zip(group.loops, descriptors).map { loop, descriptor in
            ListeningSocket(
                descriptor: descriptor, eventLoop: loop, tls: tls, proxyProtocol: proxyProtocol, onAccept: onAccept
            )
        }
        for socket in sockets {
            socket.eventLoop.execute { socket.register() }
        }
        return TCPListener(localAddress: boundAddress.socketAddress, sockets: sockets)
    }

    /// Stops accepting and closes the listening sockets; established connections stay open.
    /// Callable from any thread; the sockets close on their loops soon after.
    public func close() {
        for socket in sockets {
            socket.eventLoop.execute { socket.close() }
        }
    }

    /// Binds and closes a socket without `SO_REUSEPORT`. Linux lets every process of the same
    /// user join a port whose sockets all set `SO_REUSEPORT`, so without this check a second
    /// server would share the port with the first instead of failing with `EADDRINUSE`.
    private static func checkPortIsFree(_ address: RawSocketAddress) throws(TransportError) {
        let descriptor = try Socket.makeTCP(family: address.family)
        defer { closeDescriptor(descriptor) }
        do {
            try Socket.setOption(descriptor, level: SOL_SOCKET, name: SO_REUSEADDR, value: 1, operation: "SO_REUSEADDR")
            _ = try blockingSystemCall("bind") {
                address.withSockAddr { Glibc.bind(descriptor, $0, $1) }
            }
        } catch {
            throw TransportError.systemCall(error.operation, errno: error.errno, detail: address.socketAddress.description)
        }
    }

    private static func openListeningSocket(at address: RawSocketAddress, backlog: Int) throws(TransportError) -> Int32 {
        let descriptor = try Socket.makeTCP(family: address.family)
        do {
            try Socket.setOption(descriptor, level: SOL_SOCKET, name: SO_REUSEADDR, value: 1, operation: "SO_REUSEADDR")
            try Socket.setOption(descriptor, level: SOL_SOCKET, name: SO_REUSEPORT, value: 1, operation: "SO_REUSEPORT")
            _ = try blockingSystemCall("bind") {
                address.withSockAddr { Glibc.bind(descriptor, $0, $1) }
            }
            _ = try blockingSystemCall("listen") { listen(descriptor, Int32(clamping: backlog)) }
        } catch {
            closeDescriptor(descriptor)
            throw TransportError.systemCall(error.operation, errno: error.errno, detail: address.socketAddress.description)
        }
        return descriptor
    }
}

/// One listening socket, confined to its loop after `register()`.
final class ListeningSocket: EventLoopSelectable, @unchecked Sendable {
    let eventLoop: EventLoop
    private let descriptor: Int32
    private let tls: TLSContextReference?
    private let proxyProtocol: ProxyProtocolSettings?
    private let onAccept: @Sendable (Connection) -> Void
    private var registrationID: UInt64?
    private var isClosed = false

    /// Accepts per readiness event before the loop serves other registrations.
    private static let maximumAcceptsPerEvent = 64

    /// How long accepting pauses when the process is out of descriptors or memory.
    private static let resourceBackoff = Duration.milliseconds(100)

    init(
        descriptor: Int32,
        eventLoop: EventLoop,
        tls: TLSContextReference?,
        proxyProtocol: ProxyProtocolSettings?,
        onAccept: @escaping @Sendable (Connection) -> Void
    ) {
        self.descriptor = descriptor
        self.eventLoop = eventLoop
        self.tls = tls
        self.proxyProtocol = proxyProtocol
        self.onAccept = onAccept
    }

    func register() {
        guard !isClosed else {
            return
        }
        do {
            registrationID = try eventLoop.register(descriptor, interest: Epoll.readable, self)
        } catch {
            // NOTE: a listening socket that cannot join epoll is closed; the other loops keep
            // accepting on the same port.
            close()
        }
    }

    func close() {
        guard !isClosed else {
            return
        }
        isClosed = true
        if let registrationID {
            eventLoop.deregister(descriptor, id: registrationID)
        }
        closeDescriptor(descriptor)
    }

    func closeForShutdown() {
        close()
    }

    func handleEvents(_ events: UInt32) {
        for _ in 0..<Self.maximumAcceptsPerEvent {
            var address = RawSocketAddress()
            let flags = Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
            do throws(TransportError) {
                let result = try systemCall("accept4") {
                    address.withMutableSockAddr { sealcast_accept4(descriptor, $0, $1, flags) }
                }
                guard case .processed(let client) = result else {
                    return
                }
                accepted(client, remoteAddress: address.socketAddress)
            } catch {
                if !handleAcceptError(error) {
                    return
                }
            }
        }
    }

    /// Returns true when accepting may go on at once.
    private func handleAcceptError(_ error: TransportError) -> Bool {
        switch error.errno {
        case ECONNABORTED, EPROTO, EPERM:
            // The connection died before it was accepted, or a firewall rejected it.
            return true
        default:
            // Out of descriptors or memory (EMFILE, ENFILE, ENOBUFS, ENOMEM) or worse: pause,
            // because level-triggered epoll would otherwise report the same socket in a busy loop.
            pauseAccepting()
            return false
        }
    }

    private func pauseAccepting() {
        guard let registrationID else {
            return
        }
        try? eventLoop.modify(descriptor, id: registrationID, interest: 0)
        _ = eventLoop.scheduleTimer(at: .now() + Self.resourceBackoff) { [self] in
            guard !isClosed else {
                return
            }
            try? eventLoop.modify(descriptor, id: registrationID, interest: Epoll.readable)
        }
    }

    private func accepted(_ client: Int32, remoteAddress: SocketAddress) {
        guard let proxyProtocol else {
            startConnection(client, remoteAddress: remoteAddress)
            return
        }
        let reader = ProxyHeaderReader(descriptor: client, eventLoop: eventLoop, peer: remoteAddress, settings: proxyProtocol) {
            [self] address in
            // The reader closed the socket when it returns nil.
            if let address { startConnection(client, remoteAddress: address) }
        }
        reader.start()
    }

    private func startConnection(_ client: Int32, remoteAddress: SocketAddress) {
        let connection: Connection
        do {
            try Socket.setNoDelay(client)
            let localAddress = try Socket.localAddress(client)
            connection = try Connection.make(
                descriptor: client,
                eventLoop: eventLoop,
                localAddress: localAddress,
                remoteAddress: remoteAddress,
                tls: tls?.current,
                serverName: nil
            )
            connection.checksFirstByte = true
        } catch {
            // NOTE: the peer receives a reset, and no handler exists yet to report the error to.
            closeDescriptor(client)
            return
        }
        onAccept(connection)
    }
}
