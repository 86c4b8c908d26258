import Foundation
import Network
import Observability
import Synchronization
import TLS

/// Rebuilds the RTMPS context from its files on request (SIGHUP) or when a file changes, and
/// swaps it into the listener's `TLSContextReference`.
///
/// A new context serves only connections accepted afterwards, because each session keeps the
/// context it was made from. When the new files cannot be used (unreadable, not PEM, key not
/// matching the certificate), one warning names the file and the previous context stays.
final class CertificateReloader: Sendable {
    /// The listener's context, replaced on each successful reload.
    let reference: TLSContextReference

    private let logger: Logger

    /// The stamps of each watched file at the last reload attempt, so a file that stays broken
    /// is reported once rather than at every check, and the stamps a check found changed but
    /// has not reloaded yet.
    private let stamps: Mutex<(lastAttempt: [String: FileStamp], changed: [String: FileStamp]?)>

    /// The fields of a file's status that change when the file is rewritten or replaced.
    struct FileStamp: Equatable {
        var modified: Date?
        var size: Int?
        var inode: Int?
    }

    init(reference: TLSContextReference, logger: Logger) {
        self.reference = reference
        self.logger = logger
        self.stamps = Mutex((Self.stamps(of: reference.current.configuration.files), nil))
    }

    /// Builds a context from the current configuration's files and swaps it in.
    ///
    /// - Parameter reason: Why the reload runs, for the log, such as "SIGHUP".
    /// - Returns: `true` when the new context replaced the old one.
    @discardableResult
    func reload(reason: String) -> Bool {
        let configuration = reference.current.configuration
        let attempted = Self.stamps(of: configuration.files)
        stamps.withLock { $0 = (attempted, nil) }
        do {
            let context = try TLSContext(configuration: configuration)
            reference.replace(with: context)
            logger.info("reloaded the TLS certificates (\(reason)); new connections use them")
            return true
        } catch {
            logger.warning("TLS certificate reload (\(reason)) rejected, keeping the previous certificates: \(error)")
            return false
        }
    }

    /// Reloads when any file's size, modification time or inode differs from the last attempt
    /// and has stayed the same since the previous check.
    ///
    /// Waiting one check lets a program that rewrites a file in place (`cp`, for example, which
    /// truncates and then writes) finish, so a half-written file is not loaded and reported.
    ///
    /// - Returns: `true` when files changed and the reload succeeded.
    @discardableResult
    func reloadIfFilesChanged() -> Bool {
        let current = Self.stamps(of: reference.current.configuration.files)
        let settled = stamps.withLock { state -> Bool in
            guard state.lastAttempt != current else {
                state.changed = nil
                return false
            }
            if state.changed == current {
                return true
            }
            state.changed = current
            return false
        }
        guard settled else {
            return false
        }
        return reload(reason: "certificate files changed")
    }

    /// Checks the files every `interval` on `loop`, until the loop stops.
    func startPolling(every interval: Duration, on loop: EventLoop) {
        loop.execute { [self] in
            scheduleCheck(after: interval, on: loop)
        }
    }

    private func scheduleCheck(after interval: Duration, on loop: EventLoop) {
        _ = loop.scheduleTimer(at: .now() + interval) { [self] in
            reloadIfFilesChanged()
            scheduleCheck(after: interval, on: loop)
        }
    }

    private static func stamps(of files: [String]) -> [String: FileStamp] {
        var stamps: [String: FileStamp] = [:]
        for file in files {
            let attributes = try? FileManager.default.attributesOfItem(atPath: file)
            stamps[file] = FileStamp(
                modified: attributes?[.modificationDate] as? Date,
                size: (attributes?[.size] as? NSNumber)?.intValue,
                inode: (attributes?[.systemFileNumber] as? NSNumber)?.intValue
            )
        }
        return stamps
    }
}

/// Logs clients that connect to the wrong kind of port: the first at info, later ones at debug,
/// with a count, so that a misconfigured encoder that retries does not flood the log.
final class ProtocolMismatchReporter: Sendable {
    private let logger: Logger
    private let reported = Atomic<Int>(0)
    /// The bound RTMPS port, set once the RTMPS listener is bound; 0 before that or without RTMPS.
    let rtmpsPort = Atomic<Int>(0)

    init(logger: Logger) {
        self.logger = logger
    }

    /// Logs `mismatch` for `connection` in plain words.
    func report(_ mismatch: ProtocolMismatch, on connection: Connection) {
        let message: String
        if mismatch == .tlsClientOnPlainPort {
            let port = rtmpsPort.load(ordering: .relaxed)
            message = port > 0
                ? "TLS client on the plain RTMP port: use rtmps:// on port \(port)"
                : "TLS client on the plain RTMP port: use rtmp://, because RTMPS is off"
        } else {
            message = "plain RTMP client on the RTMPS port: use rtmps:// on this port, or rtmp:// on the RTMP port"
        }
        let count = reported.wrappingAdd(1, ordering: .relaxed).newValue
        let metadata = ["conn.peer": connection.remoteAddress.description, "mismatch.count": String(count)]
        if count == 1 {
            logger.info("\(message); closing", metadata: metadata)
        } else {
            logger.debug("\(message); closing", metadata: metadata)
        }
    }
}
