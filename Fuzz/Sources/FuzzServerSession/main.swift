// FuzzServerSession: a server session after a valid handshake, fed arbitrary bytes.
//
// Input: byte 0 picks how the rest is split into pieces (see `pieces(of:seed:)`);
// the remaining bytes are what the client sends after the handshake. The server
// accepts every connect, publish and play request.
//
// Invariant: the session never traps, whatever arrives. After every piece the
// harness takes every event and every block of outbound bytes, and then:
// - the session has nothing left to send and no event left to report;
// - the events of one piece number at most one per input byte, plus a few;
// - the bytes it sent in total stay within 4 KiB plus 64 times the input, so
//   input cannot make the server's output grow without bound;
// - once closed, the session takes no more input and sends nothing more.
// libFuzzer's `-rss_limit_mb` and `-malloc_limit_mb` bound the memory it may reserve.
import Foundation
import FuzzSupport
import RTMP

func check(_ input: [UInt8]) {
    guard let seed = input.first else { return }
    let stream = Array(input.dropFirst())
    let harness = SessionHarness()
    var delivered = 0

    for piece in pieces(of: stream, seed: seed) {
        let wasClosed = harness.server.isClosed
        let step = harness.deliver(piece)
        delivered += piece.count

        require(harness.server.pollOutbound() == nil, "outbound bytes left after draining")
        require(harness.server.nextEvent() == nil, "an event left after draining")
        require(step.events <= piece.count + 4, "\(step.events) events from \(piece.count) bytes")
        require(
            harness.outboundBytes <= 4096 + 64 * delivered,
            "\(harness.outboundBytes) bytes sent in reply to \(delivered) bytes"
        )
        if wasClosed {
            require(step.events == 0 && step.outbound.isEmpty, "a closed session still reacted to input")
        }
    }
    // A deadline that passes is input too, and must not trap.
    harness.server.handleTimeout(now: harness.now + 1)
    _ = harness.server.pollTimeout()
}

if let directory = ProcessInfo.processInfo.environment["SEALCAST_FUZZ_WRITE_SEEDS"] {
    // Writes the bytes real clients send as seed inputs (a zero split byte first), then exits.
    for (name, bytes) in SessionHarness.recordClientBytes() {
        let url = URL(fileURLWithPath: directory).appendingPathComponent("client-\(name)")
        try! Data([0] + bytes).write(to: url)
    }
    exit(0)
}

runFuzzer { data, count in
    check(inputBytes(data, count))
    return 0
}
