import Network
import Observability
import RTMP
import Synchronization

/// The deadlines of one connection, in milliseconds of uptime. The handler's
/// once-a-second tick calls `check` to learn whether a limit has passed.
///
/// Every state of a connection has one deadline: the handshake, `connect`, the wait
/// for `publish` or `play`, a publisher's media, and a player's write progress.
struct SessionWatchdog {
    /// A limit that passed: the `reason` label for the metric and a log message.
    struct Expiry: Equatable {
        let reason: String
        let message: String
    }

    /// The connection's state, as the handler tracks it.
    enum Activity {
        case handshaking
        case connecting
        /// Connected, with `publishing` and `playing` telling which roles it has.
        case connected(publishing: Bool, playing: Bool)
    }

    /// When the current waiting state began: accept, handshake end, connect, or the end of a role.
    private var waitingSince: UInt64
    private var lastMediaAt: UInt64
    private var lastBytesWritten = 0
    private var lastWriteProgressAt: UInt64

    init(now: UInt64) {
        waitingSince = now
        lastMediaAt = now
        lastWriteProgressAt = now
    }

    /// Restarts the wait at the end of the handshake, at `connect`, and when a publish or play ends.
    mutating func restartWait(now: UInt64) {
        waitingSince = now
    }

    /// Records a publisher's audio, video or data message, and the start of a publish.
    mutating func mediaReceived(now: UInt64) {
        lastMediaAt = now
    }

    /// Starts the write-progress clock of a new player.
    mutating func playStarted(now: UInt64, bytesWritten: Int) {
        lastWriteProgressAt = now
        lastBytesWritten = bytesWritten
    }

    /// Returns the first limit that has passed at `now`, or `nil`.
    ///
    /// A player makes progress while its queue is empty or the kernel took bytes since the
    /// last check, so a player that waits for a publisher never stalls.
    mutating func check(
        _ activity: Activity, now: UInt64, queuedBytes: Int, bytesWritten: Int, limits: LimitsConfiguration
    ) -> Expiry? {
        func passed(since start: UInt64, seconds: Int) -> Bool {
            now >= start && now - start >= UInt64(seconds) * 1000
        }

        switch activity {
        case .handshaking:
            guard passed(since: waitingSince, seconds: limits.handshakeTimeoutSeconds) else { return nil }
            return Expiry(
                reason: "handshake_timeout", message: "no handshake within \(limits.handshakeTimeoutSeconds) s"
            )
        case .connecting:
            guard passed(since: waitingSince, seconds: limits.connectTimeoutSeconds) else { return nil }
            return Expiry(
                reason: "connect_timeout", message: "no connect within \(limits.connectTimeoutSeconds) s of the handshake"
            )
        case .connected(false, false):
            guard passed(since: waitingSince, seconds: limits.startTimeoutSeconds) else { return nil }
            return Expiry(
                reason: "start_timeout", message: "no publish or play within \(limits.startTimeoutSeconds) s"
            )
        case .connected(let publishing, let playing):
            if publishing && passed(since: lastMediaAt, seconds: limits.publisherIdleTimeoutSeconds) {
                return Expiry(
                    reason: "publisher_idle",
                    message: "no media from the publisher for \(limits.publisherIdleTimeoutSeconds) s"
                )
            }
            guard playing else { return nil }
            if queuedBytes == 0 || bytesWritten != lastBytesWritten {
                lastBytesWritten = bytesWritten
                lastWriteProgressAt = now
                return nil
            }
            guard passed(since: lastWriteProgressAt, seconds: limits.playerStallTimeoutSeconds) else { return nil }
            return Expiry(
                reason: "player_stalled",
                message: "the player read nothing of \(queuedBytes) queued bytes for \(limits.playerStallTimeoutSeconds) s"
            )
        }
    }

    /// The bytes S0, S1 and S2 take; the client's Acknowledgement counts only what follows them.
    static let handshakeReplyBytes = 1 + 1536 + 1536

    /// Returns how many of the bytes sent after the handshake the client has not acknowledged.
    ///
    /// `bytesWritten` counts what the kernel took, so bytes still in flight count as
    /// unacknowledged. For RTMPS it counts ciphertext, a little more than the client's
    /// count of plaintext. The client's sequence number wraps at 2^32, so the difference is
    /// taken modulo 2^32: an acknowledgement up to 2^31 bytes ahead of `bytesWritten` (which
    /// no correct client sends) counts as nothing unacknowledged rather than as 4 GiB.
    /// - Parameters:
    ///   - bytesWritten: the bytes the kernel took since accept, handshake included.
    ///   - acknowledged: the client's last sequence number, or `nil` when it sent none.
    static func unacknowledgedBytes(bytesWritten: Int, acknowledged: UInt32?) -> Int {
        let sent = max(bytesWritten - handshakeReplyBytes, 0)
        guard let acknowledged else { return sent }
        let outstanding = UInt32(truncatingIfNeeded: sent) &- acknowledged
        return outstanding > UInt32(1 << 31) ? 0 : Int(outstanding)
    }

    /// Returns the expiry for a connected client that left more than `limit` bytes unacknowledged.
    static func checkAcknowledgements(bytesWritten: Int, acknowledged: UInt32?, limit: Int) -> Expiry? {
        let outstanding = unacknowledgedBytes(bytesWritten: bytesWritten, acknowledged: acknowledged)
        guard outstanding > limit else { return nil }
        return Expiry(
            reason: "acknowledgement_limit",
            message: "the client left \(outstanding) bytes unacknowledged, over maximumUnacknowledgedBytes \(limit)"
        )
    }
}

/// Counts open connections in total and per client address, so that one address
/// cannot take every connection the server has room for.
final class ConnectionAdmission: Sendable {
    private struct Counts {
        var total = 0
        var perAddress: [String: Int] = [:]
        var refusals = RateLimitedReporter()
    }

    private let maximumTotal: Int
    private let maximumPerAddress: Int
    private let counts = Mutex(Counts())

    init(maximumTotal: Int, maximumPerAddress: Int) {
        self.maximumTotal = maximumTotal
        self.maximumPerAddress = maximumPerAddress
    }

    /// Counts a connection from `host`, unless a limit is reached.
    /// - Returns: `nil` when admitted (call `release` when it closes), otherwise why not.
    func admit(_ host: String) -> SessionWatchdog.Expiry? {
        counts.withLock { counts in
            guard counts.total < maximumTotal else {
                return SessionWatchdog.Expiry(
                    reason: "connection_limit", message: "the server has maximumConnections \(maximumTotal) open"
                )
            }
            let fromHost = counts.perAddress[host, default: 0]
            guard fromHost < maximumPerAddress else {
                return SessionWatchdog.Expiry(
                    reason: "address_limit",
                    message: "the address has maximumConnectionsPerAddress \(maximumPerAddress) open"
                )
            }
            counts.total += 1
            counts.perAddress[host] = fromHost + 1
            return nil
        }
    }

    /// Counts one refused connection at `now` (milliseconds).
    /// - Returns: the refusals to report in the log now, or `nil` within 10 s of the last report.
    func recordRefusal(now: UInt64) -> Int? {
        counts.withLock { $0.refusals.record(now: now) }
    }

    /// Uncounts a connection that `admit` counted.
    func release(_ host: String) {
        counts.withLock { counts in
            counts.total -= 1
            let left = counts.perAddress[host, default: 1] - 1
            counts.perAddress[host] = left > 0 ? left : nil
        }
    }
}

extension RTMPConnectionHandler {
    /// The time between two checks of the connection's deadlines. A limit of N seconds
    /// therefore closes the connection between N and N + 1 seconds after its state began.
    static let watchdogInterval = Duration.seconds(1)

    /// Arms the next watchdog tick.
    ///
    /// The timer keeps a strong reference to the handler until it fires or the close cancels it. A weak
    /// reference would give the handler a side table, and every retain of it in the fan-out
    /// loop would then take the runtime's slow path.
    func scheduleWatchdog() {
        watchdogTimer = connection.eventLoop.scheduleTimer(at: .now() + Self.watchdogInterval) { [self] in
            guard !isClosed else { return }
            checkLimits()
        }
    }

    /// Closes the connection when one of its deadlines passed, otherwise waits for the next tick.
    private func checkLimits() {
        let activity: SessionWatchdog.Activity
        if !handshakeCompleted {
            activity = .handshaking
        } else if application == nil {
            activity = .connecting
        } else {
            activity = .connected(publishing: publishing != nil, playing: playing != nil)
        }
        var expiry = watchdog.check(
            activity, now: Self.nowMilliseconds(), queuedBytes: connection.queuedBytes,
            bytesWritten: connection.bytesWritten, limits: context.limits
        )
        if expiry == nil, application != nil {
            expiry = SessionWatchdog.checkAcknowledgements(
                bytesWritten: connection.bytesWritten, acknowledged: session.peerAcknowledgedBytes,
                limit: context.limits.maximumUnacknowledgedBytes
            )
        }
        guard let expiry else {
            scheduleWatchdog()
            return
        }
        logger.debug("closing: \(expiry.message)")
        close(reason: expiry.reason)
    }

    /// Returns the `reason` label for a connection closed by a protocol error, naming the limit it passed.
    static func closeReason(for error: RTMPProtocolError) -> String {
        // Equality compares the kind of error only, so the arguments here are placeholders.
        switch error {
        case .invalidChunkSize(0, maximum: 0):
            return "chunk_size_limit"
        case .messageTooLarge(0, maximum: 0):
            return "message_size_limit"
        case .tooManyChunkStreams(0):
            return "chunk_stream_limit"
        case .tooManyMessageStreams(0):
            return "message_stream_limit"
        case .invalidCommand(""):
            return "invalid_command"
        default:
            return "protocol_error"
        }
    }
}
