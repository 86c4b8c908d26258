/// HMAC-SHA256 and random bytes, injected: the server passes OpenSSL's, tests
/// pass fixed ones. The protocol core has no cryptography of its own.
public protocol HandshakeCrypto: Sendable {
    /// Returns the 32-byte HMAC-SHA256 of `data` under `key`.
    func hmacSHA256(key: [UInt8], data: [UInt8]) -> [UInt8]
    /// Returns `count` random bytes.
    func randomBytes(count: Int) -> [UInt8]
}

/// Where the 32-byte digest sits in a digest-handshake C1 or S1.
///
/// The 1536-byte packet is a 4-byte time, a 4-byte version and two 764-byte
/// blocks. One block holds the digest at an offset given by the sum of its
/// first four bytes:
///
///     scheme 0: offset = (sum of bytes 8...11)    % 728 + 12
///     scheme 1: offset = (sum of bytes 772...775) % 728 + 776
///
/// The digest is the HMAC-SHA256 of the packet without those 32 bytes.
public enum HandshakeDigestScheme: Sendable, Hashable, CaseIterable {
    /// The offset field at bytes 8...11, as ffmpeg and Flash Player 9 send it.
    case scheme0
    /// The offset field at bytes 772...775, as Flash Player 10 sends it.
    case scheme1

    /// The position of the four bytes whose sum selects the digest offset.
    var offsetFieldPosition: Int { self == .scheme0 ? 8 : 772 }

    /// The position of the digest in `packet`, which must be 1536 bytes.
    public func digestOffset(in packet: [UInt8]) -> Int {
        let field = offsetFieldPosition
        let sum = (field..<field + 4).reduce(0) { $0 + Int(packet[$1]) }
        return sum % 728 + field + 4
    }
}

/// The constants and digest computations of the digest handshake (the
/// unofficial "Flash Player 9" extension of the RTMP handshake).
public enum HandshakeDigest {
    /// The size of C1, S1, C2 and S2.
    public static let packetSize = 1536
    /// The size of an HMAC-SHA256 digest.
    public static let digestLength = 32

    /// The 32 bytes that both keys end with.
    static let keySuffix: [UInt8] = [
        0xF0, 0xEE, 0xC2, 0x4A, 0x80, 0x68, 0xBE, 0xE8, 0x2E, 0x00, 0xD0, 0xD1, 0x02, 0x9E, 0x7E, 0x57,
        0x6E, 0xEC, 0x5D, 0x2D, 0x29, 0x80, 0x6F, 0xAB, 0x93, 0xB8, 0xE6, 0x36, 0xCF, 0xEB, 0x31, 0xAE,
    ]

    /// "Genuine Adobe Flash Player 001" followed by the key suffix, 62 bytes.
    /// The first 30 bytes sign C1; all 62 derive the key that signs C2.
    public static let clientKey: [UInt8] = Array("Genuine Adobe Flash Player 001".utf8) + keySuffix
    /// "Genuine Adobe Flash Media Server 001" followed by the key suffix, 68 bytes.
    /// The first 36 bytes sign S1; all 68 derive the key that signs S2.
    public static let serverKey: [UInt8] = Array("Genuine Adobe Flash Media Server 001".utf8) + keySuffix

    /// The part of the client key that signs C1.
    public static var clientSigningKey: [UInt8] { Array(clientKey.prefix(30)) }
    /// The part of the server key that signs S1.
    public static var serverSigningKey: [UInt8] { Array(serverKey.prefix(36)) }

    /// Returns the digest of `packet` with the 32 bytes at `offset` left out.
    public static func digest(
        of packet: [UInt8],
        skipping offset: Int,
        key: [UInt8],
        crypto: any HandshakeCrypto
    ) -> [UInt8] {
        let data = Array(packet[..<offset]) + Array(packet[(offset + digestLength)...])
        return crypto.hmacSHA256(key: key, data: data)
    }

    /// Writes a digest into `packet` at the offset `scheme` selects.
    /// - Returns: the digest written.
    @discardableResult
    public static func sign(
        _ packet: inout [UInt8],
        scheme: HandshakeDigestScheme,
        key: [UInt8],
        crypto: any HandshakeCrypto
    ) -> [UInt8] {
        let offset = scheme.digestOffset(in: packet)
        let value = digest(of: packet, skipping: offset, key: key, crypto: crypto)
        packet.replaceSubrange(offset..<offset + digestLength, with: value)
        return value
    }

    /// Finds a valid digest in `packet`, trying scheme 1 and then scheme 0.
    /// - Returns: the scheme and the digest, or `nil` when neither position holds a valid one.
    public static func findDigest(
        in packet: [UInt8],
        key: [UInt8],
        crypto: any HandshakeCrypto
    ) -> (scheme: HandshakeDigestScheme, digest: [UInt8])? {
        guard packet.count == packetSize else { return nil }
        for scheme in [HandshakeDigestScheme.scheme1, .scheme0] {
            let offset = scheme.digestOffset(in: packet)
            let found = Array(packet[offset..<offset + digestLength])
            if digest(of: packet, skipping: offset, key: key, crypto: crypto) == found {
                return (scheme, found)
            }
        }
        return nil
    }

    /// Builds the answer to a digest-signed packet (S2 for a C1, C2 for an S1):
    /// 1504 random bytes followed by their HMAC under a key that is itself the
    /// HMAC of the peer's digest under the full 62- or 68-byte key.
    public static func response(
        random: [UInt8],
        peerDigest: [UInt8],
        fullKey: [UInt8],
        crypto: any HandshakeCrypto
    ) -> [UInt8] {
        let body = Array(random.prefix(packetSize - digestLength))
        let signature = responseSignature(of: body, peerDigest: peerDigest, fullKey: fullKey, crypto: crypto)
        return body + signature
    }

    /// Whether `packet` (an S2 or C2) carries the signature that `response` makes.
    public static func isValidResponse(
        _ packet: [UInt8],
        ownDigest: [UInt8],
        peerFullKey: [UInt8],
        crypto: any HandshakeCrypto
    ) -> Bool {
        guard packet.count == packetSize else { return false }
        let body = Array(packet.prefix(packetSize - digestLength))
        let expected = responseSignature(of: body, peerDigest: ownDigest, fullKey: peerFullKey, crypto: crypto)
        return Array(packet.suffix(digestLength)) == expected
    }

    private static func responseSignature(
        of body: [UInt8],
        peerDigest: [UInt8],
        fullKey: [UInt8],
        crypto: any HandshakeCrypto
    ) -> [UInt8] {
        let key = crypto.hmacSHA256(key: fullKey, data: peerDigest)
        return crypto.hmacSHA256(key: key, data: body)
    }
}
