#if canImport(Glibc)
import Glibc
#endif

/// Where a connection or listener is, e.g. "127.0.0.1:1935" or "[::1]:1935".
public struct SocketAddress: Hashable, Sendable, CustomStringConvertible {
    /// The numeric IPv4 or IPv6 address, without brackets.
    public var host: String

    /// The TCP port.
    public var port: Int

    /// An address from its parts.
    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// "host:port", with the host in brackets when it is IPv6.
    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}

/// A `sockaddr_in` or `sockaddr_in6` in storage large enough for either.
struct RawSocketAddress {
    var storage = sockaddr_storage()
    var length = socklen_t(MemoryLayout<sockaddr_storage>.size)

    /// The address family, `AF_INET` or `AF_INET6`.
    var family: Int32 { Int32(storage.ss_family) }

    /// Empty storage for `accept4`, `getsockname` and `getpeername` to fill.
    init() {}

    /// The address for a numeric `host` ("0.0.0.0", "::", "127.0.0.1", "::1", ...) and `port`.
    /// Returns nil when `host` is not numeric.
    init?(numericHost host: String, port: Int) {
        guard (0...65535).contains(port) else {
            return nil
        }
        let networkPort = in_port_t(UInt16(port).bigEndian)

        var address4 = in_addr()
        if inet_pton(AF_INET, host, &address4) == 1 {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = networkPort
            address.sin_addr = address4
            store(address)
            return
        }

        var address6 = in6_addr()
        if inet_pton(AF_INET6, host, &address6) == 1 {
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = networkPort
            address.sin6_addr = address6
            store(address)
            return
        }
        return nil
    }

    /// The address for `host` and `port`: numeric first, then `getaddrinfo`.
    ///
    /// NOTE: `getaddrinfo` blocks the calling thread while it resolves a name.
    static func resolve(host: String, port: Int) throws(TransportError) -> RawSocketAddress {
        if let numeric = RawSocketAddress(numericHost: host, port: port) {
            return numeric
        }
        guard (0...65535).contains(port) else {
            throw TransportError.invalidAddress("\(host) port \(port)")
        }

        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &list) == 0, let first = list else {
            throw TransportError.invalidAddress(host)
        }
        defer { freeaddrinfo(list) }

        var resolved = RawSocketAddress()
        withUnsafeMutableBytes(of: &resolved.storage) { target in
            target.copyMemory(from: UnsafeRawBufferPointer(start: first.pointee.ai_addr, count: Int(first.pointee.ai_addrlen)))
        }
        resolved.length = first.pointee.ai_addrlen
        return resolved
    }

    private mutating func store<Address>(_ address: Address) {
        withUnsafeMutableBytes(of: &storage) { target in
            withUnsafeBytes(of: address) { target.copyMemory(from: $0) }
        }
        length = socklen_t(MemoryLayout<Address>.size)
    }

    /// Calls `body` with the address as a `sockaddr` pointer and its length.
    func withSockAddr<Result>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> Result) -> Result {
        withUnsafeBytes(of: storage) { raw in
            body(raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), length)
        }
    }

    /// Calls `body` with writable storage and its length, for the kernel to fill.
    mutating func withMutableSockAddr<Result>(
        _ body: (UnsafeMutablePointer<sockaddr>, UnsafeMutablePointer<socklen_t>) -> Result
    ) -> Result {
        length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        return withUnsafeMutableBytes(of: &storage) { raw in
            body(raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), &length)
        }
    }

    private static func decodeHost(_ text: [CChar]) -> String {
        let end = text.firstIndex(of: 0) ?? text.endIndex
        return String(decoding: text[..<end].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The numeric host and port.
    var socketAddress: SocketAddress {
        withUnsafeBytes(of: storage) { raw -> SocketAddress in
            var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
            switch family {
            case AF_INET:
                var address = raw.load(as: sockaddr_in.self)
                inet_ntop(AF_INET, &address.sin_addr, &text, socklen_t(text.count))
                return SocketAddress(host: Self.decodeHost(text), port: Int(UInt16(bigEndian: address.sin_port)))
            case AF_INET6:
                var address = raw.load(as: sockaddr_in6.self)
                inet_ntop(AF_INET6, &address.sin6_addr, &text, socklen_t(text.count))
                return SocketAddress(host: Self.decodeHost(text), port: Int(UInt16(bigEndian: address.sin6_port)))
            default:
                return SocketAddress(host: "unknown", port: 0)
            }
        }
    }
}
