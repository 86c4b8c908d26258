import FLV
import Foundation
import Network
import RTMP
import RTMPClient

extension Sealcast {
    /// `sealcast publish FILE URL`: sends an FLV file in real time, like `ffmpeg -re -c copy`.
    static func publish(_ options: Options) throws {
        try rejectOptions(options, unusedBy: "publish", allowed: ["--loop", "--ca-file", "--pin", "--insecure"])
        guard options.positional.count == 2 else {
            throw UsageError("publish needs a FILE and a URL, as in: sealcast publish show.flv rtmp://host/live/KEY")
        }
        let path = options.positional[0]
        let configuration = try clientConfiguration(options, url: options.positional[1])
        let logger = try clientLogger(options, label: "sealcast.publish")
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw UsageError("cannot read the file \(path): check the path and its permissions")
        }
        installStopSignals()

        let loop = options.loop
        try runAsync {
            let group = EventLoopGroup(numberOfThreads: 1)
            defer { group.shutdown() }
            let client = try PublishClient(configuration: configuration, group: group, logger: logger)
            try await client.connect()
            logger.info("publishing", metadata: ["file": path, "url": configuration.url.description])

            var pacer = TagPacer()
            repeat {
                var file = try FLVFileReader(path: path)
                var sent = 0
                while let tag = try file.nextTag(), !stopRequested.load(ordering: .relaxed) {
                    guard var message = tag.publishMessage() else { continue }
                    // The metadata goes out once; later loops repeat only audio and video.
                    if pacer.loopCount > 0 && message.typeID == .dataAMF0 { continue }
                    message.timestamp = pacer.timestamp(for: tag.timestamp)
                    try await pacer.waitUntilDue(message.timestamp)
                    try await client.send(message)
                    sent += 1
                }
                guard sent > 0 || stopRequested.load(ordering: .relaxed) else {
                    throw UsageError("the file \(path) has no audio, video or metadata tags to publish")
                }
                pacer.endLoop()
            } while loop && !stopRequested.load(ordering: .relaxed)

            await client.close()
            logger.info("published", metadata: ["loops": "\(pacer.loopCount)", "reconnects": "\(client.reconnectCount)"])
        }
    }
}

/// Paces tags by their timestamps against the monotonic clock, and moves the timestamps of
/// each further loop past the end of the previous one.
struct TagPacer {
    private let start = ContinuousClock.now
    /// Milliseconds added to the file's timestamps in this loop.
    private var offset: Int64 = 0
    private var firstTimestamp: Int64?
    private var lastTimestamp: Int64 = 0
    /// The last gap between two different timestamps, added between loops so that the first
    /// frame of a loop does not share the last frame's timestamp.
    private var lastGap: Int64 = 40
    /// The number of finished loops.
    private(set) var loopCount = 0

    /// Computes the timestamp to send for a tag of this loop, in milliseconds from the first tag.
    mutating func timestamp(for fileTimestamp: UInt32) -> UInt32 {
        let value = Int64(fileTimestamp)
        let first = firstTimestamp ?? value
        firstTimestamp = first
        if value > lastTimestamp {
            lastGap = min(value - lastTimestamp, 1000)
        }
        lastTimestamp = max(lastTimestamp, value)
        return UInt32(truncatingIfNeeded: max(0, offset + value - first))
    }

    /// Starts the next loop after the last timestamp of this one.
    mutating func endLoop() {
        if let first = firstTimestamp {
            offset += lastTimestamp - first + lastGap
        }
        firstTimestamp = nil
        lastTimestamp = 0
        loopCount += 1
    }

    /// Sleeps until `timestamp` milliseconds after the start, in steps of at most 100 ms so
    /// that a stop request is seen promptly.
    func waitUntilDue(_ timestamp: UInt32) async throws {
        let due = start + .milliseconds(Int64(timestamp))
        while !stopRequested.load(ordering: .relaxed) {
            let remaining = due - ContinuousClock.now
            guard remaining > .zero else { return }
            try await Task.sleep(for: min(remaining, .milliseconds(100)))
        }
    }
}

/// Reads the tags of an FLV file piece by piece, so that a large file is not read whole.
struct FLVFileReader {
    private let handle: FileHandle
    private var reader = FLVReader(bytes: [UInt8]())
    private var atEnd = false

    init(path: String) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw UsageError("cannot open the file \(path): check the path and its permissions")
        }
        self.handle = handle
    }

    /// Returns the next tag, or `nil` at the end of the file.
    /// - Throws: `FLVError` when the file is not FLV or ends inside a tag.
    mutating func nextTag() throws -> FLVTag? {
        while true {
            if let tag = try reader.nextTag() { return tag }
            guard !atEnd else {
                if reader.bufferedBytes > 0 { throw FLVError.truncated("tag at the end of the file") }
                return nil
            }
            let data = try handle.read(upToCount: 256 * 1024) ?? Data()
            if data.isEmpty { atEnd = true } else { reader.append(data) }
        }
    }
}
