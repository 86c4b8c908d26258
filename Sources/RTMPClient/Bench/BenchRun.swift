import Network
import TLS

/// Helpers shared by the benchmark runs.
enum BenchRun {
    /// Runs `body` on `loop` and returns its result.
    static func onLoop<T: Sendable>(_ loop: EventLoop, _ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            loop.execute { continuation.resume(returning: body()) }
        }
    }

    /// Sleeps until the monotonic time `deadline`, in steps of at most 100 ms.
    static func sleep(until deadline: UInt64) async {
        while true {
            let now = BenchPlayer.now()
            guard now < deadline else { return }
            let step = min(deadline - now, 100_000_000)
            try? await Task.sleep(nanoseconds: step)
        }
    }

    /// Makes the TLS context for an `rtmps://` target, or returns nil for `rtmp://`. It does not
    /// verify certificates, because the servers are self-signed test servers on loopback.
    static func tlsContext(for target: BenchTarget) throws(RTMPClientError) -> TLSContext? {
        guard target.url.isTLS else { return nil }
        return try ClientTLSOptions(insecure: true).makeContext()
    }

    /// Milliseconds from nanoseconds, rounded to 0.01.
    static func milliseconds(_ nanoseconds: UInt64) -> Double {
        (Double(nanoseconds) / 10_000).rounded() / 100
    }

    /// `value` rounded to `digits` decimals.
    static func rounded(_ value: Double, _ digits: Int) -> Double {
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        return (value * scale).rounded() / scale
    }

    /// Counts of each distinct error text.
    static func errorCounts(_ errors: [String]) -> [String: Int] {
        errors.reduce(into: [:]) { $0[$1, default: 0] += 1 }
    }
}

/// The players of one event loop, touched only on that loop.
final class LoopPlayers: @unchecked Sendable {
    let loop: EventLoop
    var players: [BenchPlayer] = []

    init(loop: EventLoop) {
        self.loop = loop
    }

    /// Snapshots every player and turns delay recording on or off.
    func snapshotAll(measuring: Bool) {
        loop.preconditionInEventLoop()
        for player in players {
            player.snapshot()
            player.isMeasuring = measuring
        }
    }

    /// Returns every player's report and closes the players.
    func finish() -> [BenchPlayer.Report] {
        loop.preconditionInEventLoop()
        let reports = players.map { $0.report() }
        for player in players { player.close() }
        players = []
        return reports
    }
}
