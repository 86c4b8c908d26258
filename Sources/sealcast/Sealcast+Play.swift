import FLV
import Foundation
import Network
import RTMP
import RTMPClient
import Synchronization

extension Sealcast {
    /// `sealcast play URL`: receives a stream into an FLV file, or counts it and prints progress.
    static func play(_ options: Options) throws {
        try rejectOptions(
            options, unusedBy: "play", allowed: ["--output", "--duration", "--wait", "--ca-file", "--pin", "--insecure"]
        )
        guard options.positional.count == 1 else {
            throw UsageError("play needs one URL, as in: sealcast play rtmp://host/live/stream -o stream.flv")
        }
        let configuration = try clientConfiguration(options, url: options.positional[0])
        let logger = try clientLogger(options, label: "sealcast.play")
        let output = try options.outputFile.map { path in try PlayOutput(path: path) }
        let statistics = PlayStatistics(output: output, stopsWhenPublisherEnds: !options.waitForPublisher)
        let duration = options.durationSeconds.map { Duration.milliseconds(Int64($0 * 1000)) }
        installStopSignals()

        try runAsync {
            let group = EventLoopGroup(numberOfThreads: 1)
            defer { group.shutdown() }
            let client = try PlayClient(configuration: configuration, group: group, logger: logger) { event in
                statistics.record(event)
            }
            try await client.start()
            logger.info("playing", metadata: ["url": configuration.url.description])

            // Wait for a reason to stop, printing progress once a second when not writing a file.
            let start = ContinuousClock.now
            var nextReport = start + .seconds(1)
            while !stopRequested.load(ordering: .relaxed) && !statistics.isFinished {
                if let duration, ContinuousClock.now - start >= duration { break }
                if output == nil && ContinuousClock.now >= nextReport {
                    printError(statistics.progress(elapsed: ContinuousClock.now - start))
                    nextReport += .seconds(1)
                }
                try await Task.sleep(for: .milliseconds(50))
            }
            await client.close()
            try output?.finish(headerFlags: statistics.headerFlags)
            printError(statistics.progress(elapsed: ContinuousClock.now - start))
            if let error = statistics.closeError { throw error }
        }
    }
}

/// The FLV file that `play -o` writes, on the client's loop.
final class PlayOutput: @unchecked Sendable {
    // `PlayStatistics` writes on the client's loop, and `finish` runs on another thread only after
    // the client closed. The lock in `PlayStatistics` orders the two.
    private let handle: FileHandle
    private let path: String

    init(path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path)
        else {
            throw UsageError("cannot create the output file \(path): check the folder and its permissions")
        }
        self.handle = handle
        self.path = path
    }

    func write(_ bytes: [UInt8]) throws {
        try handle.write(contentsOf: bytes)
    }

    /// Sets the header's audio and video flags to what arrived and closes the file.
    func finish(headerFlags: UInt8) throws {
        try handle.seek(toOffset: UInt64(FLVRecorder.headerFlagsOffset))
        try handle.write(contentsOf: [headerFlags])
        try handle.close()
    }
}

/// Counts what a player receives and writes it to the output file, if there is one.
final class PlayStatistics: Sendable {
    private struct State {
        var recorder = FLVRecorder()
        var bytes = 0
        var messages = 0
        var isFinished = false
        var closeError: RTMPClientError?
        var writeError: String?
    }

    private let state = Mutex(State())
    private let output: PlayOutput?
    private let stopsWhenPublisherEnds: Bool

    init(output: PlayOutput?, stopsWhenPublisherEnds: Bool) {
        self.output = output
        self.stopsWhenPublisherEnds = stopsWhenPublisherEnds
    }

    /// Handles one player event, on the client's loop.
    func record(_ event: PlayClient.Event) {
        state.withLock { state in
            switch event {
            case .media(let message):
                state.bytes += message.payload.count
                state.messages += 1
                guard let output, state.writeError == nil, !state.isFinished else { return }
                do {
                    try state.recorder.append(message)
                    try output.write(state.recorder.takeBytes())
                } catch {
                    state.writeError = "\(error)"
                    state.isFinished = true
                }
            case .publisherEnded:
                if stopsWhenPublisherEnds { state.isFinished = true }
            case .closed(let error):
                state.closeError = error
                state.isFinished = true
            case .publisherStarted, .status:
                break
            }
        }
    }

    var isFinished: Bool { state.withLock { $0.isFinished } }
    var headerFlags: UInt8 { state.withLock { $0.recorder.headerFlags } }

    /// The reason to exit with a failure: the connection's error or a failed file write.
    var closeError: (any Error)? {
        state.withLock { state in
            if let writeError = state.writeError { return UsageError("cannot write the output file: \(writeError)") }
            return state.closeError
        }
    }

    /// Formats one progress line: bytes, messages and elapsed time.
    func progress(elapsed: Duration) -> String {
        let (bytes, messages) = state.withLock { ($0.bytes, $0.messages) }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return "received \(Sealcast.formatBytes(bytes)) in \(messages) messages, \(String(format: "%.1f", seconds)) s elapsed"
    }
}
