#if canImport(Glibc)
import Glibc
#endif
import TLS

/// Opens outgoing TCP connections (used by the client, relays and tests).
public enum TCPConnector {
    /// Connects without blocking the loop and calls `completion` on `loop` with the connection,
    /// not yet started, or the error. Call on `loop`.
    ///
    /// - Parameters:
    ///   - host: a numeric IPv4 or IPv6 address, or a host name.
    ///     NOTE: a host name is resolved with `getaddrinfo`, which blocks the loop meanwhile.
    ///   - tls: when set, the connection runs TLS as a client with this context.
    ///   - serverName: the name sent as SNI and checked against the server's certificate.
    ///   - timeout: how long the TCP connect may take.
    public static func connect(
        host: String,
        port: Int,
        on loop: EventLoop,
        tls: TLSContext?,
        serverName: String?,
        timeout: Duration = .seconds(10),
        completion: @escaping (Result<Connection, any Error>) -> Void
    ) {
        loop.preconditionInEventLoop()
        let attempt = ConnectAttempt(eventLoop: loop, tls: tls, serverName: serverName, completion: completion)
        do {
            let address = try RawSocketAddress.resolve(host: host, port: port)
            try attempt.begin(address: address, timeout: timeout)
        } catch {
            loop.executeAfterEvents { attempt.finish(.failure(error)) }
        }
    }
}

/// One outgoing connect in flight: waits for `EPOLLOUT`, then reads `SO_ERROR`.
private final class ConnectAttempt: EventLoopSelectable {
    private let eventLoop: EventLoop
    private let tls: TLSContext?
    private let serverName: String?
    private var completion: ((Result<Connection, any Error>) -> Void)?
    private var descriptor: Int32 = -1
    private var registrationID: UInt64?
    private var timer: TimerHandle?
    private var address = RawSocketAddress()

    init(
        eventLoop: EventLoop,
        tls: TLSContext?,
        serverName: String?,
        completion: @escaping (Result<Connection, any Error>) -> Void
    ) {
        self.eventLoop = eventLoop
        self.tls = tls
        self.serverName = serverName
        self.completion = completion
    }

    func begin(address: RawSocketAddress, timeout: Duration) throws(TransportError) {
        self.address = address
        descriptor = try Socket.makeTCP(family: address.family)
        try Socket.setNoDelay(descriptor)

        // EINTR leaves the connect running in the background, like EINPROGRESS.
        let result = address.withSockAddr { Glibc.connect(descriptor, $0, $1) }
        let code = result == 0 ? 0 : errno
        switch code {
        case 0:
            eventLoop.executeAfterEvents { [self] in connected() }
        case EINPROGRESS, EINTR:
            registrationID = try eventLoop.register(descriptor, interest: Epoll.writable, self)
            timer = eventLoop.scheduleTimer(at: .now() + timeout) { [self] in
                fail(TransportError.timedOut("connect", detail: address.socketAddress.description))
            }
        default:
            throw TransportError.systemCall("connect", errno: code, detail: address.socketAddress.description)
        }
    }

    func handleEvents(_ events: UInt32) {
        let code = Socket.pendingError(descriptor)
        if code == 0 {
            connected()
        } else {
            fail(TransportError.systemCall("connect", errno: code, detail: address.socketAddress.description))
        }
    }

    func closeForShutdown() {
        fail(TransportError.eventLoopShutDown())
    }

    private func stopWaiting() {
        if let registrationID {
            eventLoop.deregister(descriptor, id: registrationID)
            self.registrationID = nil
        }
        if let timer {
            eventLoop.cancelTimer(timer)
            self.timer = nil
        }
    }

    private func connected() {
        stopWaiting()
        do {
            let connection = try Connection.make(
                descriptor: descriptor,
                eventLoop: eventLoop,
                localAddress: Socket.localAddress(descriptor),
                remoteAddress: Socket.remoteAddress(descriptor),
                tls: tls,
                serverName: serverName
            )
            descriptor = -1
            finish(.success(connection))
        } catch {
            fail(error)
        }
    }

    private func fail(_ error: any Error) {
        stopWaiting()
        if descriptor >= 0 {
            closeDescriptor(descriptor)
            descriptor = -1
        }
        finish(.failure(error))
    }

    /// Calls the completion once.
    func finish(_ result: Result<Connection, any Error>) {
        guard let completion else {
            return
        }
        self.completion = nil
        completion(result)
    }
}
