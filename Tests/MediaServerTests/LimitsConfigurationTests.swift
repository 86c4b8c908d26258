import Foundation
import Observability
import Testing

@testable import MediaServer

/// Decoding and validation of the limit fields, and the watchdog's decisions as a value.
struct LimitsConfigurationTests {
    func decodeLimits(_ text: String) throws -> LimitsConfiguration {
        let decoder = JSONDecoder()
        decoder.allowsJSON5 = true
        return try decoder.decode(ServerConfiguration.self, from: Data(text.utf8)).limits
    }

    @Test func everyLimitFieldDecodes() throws {
        let limits = try decodeLimits(
            """
            { limits: {
                maximumChunkStreams: 10, maximumMessageStreams: 2, maximumAMFDepth: 8,
                maximumAMFStringLength: 4096, maximumAcknowledgementWindow: 65536,
                maximumUnacknowledgedBytes: 16777216,
                connectTimeoutSeconds: 3, startTimeoutSeconds: 4, publisherIdleTimeoutSeconds: 5,
                playerStallTimeoutSeconds: 6, maximumConnections: 7, maximumConnectionsPerAddress: 8,
                maximumStreams: 9,
            } }
            """
        )
        #expect(limits.maximumChunkStreams == 10)
        #expect(limits.maximumMessageStreams == 2)
        #expect(limits.maximumAMFDepth == 8)
        #expect(limits.maximumAMFStringLength == 4096)
        #expect(limits.maximumAcknowledgementWindow == 65536)
        #expect(limits.maximumUnacknowledgedBytes == 16_777_216)
        #expect(limits.connectTimeoutSeconds == 3)
        #expect(limits.startTimeoutSeconds == 4)
        #expect(limits.publisherIdleTimeoutSeconds == 5)
        #expect(limits.playerStallTimeoutSeconds == 6)
        #expect(limits.maximumConnections == 7)
        #expect(limits.maximumConnectionsPerAddress == 8)
        #expect(limits.maximumStreams == 9)
        #expect(throws: Never.self) { try limits.validate() }
    }

    @Test func defaultsPassValidation() {
        #expect(throws: Never.self) { try LimitsConfiguration().validate() }
    }

    @Test func outOfRangeLimitNamesFieldValueAndRange() {
        var limits = LimitsConfiguration()
        limits.maximumConnectionsPerAddress = 0
        #expect {
            try limits.validate()
        } throws: { error in
            "\(error)" == "invalid limits.maximumConnectionsPerAddress 0: use a value from 1 to 1000000"
        }
        // Below the window after which clients acknowledge, a correct client would be closed.
        limits = LimitsConfiguration()
        limits.maximumUnacknowledgedBytes = 2_500_000
        #expect {
            try limits.validate()
        } throws: { error in
            "\(error)" == "invalid limits.maximumUnacknowledgedBytes 2500000: use a value from 8388608 to 2147483648"
        }
    }

    @Test func playerWriteBatchDecodesAndIsBounded() throws {
        let limits = try decodeLimits("{ limits: { playerWriteBatchMilliseconds: 0 } }")
        #expect(limits.playerWriteBatchMilliseconds == 0)
        #expect(LimitsConfiguration().playerWriteBatchMilliseconds == 100)

        var tooLong = LimitsConfiguration()
        tooLong.playerWriteBatchMilliseconds = 1_001
        #expect {
            try tooLong.validate()
        } throws: { error in
            "\(error)" == "invalid limits.playerWriteBatchMilliseconds 1001: use a value from 0 to 1000"
        }
    }

    @Test func limitsAreWiredIntoTheSessionConfiguration() {
        var limits = LimitsConfiguration()
        limits.maximumChunkStreams = 12
        limits.maximumMessageStreams = 3
        limits.maximumAMFDepth = 9
        limits.maximumAMFStringLength = 5000
        limits.maximumAcknowledgementWindow = 1 << 20
        limits.handshakeTimeoutSeconds = 7
        limits.connectTimeoutSeconds = 8
        let context = ServerContext(
            policy: AccessPolicy(applications: []), loops: [], limits: limits, shutdown: .init(),
            logger: Logger(label: "test", level: .error, handler: MemoryLogHandler()), metrics: .init()
        )
        let session = context.sessionConfiguration.limits
        #expect(session.maximumChunkStreams == 12)
        #expect(session.maximumMessageStreams == 3)
        #expect(session.amf.maximumDepth == 9)
        #expect(session.amf.maximumStringLength == 5000)
        #expect(session.maximumAcknowledgementWindow == 1 << 20)
        #expect(context.sessionConfiguration.handshakeTimeout == 7_000)
        #expect(context.sessionConfiguration.connectTimeout == 8_000)
    }

    @Test func watchdogClosesEachStateAtItsDeadline() {
        var limits = LimitsConfiguration()
        limits.handshakeTimeoutSeconds = 1
        limits.connectTimeoutSeconds = 2
        limits.startTimeoutSeconds = 3
        limits.publisherIdleTimeoutSeconds = 4
        var watchdog = SessionWatchdog(now: 10_000)
        func check(_ activity: SessionWatchdog.Activity, at now: UInt64) -> String? {
            watchdog.check(activity, now: now, queuedBytes: 0, bytesWritten: 0, limits: limits)?.reason
        }
        #expect(check(.handshaking, at: 10_999) == nil)
        #expect(check(.handshaking, at: 11_000) == "handshake_timeout")
        watchdog.restartWait(now: 10_500)
        #expect(check(.connecting, at: 12_499) == nil)
        #expect(check(.connecting, at: 12_500) == "connect_timeout")
        watchdog.restartWait(now: 20_000)
        #expect(check(.connected(publishing: false, playing: false), at: 22_999) == nil)
        #expect(check(.connected(publishing: false, playing: false), at: 23_000) == "start_timeout")
        watchdog.mediaReceived(now: 30_000)
        #expect(check(.connected(publishing: true, playing: false), at: 33_999) == nil)
        #expect(check(.connected(publishing: true, playing: false), at: 34_000) == "publisher_idle")
    }

    @Test func watchdogStallsOnlyAPlayerThatTakesNothing() {
        var limits = LimitsConfiguration()
        limits.playerStallTimeoutSeconds = 2
        var watchdog = SessionWatchdog(now: 0)
        watchdog.playStarted(now: 1_000, bytesWritten: 100)
        let playing = SessionWatchdog.Activity.connected(publishing: false, playing: true)
        func check(at now: UInt64, queued: Int, written: Int) -> String? {
            watchdog.check(playing, now: now, queuedBytes: queued, bytesWritten: written, limits: limits)?.reason
        }
        // An empty queue is progress, and so is any byte the kernel took.
        #expect(check(at: 5_000, queued: 0, written: 100) == nil)
        #expect(check(at: 6_000, queued: 500, written: 100) == nil)
        #expect(check(at: 7_500, queued: 900, written: 200) == nil)
        #expect(check(at: 9_499, queued: 900, written: 200) == nil)
        #expect(check(at: 9_500, queued: 900, written: 200) == "player_stalled")
    }

    @Test func admissionCountsTotalAndPerAddress() {
        let admission = ConnectionAdmission(maximumTotal: 3, maximumPerAddress: 2)
        #expect(admission.admit("127.0.0.1") == nil)
        #expect(admission.admit("127.0.0.1") == nil)
        #expect(admission.admit("127.0.0.1")?.reason == "address_limit")
        #expect(admission.admit("::1") == nil)
        #expect(admission.admit("127.0.0.2")?.reason == "connection_limit")
        admission.release("127.0.0.1")
        #expect(admission.admit("127.0.0.2") == nil)
        #expect(admission.admit("127.0.0.1")?.reason == "connection_limit")
    }
}
