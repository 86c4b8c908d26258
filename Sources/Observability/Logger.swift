import Foundation
import Synchronization

/// The severity of a log record, in the order swift-log uses.
public enum LogLevel: String, Sendable, Comparable, CaseIterable, Codable {
    case trace, debug, info, notice, warning, error, critical

    private var rank: Int { Self.allCases.firstIndex(of: self)! }

    public static func < (lhs: LogLevel, rhs: LogLevel) -> Bool { lhs.rank < rhs.rank }
}

/// Where log records go. The executable picks one; libraries only receive a `Logger`.
public protocol LogHandler: Sendable {
    /// Writes one record.
    func log(level: LogLevel, label: String, message: String, metadata: [String: String])
}

/// A value-type logger shaped like swift-log's: a label, a minimum level, and
/// metadata (dot-separated keys such as `conn.id`) added to every record.
///
/// Messages are autoclosures, so a record below the level costs nothing.
/// Never put stream keys, tokens or query strings in a message or metadata.
public struct Logger: Sendable {
    /// The component name shown with each record.
    public var label: String
    /// Records below this level are dropped.
    public var logLevel: LogLevel
    /// Key-value pairs added to every record.
    public var metadata: [String: String]
    private let handler: any LogHandler

    /// Creates a logger writing to `handler`.
    public init(label: String, level: LogLevel = .info, handler: any LogHandler = StandardErrorLogHandler.shared) {
        self.label = label
        self.logLevel = level
        self.metadata = [:]
        self.handler = handler
    }

    /// Metadata value for `key`.
    public subscript(metadataKey key: String) -> String? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Returns a copy with extra metadata.
    public func with(_ extra: [String: String]) -> Logger {
        var copy = self
        copy.metadata.merge(extra) { _, new in new }
        return copy
    }

    /// Writes a record at `level` when it is at or above `logLevel`.
    public func log(
        level: LogLevel,
        _ message: @autoclosure () -> String,
        metadata extra: [String: String]? = nil
    ) {
        guard level >= logLevel else { return }
        var merged = metadata
        if let extra { merged.merge(extra) { _, new in new } }
        handler.log(level: level, label: label, message: message(), metadata: merged)
    }

    public func trace(_ message: @autoclosure () -> String, metadata: [String: String]? = nil) {
        log(level: .trace, message(), metadata: metadata)
    }
    public func debug(_ message: @autoclosure () -> String, metadata: [String: String]? = nil) {
        log(level: .debug, message(), metadata: metadata)
    }
    public func info(_ message: @autoclosure () -> String, metadata: [String: String]? = nil) {
        log(level: .info, message(), metadata: metadata)
    }
    public func notice(_ message: @autoclosure () -> String, metadata: [String: String]? = nil) {
        log(level: .notice, message(), metadata: metadata)
    }
    public func warning(_ message: @autoclosure () -> String, metadata: [String: String]? = nil) {
        log(level: .warning, message(), metadata: metadata)
    }
    public func error(_ message: @autoclosure () -> String, metadata: [String: String]? = nil) {
        log(level: .error, message(), metadata: metadata)
    }
}

/// Writes records as single lines to standard error:
/// `2026-12-04T22:50:01.123Z info sealcast: listening conn.id=7`.
public final class StandardErrorLogHandler: LogHandler {
    /// The process-wide handler.
    public static let shared = StandardErrorLogHandler()

    private let lock = Mutex(())

    public func log(level: LogLevel, label: String, message: String, metadata: [String: String]) {
        var line = "\(Self.timestamp()) \(level.rawValue) \(label): \(message)"
        for key in metadata.keys.sorted() {
            line += " \(key)=\(metadata[key]!)"
        }
        line += "\n"
        lock.withLock { _ in
            FileHandle.standardError.write(Data(line.utf8))
        }
    }

    private static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var seconds = now.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let millis = now.tv_nsec / 1_000_000
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
            parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday,
            parts.tm_hour, parts.tm_min, parts.tm_sec, Int(millis)
        )
    }
}

/// Keeps records in memory, for tests that check what was (and was not) logged.
public final class MemoryLogHandler: LogHandler {
    /// One stored record.
    public struct Record: Sendable {
        public var level: LogLevel
        public var message: String
        public var metadata: [String: String]
    }

    private let records = Mutex<[Record]>([])

    public init() {}

    public func log(level: LogLevel, label: String, message: String, metadata: [String: String]) {
        records.withLock { $0.append(Record(level: level, message: message, metadata: metadata)) }
    }

    /// Every record so far.
    public var all: [Record] { records.withLock { $0 } }
}
