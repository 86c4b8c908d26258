#if canImport(Glibc)
import Glibc
#endif

/// The PROXY protocol settings of one listener.
public struct ProxyProtocolSettings: Sendable {
    /// The load balancers whose PROXY headers are honoured. Connections from these
    /// addresses must start with a header. Connections from anywhere else that start
    /// with one are closed, so that a client cannot claim another address.
    public var trustedProxies: [AddressRange]
    /// How long a trusted proxy has to send the whole header.
    public var headerTimeout: Duration

    public init(trustedProxies: [AddressRange], headerTimeout: Duration = .seconds(5)) {
        self.trustedProxies = trustedProxies
        self.headerTimeout = headerTimeout
    }
}

/// Reads the PROXY header of one accepted socket before TLS or RTMP see any byte.
///
/// Bytes are peeked and only the header's own bytes are consumed, so the first TLS or
/// RTMP byte stays in the socket for the `Connection`. While the header is incomplete,
/// every peeked byte belongs to it (a v1 line has no byte after its LF, and a v2 header
/// states its length), so the reader drains them and level-triggered epoll does not spin.
/// Confined to its loop.
final class ProxyHeaderReader: EventLoopSelectable {
    private let descriptor: Int32
    private let eventLoop: EventLoop
    private let peer: SocketAddress
    private let isTrusted: Bool
    private let timeout: Duration
    /// Called once with the client's address, or with `nil` after the socket was closed.
    private let finish: (SocketAddress?) -> Void
    private var received: [UInt8] = []
    private var registrationID: UInt64?
    private var timer: TimerHandle?
    private var isDone = false

    init(
        descriptor: Int32, eventLoop: EventLoop, peer: SocketAddress, settings: ProxyProtocolSettings,
        finish: @escaping (SocketAddress?) -> Void
    ) {
        self.descriptor = descriptor
        self.eventLoop = eventLoop
        self.peer = peer
        self.isTrusted = AddressRange.any(settings.trustedProxies, contains: peer.host)
        self.timeout = settings.headerTimeout
        self.finish = finish
    }

    func start() {
        do {
            registrationID = try eventLoop.register(descriptor, interest: Epoll.readable, self)
        } catch {
            fail()
            return
        }
        timer = eventLoop.scheduleTimer(at: .now() + timeout) { [self] in fail() }
    }

    func handleEvents(_ events: UInt32) {
        guard !isDone else { return }
        var buffer = [UInt8](repeating: 0, count: isTrusted ? 16 + ProxyHeader.v2MaximumPayload : 1)
        let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, Int32(MSG_PEEK)) }
        if count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) { return }
        guard count > 0 else {
            fail()
            return
        }
        let peeked = buffer.prefix(count)

        guard isTrusted else {
            // A direct client: it may connect, but it may not claim another address.
            if ProxyHeader.mayStartHeader(peeked[peeked.startIndex]) { fail() } else { succeed(peer) }
            return
        }
        do {
            guard let (header, length) = try ProxyHeader.parse(received + peeked) else {
                guard consume(count) else { return fail() }
                received += peeked
                return
            }
            guard consume(length - received.count) else { return fail() }
            succeed(header.source ?? peer)
        } catch {
            fail()
        }
    }

    func closeForShutdown() { fail() }

    /// Reads and drops `count` bytes that the peek showed are there.
    private func consume(_ count: Int) -> Bool {
        var scratch = [UInt8](repeating: 0, count: count)
        let read = scratch.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
        return read == count
    }

    private func stop() {
        isDone = true
        if let registrationID { eventLoop.deregister(descriptor, id: registrationID) }
        registrationID = nil
        if let timer { eventLoop.cancelTimer(timer) }
        timer = nil
    }

    private func succeed(_ client: SocketAddress) {
        stop()
        finish(client)
    }

    private func fail() {
        guard !isDone else { return }
        stop()
        closeDescriptor(descriptor)
        finish(nil)
    }
}
