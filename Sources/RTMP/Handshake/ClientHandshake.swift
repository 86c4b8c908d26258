import Bytes

/// The client side of the RTMP handshake.
///
/// With a digest scheme the client signs C1 as Flash Player does. If S1 then
/// carries a valid server digest, the client checks that S2 was derived from
/// its own digest and signs C2 from the server's. Otherwise C2 echoes S1, as
/// in the simple handshake.
public struct ClientHandshake: Sendable {
    private enum State: Sendable {
        case initial
        case awaitingS0S1S2(c1Digest: [UInt8]?)
        case completed
    }

    /// The version C1 reports when it carries a digest, 10.0.32.18; any nonzero
    /// value makes the server look for the digest.
    static let clientVersion: [UInt8] = [10, 0, 32, 18]

    private var state = State.initial
    private let digestScheme: HandshakeDigestScheme?
    private let crypto: any HandshakeCrypto

    /// Creates the state machine.
    /// - Parameters:
    ///   - digestScheme: where C1's digest goes, or `nil` for the simple handshake.
    ///   - crypto: the random bytes and HMACs.
    public init(digestScheme: HandshakeDigestScheme?, crypto: any HandshakeCrypto) {
        self.digestScheme = digestScheme
        self.crypto = crypto
    }

    /// Whether S2 has arrived and C2 was produced.
    public var isCompleted: Bool {
        if case .completed = state { return true }
        return false
    }

    /// Returns C0 + C1; call once, first.
    public mutating func start(now: UInt64) -> [UInt8] {
        precondition({ if case .initial = state { return true } else { return false } }(), "start called twice")
        var c1 = bigEndianBytes(UInt32(truncatingIfNeeded: now)) + [0, 0, 0, 0]
            + crypto.randomBytes(count: HandshakeDigest.packetSize - 8)
        var digest: [UInt8]?
        if let digestScheme {
            c1.replaceSubrange(4..<8, with: Self.clientVersion)
            digest = HandshakeDigest.sign(
                &c1,
                scheme: digestScheme,
                key: HandshakeDigest.clientSigningKey,
                crypto: crypto
            )
        }
        state = .awaitingS0S1S2(c1Digest: digest)
        return [3] + c1
    }

    /// Consumes S0 + S1 + S2 from `buffer` once all 3073 bytes are readable.
    /// - Returns: C2 in `outbound` when complete.
    /// - Throws: `RTMPProtocolError` when S0 is not 3 or S2 carries a wrong signature.
    public mutating func advance(_ buffer: inout ByteBuffer) throws(RTMPProtocolError) -> HandshakeProgress {
        var progress = HandshakeProgress()
        guard case .awaitingS0S1S2(let c1Digest) = state else { return progress }
        guard let version = buffer.getByte(at: buffer.readerIndex) else { return progress }
        guard version == 3 else { throw .unsupportedVersion(version) }
        guard buffer.readableBytes >= 1 + 2 * HandshakeDigest.packetSize else { return progress }
        buffer.moveReaderIndex(forwardBy: 1)
        let s1 = buffer.readBytes(length: HandshakeDigest.packetSize) ?? []
        let s2 = buffer.readBytes(length: HandshakeDigest.packetSize) ?? []

        var c2 = s1
        let serverVersionIsZero = s1[4..<8].allSatisfy { $0 == 0 }
        if let c1Digest, !serverVersionIsZero,
            let (_, serverDigest) = HandshakeDigest.findDigest(
                in: s1,
                key: HandshakeDigest.serverSigningKey,
                crypto: crypto
            )
        {
            guard
                HandshakeDigest.isValidResponse(
                    s2,
                    ownDigest: c1Digest,
                    peerFullKey: HandshakeDigest.serverKey,
                    crypto: crypto
                )
            else { throw .handshakeFailed("S2 is not signed with the digest of C1") }
            c2 = HandshakeDigest.response(
                random: crypto.randomBytes(count: HandshakeDigest.packetSize - HandshakeDigest.digestLength),
                peerDigest: serverDigest,
                fullKey: HandshakeDigest.clientKey,
                crypto: crypto
            )
            progress.usedDigest = true
        }
        state = .completed
        progress.outbound = c2
        progress.completed = true
        return progress
    }
}
