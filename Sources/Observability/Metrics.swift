import Synchronization

/// A monotonically increasing count, shaped like swift-metrics' `Counter`.
public final class Counter: Sendable {
    /// The metric name, e.g. `sealcast_sessions_closed_total`.
    public let label: String
    /// Label pairs that tell this series apart, e.g. `[("reason", "timeout")]`.
    public let dimensions: [(String, String)]
    private let storage = Atomic<Int>(0)

    init(label: String, dimensions: [(String, String)]) {
        self.label = label
        self.dimensions = dimensions
    }

    /// Adds `amount`.
    public func increment(by amount: Int = 1) {
        storage.add(amount, ordering: .relaxed)
    }

    /// The current count.
    public var value: Int { storage.load(ordering: .relaxed) }
}

/// A value that goes up and down, shaped like swift-metrics' `Gauge`.
public final class Gauge: Sendable {
    /// The metric name.
    public let label: String
    /// Label pairs that tell this series apart.
    public let dimensions: [(String, String)]
    private let storage = Atomic<Int>(0)

    init(label: String, dimensions: [(String, String)]) {
        self.label = label
        self.dimensions = dimensions
    }

    /// Adds `amount`, which may be negative.
    public func add(_ amount: Int) {
        storage.add(amount, ordering: .relaxed)
    }

    /// Sets the value.
    public func set(_ value: Int) {
        storage.store(value, ordering: .relaxed)
    }

    /// The current value.
    public var value: Int { storage.load(ordering: .relaxed) }
}

/// Makes and keeps counters and gauges, and renders them in the Prometheus text format.
///
/// Asking twice for the same label and dimensions returns the same object, so
/// callers may look a metric up once and keep it.
public final class MetricsRegistry: Sendable {
    private struct Key: Hashable {
        var label: String
        var dimensions: [String]
    }

    private let counters = Mutex<[Key: Counter]>([:])
    private let gauges = Mutex<[Key: Gauge]>([:])

    public init() {}

    /// The counter for `label` and `dimensions`, created on first use.
    public func counter(_ label: String, dimensions: [(String, String)] = []) -> Counter {
        let key = Key(label: label, dimensions: dimensions.map { "\($0.0)=\($0.1)" })
        return counters.withLock { table in
            if let existing = table[key] { return existing }
            let made = Counter(label: label, dimensions: dimensions)
            table[key] = made
            return made
        }
    }

    /// The gauge for `label` and `dimensions`, created on first use.
    public func gauge(_ label: String, dimensions: [(String, String)] = []) -> Gauge {
        let key = Key(label: label, dimensions: dimensions.map { "\($0.0)=\($0.1)" })
        return gauges.withLock { table in
            if let existing = table[key] { return existing }
            let made = Gauge(label: label, dimensions: dimensions)
            table[key] = made
            return made
        }
    }

    /// Every metric in the Prometheus text exposition format, sorted by name.
    public func renderPrometheus() -> String {
        var lines: [String] = []
        let counterList = counters.withLock { Array($0.values) }
        let gaugeList = gauges.withLock { Array($0.values) }
        for counter in counterList {
            lines.append("\(Self.series(counter.label, counter.dimensions)) \(counter.value)")
        }
        for gauge in gaugeList {
            lines.append("\(Self.series(gauge.label, gauge.dimensions)) \(gauge.value)")
        }
        return lines.sorted().joined(separator: "\n") + "\n"
    }

    private static func series(_ label: String, _ dimensions: [(String, String)]) -> String {
        guard !dimensions.isEmpty else { return label }
        let pairs = dimensions.map { "\($0.0)=\"\($0.1)\"" }.joined(separator: ",")
        return "\(label){\(pairs)}"
    }
}

/// Counts an event that can repeat many times a second and reports the total
/// at most once per interval, so a slow player or a flood cannot fill the log.
public struct RateLimitedReporter: Sendable {
    /// Shortest time between two reports, in milliseconds.
    public let intervalMilliseconds: UInt64
    private var pending = 0
    private var lastReport: UInt64?

    public init(intervalMilliseconds: UInt64 = 10_000) {
        self.intervalMilliseconds = intervalMilliseconds
    }

    /// Adds `count` events at time `now` (milliseconds).
    /// - Returns: the total to report now, or `nil` while inside the interval.
    public mutating func record(_ count: Int = 1, now: UInt64) -> Int? {
        pending += count
        if let last = lastReport, now - last < intervalMilliseconds { return nil }
        lastReport = now
        defer { pending = 0 }
        return pending
    }
}
