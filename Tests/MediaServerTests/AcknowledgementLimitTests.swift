import Foundation
import RTMP
import Testing

@testable import MediaServer

/// `maximumUnacknowledgedBytes`: a client that receives media and never sends an
/// Acknowledgement is closed with `acknowledgement_limit`, and one that acknowledges is not.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct AcknowledgementLimitTests {
    /// A player that reads but never acknowledges, on its own thread.
    final class SilentReader: @unchecked Sendable {
        private let client: BlockingClient
        private let done = DispatchSemaphore(value: 0)
        private var result = (bytes: 0, closedByServer: false)

        init(_ client: BlockingClient, seconds: Double) {
            self.client = client
            let thread = Thread { [self] in
                result = self.client.readWithoutAcknowledging(seconds: seconds)
                done.signal()
            }
            thread.start()
        }

        /// Waits for the thread and returns what it read and whether the server closed it.
        func join(seconds: Double) -> (bytes: Int, closedByServer: Bool) {
            _ = done.wait(timeout: .now() + seconds)
            return result
        }
    }

    @Test func playerThatNeverAcknowledgesIsClosedAndAcknowledgingPlayerStays() throws {
        var limits = LimitsTests.quietLimits()
        limits.maximumUnacknowledgedBytes = 8 << 20
        let harness = try LimitsTests.Harness(limits)
        let publisher = try harness.client()
        let (stream, code) = try publisher.publish("acks", app: "open")
        #expect(code == "NetStream.Publish.Start")
        let silent = try harness.client()
        _ = try silent.play("acks", app: "open")
        let acknowledging = try harness.client()
        _ = try acknowledging.play("acks", app: "open")

        // 16 MB in 160 messages of 100 kB over about 4 s: twice the limit, and more than six
        // times the 2,500,000-byte window after which the acknowledging player confirms.
        let total = 160
        let silentReader = SilentReader(silent, seconds: 15)
        let readerThread = ReaderThread(acknowledging, expected: total)
        for index in 0..<total {
            let tag = UInt8(truncatingIfNeeded: index)
            let payload = index % 20 == 0 ? Media.keyframe(tag, size: 100_000) : Media.interframe(tag, size: 100_000)
            try publisher.send(Media.video(payload, at: UInt32(index * 25), on: stream))
            usleep(25_000)
        }
        let received = readerThread.join(seconds: 20)
        let silentResult = silentReader.join(seconds: 20)

        #expect(received == total, "the acknowledging player got \(received) of \(total) messages")
        #expect(silentResult.closedByServer, "the silent player read \(silentResult.bytes) bytes and stayed open")
        // It was closed after more than the limit and well before the whole stream.
        #expect(silentResult.bytes > 8 << 20)
        #expect(silentResult.bytes < 15_000_000)
        #expect(harness.waitForClosed("acknowledgement_limit") == 1)
        #expect(harness.loggedClose(containing: "over maximumUnacknowledgedBytes 8388608"))

        // The acknowledging player sent Acknowledgements and is still connected a watchdog tick later.
        usleep(1_500_000)
        #expect(harness.closed("acknowledgement_limit") == 1)
        #expect(throws: Never.self) { try acknowledging.roundTrip() }
        #expect(throws: Never.self) { try publisher.roundTrip() }
    }

    @Test func unacknowledgedBytesCountFromTheEndOfTheHandshakeAndWrap() {
        let handshake = SessionWatchdog.handshakeReplyBytes
        // Nothing acknowledged: everything after S0 S1 S2 counts.
        #expect(SessionWatchdog.unacknowledgedBytes(bytesWritten: handshake + 5_000, acknowledged: nil) == 5_000)
        #expect(SessionWatchdog.unacknowledgedBytes(bytesWritten: 100, acknowledged: nil) == 0)
        #expect(SessionWatchdog.unacknowledgedBytes(bytesWritten: handshake + 5_000, acknowledged: 4_000) == 1_000)
        // 2^32 + 10 bytes sent; the client's counter wrapped and reports 5, so 5 are outstanding.
        let wrapped = handshake + (1 << 32) + 10
        #expect(SessionWatchdog.unacknowledgedBytes(bytesWritten: wrapped, acknowledged: 5) == 5)
        // An acknowledgement ahead of what was sent counts as nothing outstanding.
        #expect(SessionWatchdog.unacknowledgedBytes(bytesWritten: handshake + 10, acknowledged: 20) == 0)
        #expect(SessionWatchdog.checkAcknowledgements(bytesWritten: handshake + 101, acknowledged: nil, limit: 100)?.reason
            == "acknowledgement_limit")
        #expect(SessionWatchdog.checkAcknowledgements(bytesWritten: handshake + 100, acknowledged: nil, limit: 100) == nil)
    }
}
