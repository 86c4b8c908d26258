import FLV
import RTMP

/// Minimum, percentiles and maximum of a sample, with linear interpolation between the two
/// nearest ranks (the definition `rtmpbench.py` uses).
public struct Distribution: Sendable, Equatable, Codable {
    public var min: Double
    public var p10: Double
    public var p50: Double
    public var p90: Double
    public var max: Double
    public var count: Int

    /// Summarises `values`, or returns nil for an empty sample.
    public init?(_ values: [Double]) {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        min = sorted[0]
        max = sorted[sorted.count - 1]
        p10 = Self.percentile(sorted, 0.1)
        p50 = Self.percentile(sorted, 0.5)
        p90 = Self.percentile(sorted, 0.9)
        count = values.count
    }

    /// Returns the `fraction` percentile of an ascending, non-empty sample.
    public static func percentile(_ sorted: [Double], _ fraction: Double) -> Double {
        let rank = Double(sorted.count - 1) * fraction
        let lower = Int(rank)
        let upper = Swift.min(lower + 1, sorted.count - 1)
        return sorted[lower] + (sorted[upper] - sorted[lower]) * (rank - Double(lower))
    }
}

/// The rule that decides whether a player kept up with the stream during the window.
///
/// A player kept up when both hold:
/// - it received media payload bytes of at least `threshold` times the file's media rate times
///   the window;
/// - the media timestamps it received advanced by at least `threshold` times the wall time.
public struct KeepUpRule: Sendable, Equatable {
    /// The file's audio and video payload bytes per second.
    public var mediaBytesPerSecond: Double
    /// The fraction both ratios must reach; 0.95 by default.
    public var threshold: Double

    public init(mediaBytesPerSecond: Double, threshold: Double = 0.95) {
        self.mediaBytesPerSecond = mediaBytesPerSecond
        self.threshold = threshold
    }

    /// Media bytes received over those expected in `seconds`.
    public func mediaRatio(mediaBytes: Int, seconds: Double) -> Double {
        Double(mediaBytes) / (mediaBytesPerSecond * seconds)
    }

    /// Timestamp advance over wall time.
    public func timestampRatio(timestampAdvance milliseconds: UInt32, seconds: Double) -> Double {
        Double(milliseconds) / 1000 / seconds
    }

    /// Returns whether a player with these counts over a window of `seconds` kept up.
    public func keptUp(mediaBytes: Int, timestampAdvance: UInt32, seconds: Double) -> Bool {
        mediaRatio(mediaBytes: mediaBytes, seconds: seconds) >= threshold
            && timestampRatio(timestampAdvance: timestampAdvance, seconds: seconds) >= threshold
    }
}

/// The FLV file the load generator publishes: its messages and its media rate.
public struct BenchMedia: Sendable {
    /// The messages to publish, in file order.
    public var messages: [Message]
    /// Audio and video payload bytes per second: their total over the span of their
    /// timestamps plus one frame at 30 fps, as `rtmpbench.py` counts it.
    public var mediaBytesPerSecond: Double

    /// Reads `bytes` as an FLV file.
    /// - Throws: `RTMPClientError.invalidOption` when it is not FLV or has no audio or video.
    public init(flv bytes: [UInt8]) throws(RTMPClientError) {
        let tags: [FLVTag]
        do {
            tags = try FLVReader.readAll(bytes).tags
        } catch {
            throw .invalidOption("the file is not a readable FLV file: \(error)")
        }
        messages = tags.compactMap { $0.publishMessage() }
        let media = tags.filter { $0.type == .audio || $0.type == .video }
        guard let first = media.map(\.timestamp).min(), let last = media.map(\.timestamp).max() else {
            throw .invalidOption("the FLV file has no audio or video tags")
        }
        let total = media.reduce(0) { $0 + $1.data.count }
        mediaBytesPerSecond = Double(total) / (Double(last - first) / 1000 + 1.0 / 30)
    }
}
