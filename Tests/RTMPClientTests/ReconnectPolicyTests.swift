import Testing

@testable import RTMPClient

/// A deterministic generator (SplitMix64), so that jittered delays can be computed twice.
struct SeededGenerator: RandomNumberGenerator, Sendable {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}

struct ReconnectPolicyTests {
    @Test func baseDelaysDoubleUpToTheCap() {
        let policy = ReconnectPolicy(maximumAttempts: 8, initialDelay: .milliseconds(500), maximumDelay: .seconds(5))
        let delays = (1...8).map { policy.baseDelay(beforeAttempt: $0) }
        #expect(delays == [
            .milliseconds(500), .seconds(1), .seconds(2), .seconds(4),
            .seconds(5), .seconds(5), .seconds(5), .seconds(5),
        ])
    }

    @Test func jitterStaysWithinItsFraction() {
        let policy = ReconnectPolicy(maximumAttempts: 6, initialDelay: .seconds(1), maximumDelay: .seconds(8), jitter: 0.25)
        var generator = SeededGenerator(state: 42)
        for attempt in 1...200 {
            let base = policy.baseDelay(beforeAttempt: min(attempt, 6))
            let delay = policy.delay(beforeAttempt: min(attempt, 6), using: &generator)
            #expect(delay <= base)
            #expect(delay >= base * 0.75)
        }
    }

    @Test func jitterComesFromTheGivenGenerator() {
        let policy = ReconnectPolicy()
        var first = SeededGenerator(state: 7)
        var second = SeededGenerator(state: 7)
        var other = SeededGenerator(state: 8)
        let a = (1...5).map { policy.delay(beforeAttempt: $0, using: &first) }
        let b = (1...5).map { policy.delay(beforeAttempt: $0, using: &second) }
        let c = (1...5).map { policy.delay(beforeAttempt: $0, using: &other) }
        #expect(a == b)
        #expect(a != c)
    }

    @Test func zeroJitterGivesTheBaseDelay() {
        let policy = ReconnectPolicy(jitter: 0)
        var generator = SeededGenerator(state: 1)
        #expect(policy.delay(beforeAttempt: 3, using: &generator) == .seconds(2))
    }

    @Test func hugeAttemptNumbersStayAtTheCap() {
        let policy = ReconnectPolicy(maximumAttempts: 10_000)
        #expect(policy.baseDelay(beforeAttempt: 10_000) == .seconds(30))
    }

    @Test(arguments: [
        ReconnectPolicy(maximumAttempts: -1),
        ReconnectPolicy(initialDelay: .seconds(2), maximumDelay: .seconds(1)),
        ReconnectPolicy(multiplier: 0.5),
        ReconnectPolicy(jitter: 1.5),
    ])
    func invalidPolicyIsRejected(_ policy: ReconnectPolicy) {
        #expect(throws: RTMPClientError.invalidOption) { try policy.validate() }
    }
}
