#if canImport(Glibc)
import Glibc
#endif

/// Socket set-up calls shared by listeners, connectors and connections.
enum Socket {
    /// A new non-blocking, close-on-exec TCP socket for `family`.
    static func makeTCP(family: Int32) throws(TransportError) -> Int32 {
        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        return try blockingSystemCall("socket") { socket(family, type, 0) }
    }

    /// Sets an integer socket option.
    static func setOption(_ descriptor: Int32, level: Int32, name: Int32, value: Int32, operation: String)
        throws(TransportError)
    {
        var value = value
        _ = try blockingSystemCall("setsockopt(\(operation))") {
            setsockopt(descriptor, level, name, &value, socklen_t(MemoryLayout<Int32>.size))
        }
    }

    /// Turns off Nagle's algorithm so that small RTMP messages leave at once.
    static func setNoDelay(_ descriptor: Int32) throws(TransportError) {
        try setOption(descriptor, level: Int32(IPPROTO_TCP), name: TCP_NODELAY, value: 1, operation: "TCP_NODELAY")
    }

    /// The address the socket is bound to.
    static func localAddress(_ descriptor: Int32) throws(TransportError) -> SocketAddress {
        var address = RawSocketAddress()
        _ = try blockingSystemCall("getsockname") {
            address.withMutableSockAddr { getsockname(descriptor, $0, $1) }
        }
        return address.socketAddress
    }

    /// The address of the peer.
    static func remoteAddress(_ descriptor: Int32) throws(TransportError) -> SocketAddress {
        var address = RawSocketAddress()
        _ = try blockingSystemCall("getpeername") {
            address.withMutableSockAddr { getpeername(descriptor, $0, $1) }
        }
        return address.socketAddress
    }

    /// The pending error of the socket (`SO_ERROR`), 0 when there is none. Reading it clears it.
    static func pendingError(_ descriptor: Int32) -> Int32 {
        var value: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        if getsockopt(descriptor, SOL_SOCKET, SO_ERROR, &value, &length) < 0 {
            return errno
        }
        return value
    }
}
