#if canImport(Glibc)
import Glibc
#endif

/// A point in time on the monotonic clock (`CLOCK_MONOTONIC`), in nanoseconds.
public struct Deadline: Comparable, Hashable, Sendable {
    /// Nanoseconds since an unspecified start (usually boot).
    public var uptimeNanoseconds: UInt64

    /// A deadline at `uptimeNanoseconds` on the monotonic clock.
    public init(uptimeNanoseconds: UInt64) {
        self.uptimeNanoseconds = uptimeNanoseconds
    }

    /// The current time.
    public static func now() -> Deadline {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Deadline(uptimeNanoseconds: UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec))
    }

    /// A deadline later than any real time.
    public static let distantFuture = Deadline(uptimeNanoseconds: .max)

    /// `deadline` moved by `duration`, clamped to the range of `UInt64` nanoseconds.
    public static func + (deadline: Deadline, duration: Duration) -> Deadline {
        let nanoseconds = duration.clampedNanoseconds
        if nanoseconds >= 0 {
            let (sum, overflow) = deadline.uptimeNanoseconds.addingReportingOverflow(UInt64(nanoseconds))
            return Deadline(uptimeNanoseconds: overflow ? .max : sum)
        }
        let magnitude = nanoseconds.magnitude
        let earlier = deadline.uptimeNanoseconds > magnitude ? deadline.uptimeNanoseconds - magnitude : 0
        return Deadline(uptimeNanoseconds: earlier)
    }

    /// The time from `earlier` to `later`, negative when `later` comes first.
    public static func - (later: Deadline, earlier: Deadline) -> Duration {
        if later >= earlier {
            return .nanoseconds(Int64(clamping: later.uptimeNanoseconds - earlier.uptimeNanoseconds))
        }
        return .nanoseconds(-Int64(clamping: earlier.uptimeNanoseconds - later.uptimeNanoseconds))
    }

    public static func < (lhs: Deadline, rhs: Deadline) -> Bool {
        lhs.uptimeNanoseconds < rhs.uptimeNanoseconds
    }
}

extension Duration {
    /// The duration in whole nanoseconds, clamped to `Int64`.
    var clampedNanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow {
            return seconds < 0 ? .min : .max
        }
        let (sum, sumOverflow) = scaled.addingReportingOverflow(attoseconds / 1_000_000_000)
        if sumOverflow {
            return seconds < 0 ? .min : .max
        }
        return sum
    }
}
