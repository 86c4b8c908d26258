import Foundation
import Observability
import RTMPClient
import Synchronization

/// Set by SIGINT or SIGTERM while a client subcommand runs; the subcommand polls it and stops.
let stopRequested = Atomic<Bool>(false)

extension Sealcast {
    /// Makes SIGINT and SIGTERM set `stopRequested` instead of ending the process, so that a
    /// client can close its connection and finish its output file.
    static func installStopSignals() {
        signal(SIGPIPE, SIG_IGN)
        for number in [SIGINT, SIGTERM] {
            signal(number) { _ in stopRequested.store(true, ordering: .relaxed) }
        }
    }

    /// Runs `body` on the concurrency pool and blocks the main thread until it ends.
    /// - Throws: what `body` throws.
    static func runAsync(_ body: @escaping @Sendable () async throws -> Void) throws {
        final class Outcome: Sendable {
            let result = Mutex<Result<Void, any Error>>(.success(()))
        }
        let outcome = Outcome()
        let done = DispatchSemaphore(value: 0)
        Task {
            do {
                try await body()
            } catch {
                outcome.result.withLock { $0 = .failure(error) }
            }
            done.signal()
        }
        done.wait()
        try outcome.result.withLock { $0 }.get()
    }

    /// Makes the logger of the client subcommands, at `--log-level` (default info).
    static func clientLogger(_ options: Options, label: String) throws -> Logger {
        let text = options.logLevel ?? "info"
        guard let level = LogLevel(rawValue: text) else {
            throw UsageError("invalid --log-level \(text): use trace, debug, info, notice, warning or error")
        }
        return Logger(label: label, level: level)
    }

    /// Makes the client configuration for `url` with the TLS options of the command line.
    static func clientConfiguration(_ options: Options, url text: String) throws -> ClientConfiguration {
        let url = try RTMPURL(text)
        var tls = ClientTLSOptions(caFile: options.caFile, insecure: options.insecure)
        if let pin = options.pin {
            tls.pinnedSHA256 = try ClientTLSOptions.parseFingerprint(pin)
        }
        if !url.isTLS && (options.caFile != nil || options.pin != nil || options.insecure) {
            throw UsageError("--ca-file, --pin and --insecure apply to rtmps:// URLs only")
        }
        return ClientConfiguration(url: url, tls: tls)
    }

    /// Rejects options that belong to other subcommands, so that a typo does not pass silently.
    static func rejectOptions(_ options: Options, unusedBy subcommand: String, allowed: Set<String>) throws {
        let given: [(String, Bool)] = [
            ("--loop", options.loop), ("--output", options.outputFile != nil),
            ("--duration", options.durationSeconds != nil), ("--wait", options.waitForPublisher),
            ("--json", options.json), ("--timeout", options.timeoutSeconds != nil),
            ("--ca-file", options.caFile != nil), ("--pin", options.pin != nil), ("--insecure", options.insecure),
            ("--user", options.loginUser != nil), ("--password-file", options.passwordFile != nil),
            ("--salt", options.salt != nil),
        ]
        for (name, isSet) in given where isSet && !allowed.contains(name) {
            throw UsageError("\(name) does not apply to sealcast \(subcommand); see sealcast --help")
        }
    }

    /// Writes a line to standard error.
    static func printError(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    /// Formats a byte count as B, KB, MB or GB with one decimal (powers of 1000).
    static func formatBytes(_ count: Int) -> String {
        let units = ["B", "KB", "MB", "GB", "TB"]
        var value = Double(count)
        var unit = 0
        while value >= 1000 && unit < units.count - 1 {
            value /= 1000
            unit += 1
        }
        return unit == 0 ? "\(count) B" : String(format: "%.1f %@", value, units[unit])
    }
}
