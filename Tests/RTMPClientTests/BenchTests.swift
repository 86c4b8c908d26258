import Foundation
import Network
import Testing

@testable import RTMPClient

/// PIDSPEC parsing, the keep-up rule and the statistics of the load generator.
@Suite struct BenchRuleTests {
    @Test func processSpecsParse() throws {
        #expect(try ProcessSpec("pid:12,34") == .pids([12, 34]))
        #expect(try ProcessSpec("pidfile:/run/x.pid") == .pidFile("/run/x.pid"))
        #expect(try ProcessSpec("cmd:./nginx-ref.sh pids") == .command("./nginx-ref.sh pids"))
        #expect(try ProcessSpec("port:19350,19360") == .ports([19350, 19360]))
        #expect(try ProcessSpec("none") == ProcessSpec.none)
        #expect(try ProcessSpec("") == ProcessSpec.none)
        for bad in ["pid:", "pid:a", "pid:-3", "port:0", "port:x", "cmd:", "pidfile:", "proc:1", "1234"] {
            #expect(throws: RTMPClientError.self, "\(bad)") { try ProcessSpec(bad) }
        }
    }

    @Test func processSpecsFindDescendants() throws {
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/sh")
        child.arguments = ["-c", "sleep 2 & sleep 2; wait"]
        try child.run()
        defer {
            kill(child.processIdentifier, SIGKILL)
            child.waitUntilExit()
        }
        usleep(300_000)
        let pid = child.processIdentifier
        let resolved = try ProcessSpec("pid:\(pid)").resolve()
        #expect(resolved.first == pid)
        #expect(resolved.count >= 3, "sh and its two sleeps: \(resolved)")
        #expect(try ProcessSpec("cmd:echo \(pid)").resolve() == resolved)
        #expect(try !ProcessSpec("pid:\(getpid())").resolve().contains(getpid()), "the bench never measures itself")
        #expect(ProcessSampler.threadCPUSeconds([pid]).keys.contains { $0.hasSuffix(" sh") })
        #expect(ProcessSampler.memory([pid]).rss > 0)
    }

    @Test func errorCountsDropSourceLocations() {
        let reset = TransportError.connectionReset
        #expect(reset.description.contains(" at "))
        let counts = BenchRun.errorCounts([
            BenchPlayer.text(of: reset),
            BenchPlayer.text(of: reset),
            "closed at the server",
        ])
        #expect(counts["read failed: Connection reset by peer (errno 104)"] == 2)
        #expect(counts["closed at the server"] == 1)
        #expect(counts.count == 2)
    }

    @Test func keepUpNeedsBothRatios() {
        let rule = KeepUpRule(mediaBytesPerSecond: 1000)
        #expect(rule.keptUp(mediaBytes: 9500, timestampAdvance: 9500, seconds: 10))
        #expect(!rule.keptUp(mediaBytes: 9499, timestampAdvance: 10_000, seconds: 10))
        #expect(!rule.keptUp(mediaBytes: 20_000, timestampAdvance: 9400, seconds: 10))
        #expect(rule.mediaRatio(mediaBytes: 5000, seconds: 10) == 0.5)
    }

    @Test func percentilesInterpolateBetweenRanks() throws {
        let distribution = try #require(Distribution([5, 1, 4, 2, 3]))
        #expect(distribution.min == 1)
        #expect(distribution.max == 5)
        #expect(distribution.p50 == 3)
        #expect(abs(distribution.p10 - 1.4) < 1e-9)
        #expect(abs(distribution.p90 - 4.6) < 1e-9)
        #expect(Distribution([]) == nil)
    }

    @Test func onlyLoopbackTargetsAreAccepted() throws {
        #expect(try BenchTarget("rtmp://127.0.0.1:1935/live/x").url.port == 1935)
        #expect(try BenchTarget("rtmps://[::1]:1936/live/x").url.isTLS)
        #expect(try BenchTarget("rtmp://localhost:1935/live/x").url.host == "localhost")
        #expect(throws: RTMPClientError.self) { try BenchTarget("rtmp://192.168.1.2:1935/live/x") }
        #expect(throws: RTMPClientError.self) { try BenchTarget("rtmp://example.com/live/x") }
    }
}
