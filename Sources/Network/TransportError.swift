#if canImport(Glibc)
import Glibc
#endif

/// An error from the transport: a failed system call (with its `errno`), an address that is not
/// usable, a timeout, or a loop that has shut down.
///
/// Equality compares the kind and `errno`, so `error == .systemCall("read", errno: ECONNRESET)`
/// matches any connection reset whatever the operation and location.
public struct TransportError: Error, Sendable, CustomStringConvertible, Equatable {
    private enum Kind: Sendable, Equatable {
        case systemCall
        case invalidAddress
        case timedOut
        case eventLoopShutDown
    }

    private let kind: Kind

    /// The `errno` of a failed system call; 0 for the other kinds.
    public let errno: Int32

    /// The operation that failed, such as `"connect"` or `"writev"`.
    public let operation: String

    /// Extra context, such as the address involved.
    public let detail: String?

    /// The source location that raised the error, as `file:line`.
    public let location: String

    private init(kind: Kind, errno: Int32, operation: String, detail: String?, file: StaticString, line: UInt) {
        self.kind = kind
        self.errno = errno
        self.operation = operation
        self.detail = detail
        self.location = "\(file):\(line)"
    }

    /// A system call `operation` that failed with `errno`.
    public static func systemCall(
        _ operation: String,
        errno: Int32,
        detail: String? = nil,
        file: StaticString = #fileID,
        line: UInt = #line
    ) -> TransportError {
        TransportError(kind: .systemCall, errno: errno, operation: operation, detail: detail, file: file, line: line)
    }

    /// A host that is not a numeric IPv4 or IPv6 address and could not be resolved, or a port
    /// outside 0...65535.
    public static func invalidAddress(
        _ address: String,
        file: StaticString = #fileID,
        line: UInt = #line
    ) -> TransportError {
        TransportError(kind: .invalidAddress, errno: 0, operation: "resolve", detail: address, file: file, line: line)
    }

    /// An operation that did not finish in time, such as an outgoing connect.
    public static func timedOut(
        _ operation: String,
        detail: String? = nil,
        file: StaticString = #fileID,
        line: UInt = #line
    ) -> TransportError {
        TransportError(kind: .timedOut, errno: 0, operation: operation, detail: detail, file: file, line: line)
    }

    /// The event loop shut down while the operation or connection was still open.
    public static func eventLoopShutDown(file: StaticString = #fileID, line: UInt = #line) -> TransportError {
        TransportError(kind: .eventLoopShutDown, errno: 0, operation: "shutdown", detail: nil, file: file, line: line)
    }

    /// A reset from the peer (`ECONNRESET`).
    public static var connectionReset: TransportError { .systemCall("read", errno: ECONNRESET) }

    public static func == (lhs: TransportError, rhs: TransportError) -> Bool {
        lhs.kind == rhs.kind && lhs.errno == rhs.errno
    }

    public var description: String {
        kind == .systemCall ? "\(summary) at \(location)" : summary
    }

    /// The description without the source location, for messages that users read.
    public var summary: String {
        let context = detail.map { " (\($0))" } ?? ""
        switch kind {
        case .systemCall:
            let reason = String(cString: strerror(errno))
            return "\(operation) failed\(context): \(reason) (errno \(errno))"
        case .invalidAddress:
            return "Invalid address\(context): use a numeric IPv4 or IPv6 address or a resolvable host name, "
                + "and a port from 0 to 65535."
        case .timedOut:
            return "\(operation) timed out\(context)."
        case .eventLoopShutDown:
            return "The event loop shut down before the operation finished."
        }
    }
}
