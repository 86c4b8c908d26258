import Synchronization

/// The server a benchmark runs against: an `rtmp://` or `rtmps://` URL on loopback.
public struct BenchTarget: Sendable {
    /// The URL; its stream name is what players play.
    public var url: RTMPURL

    /// Parses `text` and refuses any host but 127.0.0.1, ::1 and localhost.
    /// - Parameter requiresStreamName: false for handshake runs, which play nothing.
    /// - Throws: `RTMPClientError.invalidURL` or `.invalidOption` for a host that is not loopback.
    public init(_ text: String, requiresStreamName: Bool = true) throws(RTMPClientError) {
        url = try RTMPURL(text, requiresStreamName: requiresStreamName)
        guard Self.isLoopback(url.host) else {
            throw .invalidOption("the benchmark runs against loopback only: use 127.0.0.1, ::1 or localhost, not \(url.host)")
        }
    }

    /// Returns whether `host` is one of the loopback names the benchmark accepts.
    public static func isLoopback(_ host: String) -> Bool {
        ["127.0.0.1", "::1", "localhost"].contains(host.lowercased())
    }

    /// Returns the URL with another stream name, for a publisher's key or a further stream.
    func withStreamName(_ name: String) -> RTMPURL {
        var copy = url
        copy.streamName = name
        return copy
    }
}

/// The send times of a publisher's video messages, keyed by timestamp, so that players in the
/// same process can compute end-to-end delays on the same monotonic clock.
///
/// The table keeps the last 16,384 milliseconds of timestamps: a slot per millisecond modulo
/// the size, so a lookup is one index and an older entry is simply overwritten.
public final class StampTable: Sendable {
    private static let slotCount = 16_384

    private struct Slot {
        var timestamp: UInt32 = 0
        var sentAt: UInt64 = 0
    }

    private let slots = Mutex([Slot](repeating: Slot(), count: StampTable.slotCount))

    public init() {}

    /// Records that the video message with `timestamp` was sent at `sentAt` (monotonic nanoseconds).
    public func recordVideo(timestamp: UInt32, sentAt: UInt64) {
        slots.withLock { $0[Int(timestamp) % Self.slotCount] = Slot(timestamp: timestamp, sentAt: sentAt) }
    }

    /// Returns the send time of the video message with `timestamp`, if it is still in the table.
    public func sendTime(ofVideo timestamp: UInt32) -> UInt64? {
        slots.withLock { slots in
            let slot = slots[Int(timestamp) % Self.slotCount]
            return slot.sentAt != 0 && slot.timestamp == timestamp ? slot.sentAt : nil
        }
    }
}
