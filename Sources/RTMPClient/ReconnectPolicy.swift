#if canImport(Glibc)
import Glibc
#endif

/// When a dropped publisher tries again: exponential backoff with jitter, bounded in attempts
/// and in delay.
///
/// The delay before attempt `n` (1-based) is `initialDelay * multiplier^(n-1)`, capped at
/// `maximumDelay`, and then reduced by a random fraction of up to `jitter` of itself. With the
/// defaults (0.5 s, doubling, 30 s cap, jitter 0.5) the delays lie in 0.25–0.5 s, 0.5–1 s,
/// 1–2 s, and so on. The jitter spreads clients that lost the same server so that they do not
/// all come back in the same instant.
public struct ReconnectPolicy: Sendable, Hashable {
    /// Attempts after a drop before giving up; 0 turns reconnecting off. Default 5.
    public var maximumAttempts: Int
    /// The delay before the first attempt, before jitter. Default 0.5 s.
    public var initialDelay: Duration
    /// The cap on the delay, before jitter. Default 30 s.
    public var maximumDelay: Duration
    /// The factor between one delay and the next, at least 1. Default 2.
    public var multiplier: Double
    /// The largest fraction, from 0 to 1, taken off a delay at random. Default 0.5.
    public var jitter: Double

    /// Creates a policy; the defaults are described on the type.
    public init(
        maximumAttempts: Int = 5,
        initialDelay: Duration = .milliseconds(500),
        maximumDelay: Duration = .seconds(30),
        multiplier: Double = 2,
        jitter: Double = 0.5
    ) {
        self.maximumAttempts = maximumAttempts
        self.initialDelay = initialDelay
        self.maximumDelay = maximumDelay
        self.multiplier = multiplier
        self.jitter = jitter
    }

    /// A policy that never reconnects.
    public static let disabled = ReconnectPolicy(maximumAttempts: 0)

    /// Checks the values.
    /// - Throws: `RTMPClientError.invalidOption` naming the value out of range.
    public func validate() throws(RTMPClientError) {
        guard maximumAttempts >= 0 else {
            throw .invalidOption("The reconnect attempts must be 0 or more; got \(maximumAttempts).")
        }
        guard initialDelay >= .zero, maximumDelay >= initialDelay else {
            throw .invalidOption("The reconnect delays need 0 <= initial <= maximum; got \(initialDelay) and \(maximumDelay).")
        }
        guard multiplier >= 1, multiplier.isFinite else {
            throw .invalidOption("The reconnect multiplier must be at least 1; got \(multiplier).")
        }
        guard (0...1).contains(jitter) else {
            throw .invalidOption("The reconnect jitter must be from 0 to 1; got \(jitter).")
        }
    }

    /// Computes the delay before attempt `attempt` (1-based), without jitter.
    public func baseDelay(beforeAttempt attempt: Int) -> Duration {
        precondition(attempt >= 1, "attempts are counted from 1")
        let initial = initialDelay / .seconds(1)
        let maximum = maximumDelay / .seconds(1)
        // pow overflows to infinity for large attempts, which min() then caps.
        let seconds = min(maximum, initial * pow(multiplier, Double(attempt - 1)))
        return .nanoseconds(Int64(seconds * 1e9))
    }

    /// Computes the delay before attempt `attempt` (1-based), with jitter drawn from `generator`.
    public func delay(
        beforeAttempt attempt: Int,
        using generator: inout some RandomNumberGenerator
    ) -> Duration {
        let base = baseDelay(beforeAttempt: attempt)
        guard jitter > 0 else { return base }
        let fraction = Double.random(in: 0..<1, using: &generator) * jitter
        return base * (1 - fraction)
    }
}
