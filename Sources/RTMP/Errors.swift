/// The peer broke the RTMP protocol: a malformed handshake, chunk or message,
/// or a value beyond `Limits`.
///
/// An extensible struct rather than an enum, so that new kinds can be added
/// without breaking callers. Two errors are equal when their kinds are equal;
/// the detail and the location only help the reader of a log line.
public struct RTMPProtocolError: Error, Sendable, Hashable, CustomStringConvertible {
    private enum Kind: Hashable, Sendable {
        case unsupportedVersion
        case handshakeFailed
        case invalidChunkHeader
        case invalidChunkSize
        case messageTooLarge
        case tooManyChunkStreams
        case tooManyMessageStreams
        case invalidMessage
        case invalidCommand
        case internalError
    }

    private let kind: Kind
    /// What was found, in words, for the log line.
    public let detail: String
    /// The source location that raised the error.
    public let location: String

    private init(_ kind: Kind, _ detail: String, file: String, line: Int) {
        self.kind = kind
        self.detail = detail
        self.location = "\(file):\(line)"
    }

    /// C0 or S0 named an RTMP version other than 3.
    public static func unsupportedVersion(
        _ version: UInt8,
        file: String = #fileID,
        line: Int = #line
    ) -> RTMPProtocolError {
        RTMPProtocolError(
            .unsupportedVersion,
            "RTMP version \(version) is not supported; only version 3 is",
            file: file,
            line: line
        )
    }

    /// The handshake reply did not carry the expected signature.
    public static func handshakeFailed(
        _ detail: String,
        file: String = #fileID,
        line: Int = #line
    ) -> RTMPProtocolError {
        RTMPProtocolError(.handshakeFailed, detail, file: file, line: line)
    }

    /// A chunk header that cannot be decoded, such as a compressed header on a
    /// chunk stream that has not yet carried a type-0 header.
    public static func invalidChunkHeader(
        _ detail: String,
        file: String = #fileID,
        line: Int = #line
    ) -> RTMPProtocolError {
        RTMPProtocolError(.invalidChunkHeader, detail, file: file, line: line)
    }

    /// A Set Chunk Size of 0 or above `Limits.maximumIncomingChunkSize`.
    public static func invalidChunkSize(
        _ size: UInt32,
        maximum: Int,
        file: String = #fileID,
        line: Int = #line
    ) -> RTMPProtocolError {
        RTMPProtocolError(
            .invalidChunkSize,
            "chunk size \(size) is outside 1...\(maximum)",
            file: file,
            line: line
        )
    }

    /// A message longer than `Limits.maximumMessageSize`.
    public static func messageTooLarge(
        _ length: Int,
        maximum: Int,
        file: String = #fileID,
        line: Int = #line
    ) -> RTMPProtocolError {
        RTMPProtocolError(
            .messageTooLarge,
            "message of \(length) bytes exceeds the limit of \(maximum)",
            file: file,
            line: line
        )
    }

    /// More chunk streams than `Limits.maximumChunkStreams`.
    public static func tooManyChunkStreams(
        _ maximum: Int,
        file: String = #fileID,
        line: Int = #line
    ) -> RTMPProtocolError {
        RTMPProtocolError(
            .tooManyChunkStreams,
            "more than \(maximum) chunk streams on one connection",
            file: file,
            line: line
        )
    }

    /// More message streams than `Limits.maximumMessageStreams`.
    public static func tooManyMessageStreams(
        _ maximum: Int,
        file: String = #fileID,
        line: Int = #line
    ) -> RTMPProtocolError {
        RTMPProtocolError(
            .tooManyMessageStreams,
            "more than \(maximum) message streams on one connection",
            file: file,
            line: line
        )
    }

    /// A message whose payload does not match its type, such as a Set Chunk
    /// Size shorter than 4 bytes.
    public static func invalidMessage(
        _ detail: String,
        file: String = #fileID,
        line: Int = #line
    ) -> RTMPProtocolError {
        RTMPProtocolError(.invalidMessage, detail, file: file, line: line)
    }

    /// A command or data message that is not valid AMF or lacks its name.
    public static func invalidCommand(
        _ detail: String,
        file: String = #fileID,
        line: Int = #line
    ) -> RTMPProtocolError {
        RTMPProtocolError(.invalidCommand, detail, file: file, line: line)
    }

    /// A state this module believed impossible; see `impossibleSituation`.
    static func internalError(_ detail: String, file: String, line: Int) -> RTMPProtocolError {
        RTMPProtocolError(.internalError, detail, file: file, line: line)
    }

    public var description: String { "RTMP protocol error: \(detail) (\(location))" }

    public static func == (lhs: RTMPProtocolError, rhs: RTMPProtocolError) -> Bool { lhs.kind == rhs.kind }
    public func hash(into hasher: inout Hasher) { hasher.combine(kind) }
}

/// Stops a debug build at a state the code believed impossible; a release build
/// reports it as an internal protocol error so that only one session ends.
func impossibleSituation(
    _ detail: String,
    file: String = #fileID,
    line: Int = #line
) -> RTMPProtocolError {
    assertionFailure(detail)
    return .internalError(detail, file: file, line: line)
}

/// Why a session ended.
///
/// An extensible struct in the style of an enum: compare with the static
/// members (`reason == .peerClosed`); the detail is for logs only.
public struct SessionCloseReason: Sendable, Hashable, CustomStringConvertible {
    private enum Kind: Hashable, Sendable {
        case peerClosed, protocolViolation, timedOut, locallyClosed, connectRejected
    }

    private let kind: Kind
    /// The protocol error, the state that timed out, or the rejection text.
    public let detail: String
    /// The protocol error behind a `protocolViolation`, otherwise `nil`.
    public let error: RTMPProtocolError?

    private init(_ kind: Kind, detail: String, error: RTMPProtocolError? = nil) {
        self.kind = kind
        self.detail = detail
        self.error = error
    }

    /// The peer closed the connection.
    public static let peerClosed = SessionCloseReason(.peerClosed, detail: "")
    /// This side closed the session.
    public static let locallyClosed = SessionCloseReason(.locallyClosed, detail: "")

    /// The peer broke the protocol.
    public static func protocolViolation(_ error: RTMPProtocolError) -> SessionCloseReason {
        SessionCloseReason(.protocolViolation, detail: error.detail, error: error)
    }

    /// A deadline passed in the named state, for example "handshake" or "connect".
    public static func timedOut(_ state: String) -> SessionCloseReason {
        SessionCloseReason(.timedOut, detail: state)
    }

    /// The server rejected the connect command.
    public static func connectRejected(_ description: String) -> SessionCloseReason {
        SessionCloseReason(.connectRejected, detail: description)
    }

    /// Whether two reasons have the same kind, ignoring the detail.
    public static func == (lhs: SessionCloseReason, rhs: SessionCloseReason) -> Bool { lhs.kind == rhs.kind }
    public func hash(into hasher: inout Hasher) { hasher.combine(kind) }

    public var description: String {
        switch kind {
        case .peerClosed: return "peer closed the connection"
        case .locallyClosed: return "closed locally"
        case .protocolViolation: return "protocol violation: \(detail)"
        case .timedOut: return "timed out in state \(detail)"
        case .connectRejected: return "connect rejected: \(detail)"
        }
    }
}
