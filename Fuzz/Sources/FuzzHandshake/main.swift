// FuzzHandshake: the server side of the RTMP handshake over arbitrary bytes.
//
// Input: byte 0 picks how the rest is split into pieces (see `pieces(of:seed:)`),
// byte 1 bit 0 requests a C1 signed with a valid digest (bit 1 chooses scheme 1),
// and the remaining bytes are what the client sends.
//
// Invariant: fed whole or in pieces, `ServerHandshake` either completes, needs
// more bytes, or throws `RTMPProtocolError`; it never traps. Both feedings end
// the same way with the same reply. In detail:
// - C0 other than 3 throws at once; with C0 = 3 the handshake completes exactly
//   when C0 + C1 + C2 (3,073 bytes) have arrived, and needs more before that;
// - the reply is S0 = 3 + S1 + S2 (3,073 bytes), sent once C1 is in;
// - bytes after C2 stay in the buffer;
// - a C1 signed with a valid digest gets the digest reply.
import Bytes
import FuzzSupport
import RTMP

let packetSize = HandshakeDigest.packetSize
let crypto = FuzzCrypto(seed: 17)

/// The result of one feeding.
struct Outcome: Equatable {
    var error: RTMPProtocolError?
    var reply: [UInt8] = []
    var completed = false
    var usedDigest = false
    var leftover = 0
}

func feed(_ chunks: [ArraySlice<UInt8>]) -> Outcome {
    var handshake = ServerHandshake(crypto: crypto)
    var buffer = ByteBuffer()
    var outcome = Outcome()
    for chunk in chunks {
        buffer.writeBytes(chunk)
        do {
            let progress = try handshake.advance(&buffer, now: 1_000)
            outcome.reply += progress.outbound
            if progress.completed {
                require(!outcome.completed, "handshake completed twice")
                outcome.completed = true
                outcome.usedDigest = progress.usedDigest
            }
            require(handshake.isCompleted == outcome.completed, "isCompleted disagrees with the progress")
        } catch {
            outcome.error = error
            break
        }
    }
    outcome.leftover = buffer.readableBytes
    return outcome
}

func check(_ input: [UInt8]) {
    guard input.count >= 2 else { return }
    var stream = Array(input[2...])
    var signed = false
    if input[1] & 1 == 1, stream.count >= 1 + packetSize {
        // Act as a client that signs C1: a non-zero version, then the digest.
        var c1 = Array(stream[1...packetSize])
        c1[4] |= 0x80
        let scheme: HandshakeDigestScheme = input[1] & 2 == 0 ? .scheme0 : .scheme1
        _ = HandshakeDigest.sign(&c1, scheme: scheme, key: HandshakeDigest.clientSigningKey, crypto: crypto)
        stream.replaceSubrange(1...packetSize, with: c1)
        signed = true
    }

    let whole = feed([stream[...]])
    let split = feed(pieces(of: stream, seed: input[0]))
    // After an error the split feeding stops early, so the bytes left over may differ.
    var splitForComparison = split
    if whole.error != nil { splitForComparison.leftover = whole.leftover }
    require(whole == splitForComparison, "whole and split feeding differ: \(whole) vs \(split)")

    guard let first = stream.first else {
        require(whole.error == nil && whole.reply.isEmpty, "empty input produced output")
        return
    }
    guard first == 3 else {
        require(whole.error == .unsupportedVersion(first), "C0 \(first) was not rejected")
        return
    }
    require(whole.error == nil, "a version-3 handshake failed: \(String(describing: whole.error))")
    if stream.count < 1 + packetSize {
        require(whole.reply.isEmpty && whole.leftover == stream.count, "replied before C1 was complete")
        return
    }
    require(whole.reply.count == 1 + 2 * packetSize && whole.reply[0] == 3, "reply is not S0 + S1 + S2")
    let expectsCompletion = stream.count >= 1 + 2 * packetSize
    require(whole.completed == expectsCompletion, "completion does not match the 3,073-byte rule")
    if expectsCompletion {
        require(whole.leftover == stream.count - (1 + 2 * packetSize), "bytes after C2 were consumed")
    }
    if signed {
        require(!whole.completed || whole.usedDigest, "a validly signed C1 got the simple handshake")
    }
}

runFuzzer { data, count in
    check(inputBytes(data, count))
    return 0
}
