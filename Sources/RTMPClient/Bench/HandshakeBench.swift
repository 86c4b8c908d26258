import Network
import TLS

/// The connection set-up benchmark: a closed loop of `concurrency` clients, each doing a TCP
/// connect, TLS for `rtmps://` (a full handshake every time), the RTMP handshake and `connect`
/// up to its `_result`, then closing, for `duration` seconds.
public enum HandshakeBench {
    /// The phases, in order, as the JSON names them.
    public static let phaseNames = ["tcp", "tls", "handshake", "connect_result"]

    /// The settings of a run.
    public struct Options: Sendable {
        public var target: BenchTarget
        public var concurrency = 8
        public var duration = 10.0
        public var server = ProcessSpec.none
        public var label = "server"

        public init(target: BenchTarget) {
            self.target = target
        }
    }

    /// Runs the closed loop.
    /// - Throws: `RTMPClientError.invalidOption` when TLS cannot be set up.
    public static func run(_ options: Options) async throws(RTMPClientError) -> HandshakeResult {
        let tls = try BenchRun.tlsContext(for: options.target)
        let group = EventLoopGroup(numberOfThreads: 1)
        defer { group.shutdown() }
        let loop = group.loops[0]
        let pids = options.server.resolve()
        let cpuStart = ProcessSampler.cpuSeconds(pids)
        let start = BenchPlayer.now()
        let driver = HandshakeDriver(
            options: options,
            tls: tls,
            loop: loop,
            deadline: start + UInt64(options.duration * 1e9)
        )
        await BenchRun.onLoop(loop) { driver.start() }
        await BenchRun.sleep(until: driver.deadline)
        let reports = await BenchRun.onLoop(loop) { driver.finish() }
        let elapsed = Double(BenchPlayer.now() - start) / 1e9
        let cpu = ProcessSampler.cpuSeconds(pids) - cpuStart
        return HandshakeResult(options: options, reports: reports, seconds: elapsed, serverCPU: cpu, pids: pids)
    }
}

/// Keeps `concurrency` handshakes in flight until the deadline; confined to its loop.
final class HandshakeDriver: @unchecked Sendable {
    let deadline: UInt64
    private let options: HandshakeBench.Options
    private let tls: TLSContext?
    private let loop: EventLoop
    private var live: [ObjectIdentifier: BenchPlayer] = [:]
    private var reports: [BenchPlayer.Report] = []
    private var started = 0

    init(options: HandshakeBench.Options, tls: TLSContext?, loop: EventLoop, deadline: UInt64) {
        self.options = options
        self.tls = tls
        self.loop = loop
        self.deadline = deadline
    }

    func start() {
        for _ in 0..<options.concurrency { launch() }
    }

    private func launch() {
        guard BenchPlayer.now() < deadline else { return }
        started += 1
        let player = BenchPlayer(
            index: started,
            target: options.target,
            streamName: "",
            mode: .untilConnected,
            tls: tls,
            stamps: nil,
            loop: loop,
            onEnd: { [self] player in
                live[ObjectIdentifier(player)] = nil
                reports.append(player.report())
                // A new client after the callback returns, so that the ended one is closed first.
                loop.executeAfterEvents { [self] in launch() }
            }
        )
        live[ObjectIdentifier(player)] = player
        player.start()
    }

    /// Closes the clients still in flight, which are not counted, and returns the finished ones.
    func finish() -> [BenchPlayer.Report] {
        for player in live.values { player.close() }
        live = [:]
        return reports
    }
}

/// The figures of a connection set-up run.
public struct HandshakeResult: Sendable, Codable {
    public var test = "handshakes"
    public var label: String
    public var url: String
    public var tls: Bool
    public var concurrency: Int
    public var duration: Double
    public var ok: Int
    public var failed: Int
    public var errors: [String: Int]
    public var ratePerS: Double
    /// Milliseconds from the start of each connect to each phase.
    public var phases: [String: Distribution]
    public var serverPids: [Int32]
    public var serverCpuS: Double
    public var serverCpuMsPerHandshake: Double?
    public var serverCorePct: Double

    enum CodingKeys: String, CodingKey {
        case test, label, url, tls, concurrency, duration, ok, failed, errors, phases
        case ratePerS = "rate_per_s"
        case serverPids = "server_pids"
        case serverCpuS = "server_cpu_s"
        case serverCpuMsPerHandshake = "server_cpu_ms_per_handshake"
        case serverCorePct = "server_core_pct"
    }

    init(options: HandshakeBench.Options, reports: [BenchPlayer.Report], seconds: Double, serverCPU: Double, pids: [Int32]) {
        label = options.label
        url = options.target.url.tcURL
        tls = options.target.url.isTLS
        concurrency = options.concurrency
        duration = BenchRun.rounded(seconds, 2)
        let succeeded = reports.filter { $0.error == nil && $0.timings.connectResult != nil }
        ok = succeeded.count
        failed = reports.count - ok
        errors = BenchRun.errorCounts(reports.compactMap(\.error))
        ratePerS = BenchRun.rounded(Double(ok) / seconds, 1)
        var phases: [String: Distribution] = [:]
        for name in HandshakeBench.phaseNames {
            let values = succeeded.compactMap { $0.timings.value(named: name) }.map(BenchRun.milliseconds)
            phases[name] = Distribution(values)?.rounded(2)
        }
        self.phases = phases
        serverPids = pids
        serverCpuS = BenchRun.rounded(serverCPU, 3)
        serverCpuMsPerHandshake = ok > 0 ? BenchRun.rounded(serverCPU * 1000 / Double(ok), 4) : nil
        serverCorePct = BenchRun.rounded(serverCPU / seconds * 100, 1)
    }
}
