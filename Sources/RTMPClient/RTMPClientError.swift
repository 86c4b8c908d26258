#if canImport(Glibc)
import Glibc
#endif
import Network
import RTMP
import TLS

/// An error from an RTMP client: what failed, at which step, and what to do about it.
///
/// An extensible struct rather than an enum, so that kinds can be added without breaking
/// callers. Match a kind with `==` against the static members (`error == .publishRejected`);
/// equality compares the kind only. `description` is a sentence for people; the fields give
/// the status code, the underlying error and the source location for programs.
public struct RTMPClientError: Error, Sendable, CustomStringConvertible, Equatable {
    private enum Kind: String, Sendable {
        case invalidURL
        case invalidOption
        case connectionFailed
        case tlsVerificationFailed
        case tlsFailed
        case protocolError
        case connectRejected
        case publishRejected
        case playRejected
        case timedOut
        case connectionClosed
        case closed
    }

    private let kind: Kind

    /// A sentence naming what failed and what to do next.
    public let detail: String

    /// The `onStatus` or `_error` code from the server, such as `NetStream.Publish.Denied`.
    public let statusCode: String?

    /// The error from the layer below (`TransportError`, `TLSError`, `RTMPProtocolError`).
    public let underlying: (any Error & Sendable)?

    /// The source location that raised the error, as `file:line`.
    public let location: String

    private init(
        _ kind: Kind,
        _ detail: String,
        statusCode: String? = nil,
        underlying: (any Error & Sendable)? = nil,
        fileID: StaticString = #fileID,
        line: UInt = #line
    ) {
        self.kind = kind
        self.detail = detail
        self.statusCode = statusCode
        self.underlying = underlying
        self.location = "\(fileID):\(line)"
    }

    /// The kind as an identifier such as `publishRejected`.
    public var kindName: String { kind.rawValue }

    public var description: String { detail }

    public static func == (lhs: RTMPClientError, rhs: RTMPClientError) -> Bool {
        lhs.kind == rhs.kind
    }
}

// MARK: - Kinds, for matching

extension RTMPClientError {
    /// The address is not a usable `rtmp://` or `rtmps://` URL.
    public static let invalidURL = RTMPClientError(.invalidURL, "invalid RTMP URL")
    /// A client option, such as a certificate fingerprint, is not usable.
    public static let invalidOption = RTMPClientError(.invalidOption, "invalid client option")
    /// The TCP connection could not be made: refused, unreachable, unresolvable or timed out.
    public static let connectionFailed = RTMPClientError(.connectionFailed, "connection failed")
    /// The server's certificate failed verification: chain, name, dates or pin.
    public static let tlsVerificationFailed = RTMPClientError(.tlsVerificationFailed, "TLS verification failed")
    /// TLS failed for a reason other than verification.
    public static let tlsFailed = RTMPClientError(.tlsFailed, "TLS failed")
    /// The server broke the RTMP protocol.
    public static let protocolError = RTMPClientError(.protocolError, "RTMP protocol error")
    /// The server replied to `connect` with `_error`.
    public static let connectRejected = RTMPClientError(.connectRejected, "connect rejected")
    /// The server replied to `publish` with an error status.
    public static let publishRejected = RTMPClientError(.publishRejected, "publish rejected")
    /// The server replied to `play` with an error status.
    public static let playRejected = RTMPClientError(.playRejected, "play rejected")
    /// A step did not finish within its timeout.
    public static let timedOut = RTMPClientError(.timedOut, "timed out")
    /// The connection ended while the client still needed it.
    public static let connectionClosed = RTMPClientError(.connectionClosed, "connection closed")
    /// The client was closed by its user.
    public static let closed = RTMPClientError(.closed, "client closed")
}

// MARK: - Factories

extension RTMPClientError {
    static func invalidURL(_ reason: String, file: StaticString = #fileID, line: UInt = #line) -> RTMPClientError {
        RTMPClientError(.invalidURL, "Invalid RTMP URL: \(reason).", fileID: file, line: line)
    }

    static func invalidOption(_ detail: String, file: StaticString = #fileID, line: UInt = #line) -> RTMPClientError {
        RTMPClientError(.invalidOption, detail, fileID: file, line: line)
    }

    static func timedOut(
        _ step: String,
        after timeout: Duration,
        url: RTMPURL,
        hint: String = "Check that the server is an RTMP server and that the scheme (rtmp or rtmps) matches its port.",
        file: StaticString = #fileID,
        line: UInt = #line
    ) -> RTMPClientError {
        RTMPClientError(.timedOut, "Timed out after \(timeout) waiting for \(step) from \(url). \(hint)", fileID: file, line: line)
    }

    static func rejected(
        _ command: String,
        code: String,
        description: String,
        file: StaticString = #fileID,
        line: UInt = #line
    ) -> RTMPClientError {
        let kind: Kind = command == "publish" ? .publishRejected : .playRejected
        let reason = description.isEmpty ? "" : ": \(description)"
        return RTMPClientError(
            kind,
            "The server rejected \(command) with \(code)\(reason).",
            statusCode: code,
            fileID: file,
            line: line
        )
    }

    static func connectRejected(
        _ description: String,
        url: RTMPURL,
        file: StaticString = #fileID,
        line: UInt = #line
    ) -> RTMPClientError {
        let reason = description.isEmpty ? "no reason given" : description
        return RTMPClientError(
            .connectRejected,
            "The server rejected connect to the application '\(url.application)': \(reason).",
            statusCode: "NetConnection.Connect.Rejected",
            fileID: file,
            line: line
        )
    }

    static func protocolError(_ error: RTMPProtocolError, file: StaticString = #fileID, line: UInt = #line) -> RTMPClientError {
        RTMPClientError(.protocolError, "The server broke the RTMP protocol: \(error.detail).", underlying: error, fileID: file, line: line)
    }

    static func connectionClosed(
        _ step: String,
        url: RTMPURL,
        file: StaticString = #fileID,
        line: UInt = #line
    ) -> RTMPClientError {
        RTMPClientError(.connectionClosed, "The server \(url) closed the connection \(step).", fileID: file, line: line)
    }

    static func closedByUser(file: StaticString = #fileID, line: UInt = #line) -> RTMPClientError {
        RTMPClientError(.closed, "The client was closed.", fileID: file, line: line)
    }

    /// Turns an error from the transport or TLS layer into a client error with a plain reason.
    static func transport(
        _ error: any Error,
        url: RTMPURL,
        step: String,
        file: StaticString = #fileID,
        line: UInt = #line
    ) -> RTMPClientError {
        if let error = error as? RTMPClientError {
            return error
        }
        if let error = error as? TLSError {
            let kind: Kind = error == .verificationFailed ? .tlsVerificationFailed : .tlsFailed
            var text = "TLS with \(url.host):\(url.port) failed: \(error.description)"
            if kind == .tlsVerificationFailed {
                text += " For a self-signed certificate, pass its SHA-256 fingerprint (--pin) or its file (--ca-file)."
            }
            return RTMPClientError(kind, text, underlying: error, fileID: file, line: line)
        }
        if let error = error as? TransportError {
            if error == .timedOut("connect") {
                return RTMPClientError(
                    .connectionFailed,
                    "Connecting to \(url.host):\(url.port) timed out. Check the host, the port and any firewall.",
                    underlying: error, fileID: file, line: line
                )
            }
            if error.errno != 0 {
                let reason = String(cString: strerror(error.errno))
                let hint = error.errno == ECONNREFUSED ? " Check that the server runs and listens on that port." : ""
                let kind: Kind = step == "connect" ? .connectionFailed : .connectionClosed
                return RTMPClientError(
                    kind, "\(step == "connect" ? "Connecting to" : "The connection to") \(url.host):\(url.port) failed: "
                        + "\(reason).\(hint)",
                    underlying: error, fileID: file, line: line
                )
            }
            return RTMPClientError(.connectionFailed, "Connecting to \(url.host):\(url.port) failed: \(error).",
                underlying: error, fileID: file, line: line)
        }
        return RTMPClientError(.connectionFailed, "The connection to \(url) failed: \(error).", underlying: error,
            fileID: file, line: line)
    }
}

extension RTMPClientError {
    /// Makes the error for reconnect attempts that all failed, naming the last failure.
    static func reconnectFailed(
        attempts: Int,
        lastError: RTMPClientError,
        file: StaticString = #fileID,
        line: UInt = #line
    ) -> RTMPClientError {
        RTMPClientError(
            lastError.kind,
            "Gave up reconnecting after \(attempts) attempts. Last failure: \(lastError.detail)",
            statusCode: lastError.statusCode,
            underlying: lastError,
            fileID: file,
            line: line
        )
    }
}
