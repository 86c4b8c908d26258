import Foundation
import RTMPClient
import Synchronization

/// The options of `sealcast bench`, which has its own parser because its flags differ from
/// the other subcommands' (`--duration` is a window here, `-n` a list of player counts).
struct BenchOptions {
    var test = ""
    var url: String?
    var players: [Int] = [10]
    var file: String?
    var publishKey: String?
    var publishers = 1
    var duration: Double?
    var warmup = 3.0
    var ramp: Double?
    var publisherWait = 2.0
    var server = "none"
    var label = "server"
    var jsonOut: String?
    var loops = 1
    var count = 20
    var concurrency = 8

    static let usage = """
        USAGE: sealcast bench fanout --url URL --players N[,N...] --file F.flv [--publish-key KEY]
                 [--publishers M] [--duration 20] [--warmup 3] [--ramp S] [--pub-wait 2]
                 [--server PIDSPEC] [--label NAME] [--json-out FILE] [--loops L]
               sealcast bench startup --url URL --file F.flv [--publish-key KEY] [--count 20]
                 [--server PIDSPEC] [--label NAME] [--json-out FILE]
               sealcast bench handshakes --url URL [--concurrency 8] [--duration 10]
                 [--server PIDSPEC] [--label NAME] [--json-out FILE]
        URL: rtmp[s]://127.0.0.1|[::1]|localhost:PORT/APP/STREAM (loopback only; RTMPS certificates
        are not verified). PIDSPEC: pid:N[,N] | pidfile:PATH | cmd:SHELL | port:P[,P] | none.
        """

    /// Parses the arguments after `bench`.
    /// - Throws: `UsageError` naming the option and what it needs.
    static func parse(_ arguments: [String]) throws(UsageError) -> BenchOptions {
        var options = BenchOptions()
        var index = 0
        func value(_ name: String) throws(UsageError) -> String {
            index += 1
            guard index < arguments.count else { throw UsageError("\(name) needs a value; see sealcast bench --help") }
            return arguments[index]
        }
        func number(_ name: String, minimum: Double = 0) throws(UsageError) -> Double {
            let text = try value(name)
            guard let number = Double(text), number.isFinite, number >= minimum else {
                throw UsageError("invalid \(name) \(text): use a number of at least \(minimum)")
            }
            return number
        }
        func whole(_ name: String) throws(UsageError) -> Int {
            let text = try value(name)
            guard let number = Int(text), number >= 1 else { throw UsageError("invalid \(name) \(text): use a whole number above 0") }
            return number
        }
        while index < arguments.count {
            let argument = arguments[index]
            switch argument {
            case "--url": options.url = try value(argument)
            case "-n", "--players":
                let text = try value(argument)
                let counts = text.split(separator: ",").compactMap { Int($0) }
                guard !counts.isEmpty, counts.count == text.split(separator: ",").count, counts.allSatisfy({ $0 >= 1 }) else {
                    throw UsageError("invalid \(argument) \(text): use player counts such as 50 or 50,200")
                }
                options.players = counts
            case "--file": options.file = try value(argument)
            case "--publish-key": options.publishKey = try value(argument)
            case "--publishers": options.publishers = try whole(argument)
            case "--duration": options.duration = try number(argument, minimum: 0.5)
            case "--warmup": options.warmup = try number(argument)
            case "--ramp": options.ramp = try number(argument)
            case "--pub-wait": options.publisherWait = try number(argument)
            case "--server": options.server = try value(argument)
            case "--label": options.label = try value(argument)
            case "--json-out": options.jsonOut = try value(argument)
            case "--loops": options.loops = try whole(argument)
            case "--count": options.count = try whole(argument)
            case "--concurrency": options.concurrency = try whole(argument)
            case let text where text.hasPrefix("-"):
                throw UsageError("unknown option \(argument) for sealcast bench; see sealcast bench --help")
            default:
                guard options.test.isEmpty else { throw UsageError("unexpected argument \(argument) for sealcast bench") }
                options.test = argument
            }
            index += 1
        }
        return options
    }
}

extension Sealcast {
    /// `sealcast bench fanout|startup|handshakes`: the load generator.
    static func bench(_ arguments: [String]) throws {
        if arguments.contains("--help") || arguments.contains("-h") {
            print(BenchOptions.usage)
            return
        }
        let options = try BenchOptions.parse(arguments)
        guard let urlText = options.url else { throw UsageError("sealcast bench needs --url; see sealcast bench --help") }
        let server = try ProcessSpec(options.server)
        if server != .none && server.resolve().isEmpty {
            throw UsageError(
                "--server \(options.server) matches no running process; pass the server's PID "
                    + "(pid:N, commas between several), its ports (port:1935,1936) or none"
            )
        }
        signal(SIGPIPE, SIG_IGN)
        switch options.test {
        case "fanout":
            let target = try BenchTarget(urlText)
            let media = try benchMedia(options)
            for (position, players) in options.players.enumerated() {
                if position > 0 { Thread.sleep(forTimeInterval: 2) }
                var fanout = FanoutBench.Options(target: target, players: players, media: media)
                fanout.publishKey = options.publishKey
                fanout.publishers = options.publishers
                fanout.duration = options.duration ?? 20
                fanout.warmup = options.warmup
                fanout.ramp = options.ramp
                fanout.publisherWait = options.publisherWait
                fanout.server = server
                fanout.label = options.label
                fanout.loops = options.loops
                let settings = fanout
                let result = try runBench { try await FanoutBench.run(settings) }
                printFanout(result)
                try emitJSON(result, to: options.jsonOut)
            }
        case "startup":
            var startup = StartupBench.Options(target: try BenchTarget(urlText), media: try benchMedia(options))
            startup.publishKey = options.publishKey
            startup.count = options.count
            startup.publisherWait = options.publisherWait
            startup.server = server
            startup.label = options.label
            let settings = startup
            let result = try runBench { try await StartupBench.run(settings) }
            printPhases(
                "startup  \(result.label) \(result.url)  ok \(result.ok)/\(result.count)  (ms from connect)",
                result.phases,
                StartupBench.phaseNames
            )
            if !result.errors.isEmpty { print("  errors: \(result.errors)") }
            try emitJSON(result, to: options.jsonOut)
        case "handshakes":
            var handshakes = HandshakeBench.Options(target: try BenchTarget(urlText, requiresStreamName: false))
            handshakes.concurrency = options.concurrency
            handshakes.duration = options.duration ?? 10
            handshakes.server = server
            handshakes.label = options.label
            let settings = handshakes
            let result = try runBench { try await HandshakeBench.run(settings) }
            printPhases(
                "handshakes  \(result.label) \(result.url)  \(result.duration) s, concurrency \(result.concurrency)",
                result.phases,
                HandshakeBench.phaseNames
            )
            print("  completed          : \(result.ok) ok, \(result.failed) failed -> \(result.ratePerS) per second\(result.errors.isEmpty ? "" : "   errors: \(result.errors)")")
            let perHandshake = result.serverCpuMsPerHandshake.map { "\($0)" } ?? "n/a"
            print("  server CPU         : \(result.serverCpuS) s = \(result.serverCorePct)% of one core -> \(perHandshake) ms per handshake")
            try emitJSON(result, to: options.jsonOut)
            guard result.ok > 0 else {
                let reasons = result.errors.keys.sorted().joined(separator: "; ")
                throw BenchFailure("no connection set-up succeeded at \(urlText) (\(reasons)); is the server running there?")
            }
        case "":
            throw UsageError("sealcast bench needs a test: fanout, startup or handshakes")
        default:
            throw UsageError("unknown benchmark \(options.test): use fanout, startup or handshakes")
        }
    }

    private static func benchMedia(_ options: BenchOptions) throws -> BenchMedia {
        guard let path = options.file else { throw UsageError("this benchmark needs --file F.flv to publish") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw UsageError("cannot read the file \(path): check the path and its permissions")
        }
        return try BenchMedia(flv: [UInt8](data))
    }

    /// Runs an async benchmark on the concurrency pool and returns its result.
    private static func runBench<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
        let box = Mutex<T?>(nil)
        try runAsync {
            let value = try await body()
            box.withLock { $0 = value }
        }
        guard let value = box.withLock({ $0 }) else { throw UsageError("the benchmark ended without a result") }
        return value
    }

    /// Prints `JSON {...}` and appends the object as one line to `path`.
    static func emitJSON<T: Encodable>(_ value: T, to path: String?) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let line = String(decoding: try encoder.encode(value), as: UTF8.self)
        print("JSON " + line)
        guard let path else { return }
        if !FileManager.default.fileExists(atPath: path) {
            _ = FileManager.default.createFile(atPath: path, contents: nil)
        }
        guard let handle = FileHandle(forWritingAtPath: path) else {
            throw UsageError("cannot write --json-out \(path)")
        }
        defer { try? handle.close() }
        handle.seekToEndOfFile()
        handle.write(Data((line + "\n").utf8))
    }

    private static func printPhases(_ title: String, _ phases: [String: Distribution], _ names: [String]) {
        print("=== \(title) ===")
        for name in names {
            guard let d = phases[name] else { continue }
            let label = name.replacingOccurrences(of: "_", with: " ").padding(toLength: 18, withPad: " ", startingAt: 0)
            print("  \(label) : p50 \(d.p50)  p90 \(d.p90)  max \(d.max) ms")
        }
    }

    private static func printFanout(_ result: FanoutResult) {
        func show(_ distribution: Distribution?, _ unit: String = "") -> String {
            guard let d = distribution else { return "n/a" }
            return "min \(d.min)  p10 \(d.p10)  p50 \(d.p50)  p90 \(d.p90)  max \(d.max)\(unit)"
        }
        let errors = result.errors.isEmpty ? "" : "   errors: \(result.errors)"
        print("=== fanout  \(result.label) \(result.url)  N=\(result.n)  window \(result.duration) s ===")
        print("  players ok/failed  : \(result.playersOk) / \(result.playersFailed)   kept up: \(result.keptUp)/\(result.n)\(errors)")
        print("  per-player Mbps    : \(show(result.mbps))   (stream media \(result.expectedMediaMbps) Mbps)")
        let bytes = result.bytes.map { d in [d.min, d.p10, d.p50, d.p90, d.max].map { String(Int($0)) } }
        print("  per-player bytes   : \(bytes.map { "min \($0[0])  p10 \($0[1])  p50 \($0[2])  p90 \($0[3])  max \($0[4])" } ?? "n/a")")
        print("  server CPU         : \(result.serverCpuS) s = \(result.serverCorePct)% of one core -> \(result.cpuSPerGb.map { "\($0)" } ?? "n/a") CPU-s per GB")
        let threads = result.serverThreadsCpuS.sorted { $0.value > $1.value }.prefix(8).map { "\($0.key) \($0.value)" }
        print("  server threads     : \(threads.isEmpty ? "n/a" : threads.joined(separator: ", "))")
        print("  server RSS / PSS   : idle \(result.rssIdleMb) / \(result.pssIdleMb) MB, peak \(result.rssPeakMb) / \(result.pssPeakMb) MB, \(result.pssPerPlayerKb.map { "\($0)" } ?? "n/a") KB PSS per player")
        print("  first keyframe     : \(show(result.firstKeyframeMs, " ms"))")
        print("  end-to-end delay   : \(show(result.e2eDelayMs, " ms"))")
        print("  bench CPU          : \(result.benchCpuS) s = \(result.benchCorePct)% of one core\(result.publisherFailure.map { "   PUBLISHER FAILED: \($0)" } ?? "")")
    }
}

/// A benchmark that ran but could not measure anything, such as one with no server to reach.
struct BenchFailure: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
