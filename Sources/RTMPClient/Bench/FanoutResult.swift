/// The figures of one fan-out run; `CodingKeys` names the JSON keys.
public struct FanoutResult: Sendable, Codable {
    public var test = "fanout"
    public var label: String
    public var url: String
    public var tls: Bool
    /// Players asked for.
    public var n: Int
    public var publishers: Int
    public var loops: Int
    /// The measured window in seconds.
    public var duration: Double
    public var playersOk: Int
    public var playersFailed: Int
    public var errors: [String: Int]
    public var keptUp: Int
    public var keepUpThreshold: Double
    public var expectedMediaMbps: Double
    /// RTMP bytes each player received in the window.
    public var bytes: Distribution?
    public var mbps: Distribution?
    public var mbpsP50: Double?
    public var mediaRatio: Distribution?
    public var timestampRatio: Distribution?
    public var deliveredBytes: Int
    public var aggregateMbps: Double
    public var serverPids: [Int32]
    public var serverCpuS: Double
    /// Server CPU seconds per 10^9 bytes delivered.
    public var cpuSPerGb: Double?
    /// Server CPU as a percentage of one core.
    public var serverCorePct: Double
    /// Server CPU seconds per thread ("PID/TID name") in the window.
    public var serverThreadsCpuS: [String: Double]
    public var rssIdleMb: Double
    public var rssPeakMb: Double
    public var pssIdleMb: Double
    public var pssPeakMb: Double
    public var pssPerPlayerKb: Double?
    /// From the player's connect to its first complete video keyframe.
    public var firstKeyframeMs: Distribution?
    /// From the publisher's send to a player's receipt of the same video frame.
    public var e2eDelayMs: Distribution?
    public var benchCpuS: Double
    public var benchCorePct: Double
    public var publisherFailure: String?

    enum CodingKeys: String, CodingKey {
        case test
        case label
        case url
        case tls
        case n
        case publishers
        case loops
        case duration
        case playersOk = "players_ok"
        case playersFailed = "players_failed"
        case errors
        case keptUp = "kept_up"
        case keepUpThreshold = "keep_up_threshold"
        case expectedMediaMbps = "expected_media_mbps"
        case bytes
        case mbps
        case mbpsP50 = "mbps_p50"
        case mediaRatio = "media_ratio"
        case timestampRatio = "timestamp_ratio"
        case deliveredBytes = "delivered_bytes"
        case aggregateMbps = "aggregate_mbps"
        case serverPids = "server_pids"
        case serverCpuS = "server_cpu_s"
        case cpuSPerGb = "cpu_s_per_gb"
        case serverCorePct = "server_core_pct"
        case serverThreadsCpuS = "server_threads_cpu_s"
        case rssIdleMb = "rss_idle_mb"
        case rssPeakMb = "rss_peak_mb"
        case pssIdleMb = "pss_idle_mb"
        case pssPeakMb = "pss_peak_mb"
        case pssPerPlayerKb = "pss_per_player_kb"
        case firstKeyframeMs = "first_keyframe_ms"
        case e2eDelayMs = "e2e_delay_ms"
        case benchCpuS = "bench_cpu_s"
        case benchCorePct = "bench_core_pct"
        case publisherFailure = "publisher_failure"
    }

    init(
        options: FanoutBench.Options,
        reports: [BenchPlayer.Report],
        measurement: Measurement,
        publisherFailure: String?
    ) {
        label = options.label
        url = options.target.url.tcURL
        tls = options.target.url.isTLS
        n = options.players
        publishers = max(1, options.publishers)
        loops = max(1, options.loops)
        keepUpThreshold = options.keepUpThreshold
        expectedMediaMbps = BenchRun.rounded(options.media.mediaBytesPerSecond * 8 / 1e6, 3)
        self.publisherFailure = publisherFailure

        // players
        let rule = KeepUpRule(mediaBytesPerSecond: options.media.mediaBytesPerSecond, threshold: options.keepUpThreshold)
        let window = PlayerWindows(reports: reports, rule: rule)
        playersOk = window.okCount
        playersFailed = options.players - window.okCount
        errors = window.errors
        keptUp = window.keptUp
        bytes = Distribution(window.bytes.map(Double.init))
        mbps = Distribution(window.mbps)?.rounded(3)
        mbpsP50 = mbps?.p50
        mediaRatio = Distribution(window.mediaRatios)?.rounded(3)
        timestampRatio = Distribution(window.timestampRatios)?.rounded(3)
        deliveredBytes = window.bytes.reduce(0, +)
        firstKeyframeMs = Distribution(reports.compactMap { $0.timings.firstKeyframe }.map(BenchRun.milliseconds))?.rounded(1)
        e2eDelayMs = Distribution(reports.flatMap { $0.delaysMilliseconds.map(Double.init) })?.rounded(1)

        // server and own process
        let seconds = max(measurement.windowSeconds, 1e-9)
        duration = BenchRun.rounded(seconds, 2)
        aggregateMbps = BenchRun.rounded(Double(deliveredBytes) * 8 / seconds / 1e6, 1)
        let serverCPU = measurement.cpuEnd - measurement.cpuStart
        serverPids = measurement.pids
        serverCpuS = BenchRun.rounded(serverCPU, 3)
        cpuSPerGb = deliveredBytes > 0 ? BenchRun.rounded(serverCPU / (Double(deliveredBytes) / 1e9), 3) : nil
        serverCorePct = BenchRun.rounded(serverCPU / seconds * 100, 1)
        serverThreadsCpuS = measurement.threadSeconds
        rssIdleMb = BenchRun.rounded(Double(measurement.idle.rss) / 1e6, 2)
        rssPeakMb = BenchRun.rounded(Double(measurement.peak.rss) / 1e6, 2)
        pssIdleMb = BenchRun.rounded(Double(measurement.idle.pss) / 1e6, 2)
        pssPeakMb = BenchRun.rounded(Double(measurement.peak.pss) / 1e6, 2)
        pssPerPlayerKb = measurement.pids.isEmpty || options.players == 0
            ? nil : BenchRun.rounded(Double(measurement.peak.pss - measurement.idle.pss) / 1000 / Double(options.players), 1)
        benchCpuS = BenchRun.rounded(measurement.ownEnd - measurement.ownStart, 3)
        benchCorePct = BenchRun.rounded(benchCpuS / seconds * 100, 1)
    }
}

/// The window figures of every player that measured one.
struct PlayerWindows {
    var okCount = 0
    var keptUp = 0
    var bytes: [Int] = []
    var mbps: [Double] = []
    var mediaRatios: [Double] = []
    var timestampRatios: [Double] = []
    var errors: [String: Int] = [:]

    init(reports: [BenchPlayer.Report], rule: KeepUpRule) {
        var failures: [String] = []
        for report in reports {
            // A player counts when it has no error and had media before the window started.
            guard report.error == nil, report.snapshots.count == 2,
                let startTimestamp = report.snapshots[0].lastTimestamp,
                let endTimestamp = report.snapshots[1].lastTimestamp
            else {
                failures.append(report.error ?? "no media in window")
                continue
            }
            let (start, end) = (report.snapshots[0], report.snapshots[1])
            let seconds = Double(end.time - start.time) / 1e9
            let received = end.receivedBytes - start.receivedBytes
            let media = end.mediaBytes - start.mediaBytes
            let advance = endTimestamp &- startTimestamp
            okCount += 1
            bytes.append(received)
            mbps.append(Double(received) * 8 / seconds / 1e6)
            mediaRatios.append(rule.mediaRatio(mediaBytes: media, seconds: seconds))
            timestampRatios.append(rule.timestampRatio(timestampAdvance: advance, seconds: seconds))
            if rule.keptUp(mediaBytes: media, timestampAdvance: advance, seconds: seconds) { keptUp += 1 }
        }
        errors = BenchRun.errorCounts(failures)
    }
}

extension Distribution {
    /// Returns the same figures rounded to `digits` decimals.
    func rounded(_ digits: Int) -> Distribution {
        var copy = self
        copy.min = BenchRun.rounded(min, digits)
        copy.p10 = BenchRun.rounded(p10, digits)
        copy.p50 = BenchRun.rounded(p50, digits)
        copy.p90 = BenchRun.rounded(p90, digits)
        copy.max = BenchRun.rounded(max, digits)
        return copy
    }
}
