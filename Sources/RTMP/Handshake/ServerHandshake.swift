import Bytes

/// The progress of one call into a handshake state machine.
public struct HandshakeProgress: Sendable, Equatable {
    /// Bytes to send to the peer, possibly empty.
    public var outbound: [UInt8] = []
    /// Whether the handshake finished in this call.
    public var completed = false
    /// Whether the digest handshake was used; meaningful once `completed`.
    public var usedDigest = false
}

/// The server side of the RTMP handshake.
///
///     client                       server
///     C0 (1) + C1 (1536)   ---->
///                          <----   S0 (1) + S1 (1536) + S2 (1536)
///     C2 (1536)            ---->   handshake complete
///
/// C0 must name version 3. When the version field of C1 (bytes 4...7) is not
/// zero, the client may have signed C1 with a digest (either scheme, see
/// `HandshakeDigestScheme`). If the digest is valid the server signs S1 with
/// the same scheme and derives S2 from the client's digest, which ffmpeg's
/// player checks. Otherwise the server replies with the simple handshake:
/// S1 is a time, four zero bytes and random bytes, and S2 echoes C1.
/// C2 is read and not checked, as Flash-era servers do.
public struct ServerHandshake: Sendable {
    private enum State: Sendable {
        case awaitingC0C1
        case awaitingC2(usedDigest: Bool)
        case completed
    }

    /// The version S1 reports in the digest handshake, 5.0.3.1. ffmpeg checks the
    /// S1 digest only when the first byte is 3 or more.
    static let serverVersion: [UInt8] = [5, 0, 3, 1]

    private var state = State.awaitingC0C1
    private let crypto: any HandshakeCrypto

    /// Creates the state machine; `crypto` supplies S1's random bytes and the HMACs.
    public init(crypto: any HandshakeCrypto) {
        self.crypto = crypto
    }

    /// Whether C2 has arrived.
    public var isCompleted: Bool {
        if case .completed = state { return true }
        return false
    }

    /// Consumes handshake bytes from `buffer`; bytes after C2 stay in it.
    /// - Parameter now: the current time in milliseconds, written into S1.
    /// - Throws: `RTMPProtocolError.unsupportedVersion` when C0 is not 3.
    public mutating func advance(
        _ buffer: inout ByteBuffer,
        now: UInt64
    ) throws(RTMPProtocolError) -> HandshakeProgress {
        var progress = HandshakeProgress()
        if case .awaitingC0C1 = state {
            // Check C0 as soon as it arrives, so a TLS or HTTP client is rejected at once.
            guard let version = buffer.getByte(at: buffer.readerIndex) else { return progress }
            guard version == 3 else { throw .unsupportedVersion(version) }
            guard buffer.readableBytes >= 1 + HandshakeDigest.packetSize else { return progress }
            buffer.moveReaderIndex(forwardBy: 1)
            let c1 = buffer.readBytes(length: HandshakeDigest.packetSize) ?? []
            let (reply, usedDigest) = makeReply(to: c1, now: now)
            progress.outbound = reply
            state = .awaitingC2(usedDigest: usedDigest)
        }
        if case .awaitingC2(let usedDigest) = state, buffer.readableBytes >= HandshakeDigest.packetSize {
            buffer.moveReaderIndex(forwardBy: HandshakeDigest.packetSize)
            state = .completed
            progress.completed = true
            progress.usedDigest = usedDigest
        }
        return progress
    }

    /// Builds S0 + S1 + S2 for `c1`.
    private func makeReply(to c1: [UInt8], now: UInt64) -> (bytes: [UInt8], usedDigest: Bool) {
        let time = UInt32(truncatingIfNeeded: now)
        var s1 = bigEndianBytes(time) + [0, 0, 0, 0] + crypto.randomBytes(count: HandshakeDigest.packetSize - 8)
        let clientVersionIsZero = c1[4..<8].allSatisfy { $0 == 0 }
        guard !clientVersionIsZero,
            let (scheme, clientDigest) = HandshakeDigest.findDigest(
                in: c1,
                key: HandshakeDigest.clientSigningKey,
                crypto: crypto
            )
        else {
            return ([3] + s1 + c1, false)
        }

        s1.replaceSubrange(4..<8, with: Self.serverVersion)
        HandshakeDigest.sign(&s1, scheme: scheme, key: HandshakeDigest.serverSigningKey, crypto: crypto)
        let s2 = HandshakeDigest.response(
            random: crypto.randomBytes(count: HandshakeDigest.packetSize - HandshakeDigest.digestLength),
            peerDigest: clientDigest,
            fullKey: HandshakeDigest.serverKey,
            crypto: crypto
        )
        return ([3] + s1 + s2, true)
    }
}

/// Returns the four big-endian bytes of `value`.
func bigEndianBytes(_ value: UInt32) -> [UInt8] {
    [UInt8(truncatingIfNeeded: value >> 24), UInt8(truncatingIfNeeded: value >> 16),
     UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value)]
}
