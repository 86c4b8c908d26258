import Network
import TLS

/// The fan-out benchmark: M publishers of this process replay a file, N players play it, and
/// over a measurement window the run counts what each player received and what the server spent.
///
///     publishers start -> pub-wait -> players connect over the ramp -> warm-up
///       -> window: snapshot, CPU; memory every second; snapshot, CPU -> players and publishers stop
///
/// The definitions are those of `rtmpbench.py`. A GB is 10^9 RTMP bytes received by the
/// players (after TLS, without its record overhead). A player kept up when its media payload
/// bytes and its media timestamps both reached the `KeepUpRule` threshold. Server CPU is
/// utime + stime of the PIDSPEC processes and their descendants, all threads included.
///
/// NOTE: on the same Sealcast server, on a 2-core machine, this run measured 10–20 % more
/// server CPU per GB than `rtmpbench.py` at N = 50 and 200, with the same bytes, keep-up
/// counts and keyframe times. The extra is in the server's system time, so it is likely the
/// kernel work of waking this process's players, which read each socket at once.
public enum FanoutBench {
    /// The settings of a run.
    public struct Options: Sendable {
        public var target: BenchTarget
        public var players: Int
        public var media: BenchMedia
        /// Publish to app/KEY while players play the URL's stream (a server's secret key).
        public var publishKey: String?
        /// Publishers; with more than one, publisher i (from 2) publishes NAME-i and the players
        /// are spread over the streams in turn.
        public var publishers = 1
        public var duration = 20.0
        public var warmup = 3.0
        /// Seconds over which players connect; nil for N/100, at least 0.5.
        public var ramp: Double?
        public var publisherWait = 2.0
        public var server = ProcessSpec.none
        public var label = "server"
        /// Event loops (threads) that run the players.
        public var loops = 1
        public var keepUpThreshold = 0.95

        public init(target: BenchTarget, players: Int, media: BenchMedia) {
            self.target = target
            self.players = players
            self.media = media
        }

        var effectiveRamp: Double { ramp ?? max(0.5, Double(players) / 100) }
    }

    /// Runs the benchmark once.
    ///
    /// - Throws: `RTMPClientError` when a publisher cannot connect or stops before the players
    ///   start; failures of players are counted in the result instead.
    public static func run(_ options: Options) async throws(RTMPClientError) -> FanoutResult {
        let tls = try BenchRun.tlsContext(for: options.target)
        let publisherGroup = EventLoopGroup(numberOfThreads: 1)
        let playerGroup = EventLoopGroup(numberOfThreads: max(1, options.loops))
        defer {
            playerGroup.shutdown()
            publisherGroup.shutdown()
        }

        // publishers
        let publishers = try makePublishers(options, group: publisherGroup)
        func stopPublishers() async {
            for publisher in publishers { await publisher.close() }
        }
        for publisher in publishers {
            do {
                try await publisher.connect()
            } catch {
                await stopPublishers()
                throw error
            }
            publisher.start()
        }
        await BenchRun.sleep(until: BenchPlayer.now() + UInt64(options.publisherWait * 1e9))
        if let failure = publishers.compactMap(\.failure).first {
            await stopPublishers()
            throw .connectionClosed("while publishing before the players started (\(failure))", url: options.target.url)
        }

        // idle server, then players over the ramp
        var measurement = Measurement(spec: options.server)
        measurement.recordIdle()
        let sets = playerGroup.loops.map(LoopPlayers.init)
        let timeline = Timeline(options)
        startPlayers(options, sets: sets, tls: tls, publishers: publishers, timeline: timeline)

        // the window
        await BenchRun.sleep(until: timeline.windowStart)
        for set in sets { await BenchRun.onLoop(set.loop) { set.snapshotAll(measuring: true) } }
        measurement.startWindow()
        while BenchPlayer.now() < timeline.windowEnd {
            measurement.sampleMemory()
            await BenchRun.sleep(until: min(timeline.windowEnd, BenchPlayer.now() + 1_000_000_000))
        }
        for set in sets { await BenchRun.onLoop(set.loop) { set.snapshotAll(measuring: false) } }
        measurement.endWindow()

        // the end
        var reports: [BenchPlayer.Report] = []
        for set in sets { reports += await BenchRun.onLoop(set.loop) { set.finish() } }
        let publisherFailure = publishers.compactMap(\.failure).first
        await stopPublishers()
        return FanoutResult(options: options, reports: reports, measurement: measurement, publisherFailure: publisherFailure)
    }

    private static func makePublishers(_ options: Options, group: EventLoopGroup) throws(RTMPClientError) -> [BenchPublisher] {
        let base = options.publishKey ?? options.target.url.streamName
        var publishers: [BenchPublisher] = []
        for index in 0..<max(1, options.publishers) {
            let url = options.target.withStreamName(streamName(base, index))
            publishers.append(try BenchPublisher(url: url, media: options.media, group: group))
        }
        return publishers
    }

    /// Returns the stream name of publisher `index`: the base name, then NAME-2, NAME-3, …
    static func streamName(_ base: String, _ index: Int) -> String {
        index == 0 ? base : "\(base)-\(index + 1)"
    }

    /// The monotonic times of the run's phases.
    struct Timeline: Sendable {
        var connectStart: UInt64
        var ramp: UInt64
        var windowStart: UInt64
        var windowEnd: UInt64

        init(_ options: Options) {
            connectStart = BenchPlayer.now() + 300_000_000
            ramp = UInt64(options.effectiveRamp * 1e9)
            windowStart = connectStart + ramp + UInt64(options.warmup * 1e9)
            windowEnd = windowStart + UInt64(options.duration * 1e9)
        }
    }

    private static func startPlayers(
        _ options: Options,
        sets: [LoopPlayers],
        tls: TLSContext?,
        publishers: [BenchPublisher],
        timeline: Timeline
    ) {
        let count = max(1, options.players)
        for index in 0..<options.players {
            let set = sets[index % sets.count]
            let publisherIndex = index % publishers.count
            let player = BenchPlayer(
                index: index,
                target: options.target,
                streamName: streamName(options.target.url.streamName, publisherIndex),
                mode: .play,
                tls: tls,
                stamps: publishers[publisherIndex].stamps,
                loop: set.loop,
                onEnd: { _ in }
            )
            let due = Deadline(uptimeNanoseconds: timeline.connectStart + timeline.ramp * UInt64(index) / UInt64(count))
            set.loop.execute {
                set.players.append(player)
                _ = set.loop.scheduleTimer(at: due) { player.start() }
            }
        }
    }
}

/// The server and own-process figures of a fan-out run.
struct Measurement: Sendable {
    let spec: ProcessSpec
    var pids: [Int32] = []
    var idle = (rss: 0, pss: 0)
    var peak = (rss: 0, pss: 0)
    var cpuStart = 0.0
    var cpuEnd = 0.0
    var threadsStart: [String: Double] = [:]
    var threadsEnd: [String: Double] = [:]
    var ownStart = 0.0
    var ownEnd = 0.0
    var windowStart: UInt64 = 0
    var windowEnd: UInt64 = 0

    init(spec: ProcessSpec) {
        self.spec = spec
    }

    mutating func recordIdle() {
        pids = spec.resolve()
        idle = ProcessSampler.memory(pids)
    }

    mutating func startWindow() {
        pids = spec.resolve()
        windowStart = BenchPlayer.now()
        cpuStart = ProcessSampler.cpuSeconds(pids)
        threadsStart = ProcessSampler.threadCPUSeconds(pids)
        ownStart = ProcessSampler.ownCPUSeconds()
    }

    mutating func sampleMemory() {
        let now = ProcessSampler.memory(pids)
        peak = (max(peak.rss, now.rss), max(peak.pss, now.pss))
    }

    mutating func endWindow() {
        windowEnd = BenchPlayer.now()
        cpuEnd = ProcessSampler.cpuSeconds(pids)
        threadsEnd = ProcessSampler.threadCPUSeconds(pids)
        ownEnd = ProcessSampler.ownCPUSeconds()
        sampleMemory()
    }

    var windowSeconds: Double { Double(windowEnd - windowStart) / 1e9 }

    /// CPU seconds per thread during the window, threads that used none left out.
    var threadSeconds: [String: Double] {
        var result: [String: Double] = [:]
        for (name, end) in threadsEnd {
            let used = end - (threadsStart[name] ?? 0)
            if used > 0 { result[name] = BenchRun.rounded(used, 3) }
        }
        return result
    }
}
