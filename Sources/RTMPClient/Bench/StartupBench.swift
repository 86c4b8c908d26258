import Network
import TLS

/// The start-up benchmark: while the bench publishes a file in a loop, players connect one
/// after another, with random gaps, and each stops at its first video keyframe. Every phase is
/// timed from the moment the player starts connecting.
public enum StartupBench {
    /// The phases, in order, as the JSON names them.
    public static let phaseNames = [
        "tcp", "tls", "handshake", "connect_result", "create_stream", "play_start", "first_media",
        "first_video", "first_keyframe",
    ]

    /// The settings of a run.
    public struct Options: Sendable {
        public var target: BenchTarget
        public var media: BenchMedia
        public var publishKey: String?
        public var count = 20
        public var publisherWait = 2.0
        /// Seconds between one player's end and the next one's start, drawn at random.
        public var gap: ClosedRange<Double> = 0.1...0.9
        /// The maximum time a player may take for each step.
        public var stepTimeout: Duration = .seconds(10)
        public var server = ProcessSpec.none
        public var label = "server"

        public init(target: BenchTarget, media: BenchMedia) {
            self.target = target
            self.media = media
        }
    }

    /// Runs the players one by one.
    /// - Throws: `RTMPClientError` when the publisher cannot connect or stops early.
    public static func run(_ options: Options) async throws(RTMPClientError) -> StartupResult {
        let tls = try BenchRun.tlsContext(for: options.target)
        let group = EventLoopGroup(numberOfThreads: 2)
        defer { group.shutdown() }
        let publisherURL = options.target.withStreamName(options.publishKey ?? options.target.url.streamName)
        let publisher = try BenchPublisher(url: publisherURL, media: options.media, group: group)
        try await publisher.connect()
        publisher.start()
        await BenchRun.sleep(until: BenchPlayer.now() + UInt64(options.publisherWait * 1e9))

        let pids = options.server.resolve()
        let cpuStart = ProcessSampler.cpuSeconds(pids)
        var reports: [BenchPlayer.Report] = []
        for index in 0..<options.count {
            if let failure = publisher.failure {
                reports.append(BenchPlayer.Report(failure: "publisher stopped: \(failure)", index: index))
                continue
            }
            reports.append(await playOnce(index, options, tls: tls, loop: group.loops[1]))
            await BenchRun.sleep(until: BenchPlayer.now() + UInt64(Double.random(in: options.gap) * 1e9))
        }
        let cpuEnd = ProcessSampler.cpuSeconds(pids)
        await publisher.close()
        return StartupResult(options: options, reports: reports, serverCPU: cpuEnd - cpuStart, pids: pids)
    }

    /// Starts one player and waits until it reached its first keyframe or failed.
    static func playOnce(_ index: Int, _ options: Options, tls: TLSContext?, loop: EventLoop) async -> BenchPlayer.Report {
        await withCheckedContinuation { continuation in
            loop.execute {
                let player = BenchPlayer(
                    index: index,
                    target: options.target,
                    streamName: options.target.url.streamName,
                    mode: .untilKeyframe,
                    tls: tls,
                    stamps: nil,
                    loop: loop,
                    stepTimeout: options.stepTimeout,
                    onEnd: { continuation.resume(returning: $0.report()) }
                )
                player.start()
            }
        }
    }

    /// Returns the phase times of `reports` that have them, in milliseconds, keyed by phase name.
    static func phases(_ reports: [BenchPlayer.Report]) -> [String: Distribution] {
        var result: [String: Distribution] = [:]
        for name in phaseNames {
            let values = reports.compactMap { $0.timings.value(named: name) }.map(BenchRun.milliseconds)
            result[name] = Distribution(values)?.rounded(2)
        }
        return result
    }
}

/// The figures of a start-up run.
public struct StartupResult: Sendable, Codable {
    public var test = "startup"
    public var label: String
    public var url: String
    public var tls: Bool
    public var count: Int
    public var ok: Int
    public var errors: [String: Int]
    /// Milliseconds from the start of each connect to each phase.
    public var phases: [String: Distribution]
    public var serverPids: [Int32]
    public var serverCpuS: Double

    enum CodingKeys: String, CodingKey {
        case test, label, url, tls, count, ok, errors, phases
        case serverPids = "server_pids"
        case serverCpuS = "server_cpu_s"
    }

    init(options: StartupBench.Options, reports: [BenchPlayer.Report], serverCPU: Double, pids: [Int32]) {
        label = options.label
        url = options.target.url.tcURL
        tls = options.target.url.isTLS
        count = options.count
        let succeeded = reports.filter { $0.error == nil && $0.timings.firstKeyframe != nil }
        ok = succeeded.count
        errors = BenchRun.errorCounts(reports.compactMap(\.error))
        phases = StartupBench.phases(succeeded)
        serverPids = pids
        serverCpuS = BenchRun.rounded(serverCPU, 3)
    }
}

extension BenchPlayer.Timings {
    /// Returns the time of the phase called `name` in `StartupBench.phaseNames`.
    func value(named name: String) -> UInt64? {
        switch name {
        case "tcp": return tcp
        case "tls": return tls
        case "handshake": return handshake
        case "connect_result": return connectResult
        case "create_stream": return createStream
        case "play_start": return playStart
        case "first_media": return firstMedia
        case "first_video": return firstVideo
        case "first_keyframe": return firstKeyframe
        default: return nil
        }
    }
}

extension BenchPlayer.Report {
    /// Creates the report of a player that never started.
    init(failure: String, index: Int) {
        self.init(index: index, error: failure, timings: .init(), snapshots: [], delaysMilliseconds: [], receivedBytes: 0)
    }
}
