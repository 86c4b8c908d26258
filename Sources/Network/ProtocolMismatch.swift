/// A client that connected to a port of the other kind: TLS to a plain port, or plain to a TLS port.
///
/// A listener checks the first byte that each accepted connection receives. A TLS client opens
/// with a handshake record, whose content type is 0x16, and RTMP opens with its version byte C0,
/// which is 3. The check flags only these two bytes, so any other first byte goes to the normal
/// handling, which rejects it in its own terms.
public struct ProtocolMismatch: Error, Sendable, Equatable, CustomStringConvertible {
    private enum Kind: Sendable {
        case tlsClientOnPlainPort
        case plainClientOnTLSPort
    }

    private let kind: Kind

    /// A TLS ClientHello arrived on a port without TLS.
    public static let tlsClientOnPlainPort = ProtocolMismatch(kind: .tlsClientOnPlainPort)

    /// A plain RTMP handshake arrived on a TLS port.
    public static let plainClientOnTLSPort = ProtocolMismatch(kind: .plainClientOnTLSPort)

    /// The TLS record content type of a handshake message, which opens every ClientHello.
    static let tlsHandshakeRecord: UInt8 = 0x16

    /// RTMP's C0 byte: the protocol version 3.
    static let rtmpVersion: UInt8 = 0x03

    public var description: String {
        switch kind {
        case .tlsClientOnPlainPort:
            return "a TLS client connected to a plain port"
        case .plainClientOnTLSPort:
            return "a plain RTMP client connected to a TLS port"
        }
    }

    /// Classifies the first byte a server connection received.
    ///
    /// - Parameters:
    ///   - firstByte: The first byte the client sent.
    ///   - onTLSPort: Whether the connection runs TLS.
    /// - Returns: The mismatch, or `nil` when the byte fits the port or is neither 0x16 nor 3.
    public static func detect(firstByte: UInt8, onTLSPort: Bool) -> ProtocolMismatch? {
        if onTLSPort {
            return firstByte == rtmpVersion ? .plainClientOnTLSPort : nil
        }
        return firstByte == tlsHandshakeRecord ? .tlsClientOnPlainPort : nil
    }
}
