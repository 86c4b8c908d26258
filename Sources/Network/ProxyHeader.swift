/// The PROXY protocol header (versions 1 and 2) that a load balancer such as HAProxy
/// or an AWS Network Load Balancer sends before the client's first byte, naming the
/// client's real address.
///
/// Version 1 is one text line of at most 107 bytes:
///
///     PROXY TCP4 192.0.2.7 198.51.100.1 56324 1935\r\n
///     PROXY TCP6 2001:db8::7 2001:db8::1 56324 1935\r\n
///     PROXY UNKNOWN\r\n                      (the proxy's own connection, such as a health check)
///
/// Version 2 is binary:
///
///     +------------------------------------+---------+--------+----------------+----------------+
///     | signature (12 bytes)               | ver/cmd | family | length (2, BE) | addresses, TLVs|
///     | 0D 0A 0D 0A 00 0D 0A 51 55 49 54 0A|  0x21   |  0x11  |     0x000C     |  length bytes  |
///     +------------------------------------+---------+--------+----------------+----------------+
///
/// ver/cmd is 0x20 (LOCAL: the proxy's own connection) or 0x21 (PROXY). For family
/// 0x11 (TCP over IPv4) the addresses are source, destination (4 bytes each), source
/// port and destination port (2 bytes each, big-endian). For 0x21 (TCP over IPv6) the
/// addresses are 16 bytes each. TLVs after the addresses are skipped.
public struct ProxyHeader: Sendable, Equatable {
    /// The client's address, or `nil` when the header says the proxy speaks for itself
    /// (v1 UNKNOWN, v2 LOCAL or a family other than TCP), so the socket's peer address applies.
    public var source: SocketAddress?
    /// The address the client connected to at the proxy, when given.
    public var destination: SocketAddress?

    public init(source: SocketAddress?, destination: SocketAddress?) {
        self.source = source
        self.destination = destination
    }

    static let v2Signature: [UInt8] = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A]
    static let v1MaximumLength = 107
    /// Largest v2 address and TLV block accepted, so that a header cannot make the server buffer much.
    public static let v2MaximumPayload = 2048

    /// Whether `byte`, the first byte of a connection, starts a PROXY header: `P` for
    /// version 1 or CR for version 2. RTMP starts with 0x03 and TLS with 0x16, so one byte decides.
    public static func mayStartHeader(_ byte: UInt8) -> Bool { byte == 0x50 || byte == 0x0D }

    /// Parses a header at the start of `bytes`.
    /// - Returns: the header and its length in bytes, or `nil` when more bytes are needed.
    /// - Throws: `ProxyProtocolError` when the bytes are not a valid header.
    public static func parse(_ bytes: some Collection<UInt8>) throws(ProxyProtocolError) -> (header: ProxyHeader, length: Int)? {
        let input = Array(bytes)
        guard let first = input.first else { return nil }
        if first == 0x0D { return try parseVersion2(input) }
        if first == 0x50 { return try parseVersion1(input) }
        throw ProxyProtocolError.missingHeader
    }
}

/// A PROXY protocol header that is missing or invalid.
public struct ProxyProtocolError: Error, Sendable, Equatable, CustomStringConvertible {
    private enum Kind: Sendable, Equatable {
        case missingHeader
        case invalidHeader
    }

    private let kind: Kind
    /// The fault in the header, for logs.
    public let detail: String

    private init(_ kind: Kind, _ detail: String) {
        self.kind = kind
        self.detail = detail
    }

    /// The connection does not start with a PROXY header.
    public static let missingHeader = ProxyProtocolError(.missingHeader, "the connection does not start with a PROXY header")

    /// The header is malformed, with the fault in `detail`.
    public static func invalidHeader(_ detail: String) -> ProxyProtocolError { ProxyProtocolError(.invalidHeader, detail) }

    public static func == (left: ProxyProtocolError, right: ProxyProtocolError) -> Bool { left.kind == right.kind }

    public var description: String { "invalid PROXY protocol header: \(detail)" }
}
