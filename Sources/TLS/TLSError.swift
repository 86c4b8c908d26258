/// An error from the TLS layer: what failed, on which file or value, and the
/// OpenSSL error queue at the time it failed.
///
/// `TLSError` is an extensible struct rather than an enum, so that new kinds
/// can be added without breaking callers. Match a kind with `==` against the
/// static members (`error == .handshakeFailed`). Equality compares the kind
/// only, never the detail, the OpenSSL errors or the location.
public struct TLSError: Error, Sendable, CustomStringConvertible, Equatable {
    private enum Kind: String, Sendable {
        case certificateFileUnreadable
        case privateKeyFileUnreadable
        case keyDoesNotMatchCertificate
        case invalidConfiguration
        case handshakeFailed
        case verificationFailed
        case ioFailure
        case internalError
    }

    private let kind: Kind

    /// A plain sentence naming the file or value that failed and what to do about it.
    public let detail: String

    /// The OpenSSL error queue when the error was raised, oldest entry first.
    public let openSSLErrors: [String]

    /// The source location in the TLS module that raised the error, as `file:line`.
    public let location: String

    private init(
        _ kind: Kind,
        detail: String = "",
        openSSLErrors: [String] = [],
        fileID: StaticString = #fileID,
        line: UInt = #line
    ) {
        self.kind = kind
        self.detail = detail
        self.openSSLErrors = openSSLErrors
        self.location = "\(fileID):\(line)"
    }

    /// The kind as an identifier such as `handshakeFailed`, usable as a metric label.
    public var kindName: String { kind.rawValue }

    public var description: String {
        var text = detail.isEmpty ? "TLS error: \(kind.rawValue)" : detail
        if !openSSLErrors.isEmpty {
            text += " (OpenSSL: \(openSSLErrors.joined(separator: "; ")))"
        }
        return text
    }

    public static func == (lhs: TLSError, rhs: TLSError) -> Bool {
        lhs.kind == rhs.kind
    }
}

// MARK: - Kinds, for matching

extension TLSError {
    /// A certificate or CA file could not be opened or parsed as PEM.
    public static let certificateFileUnreadable = TLSError(.certificateFileUnreadable)
    /// A private key file could not be opened or parsed as PEM.
    public static let privateKeyFileUnreadable = TLSError(.privateKeyFileUnreadable)
    /// The private key does not belong to the leaf certificate.
    public static let keyDoesNotMatchCertificate = TLSError(.keyDoesNotMatchCertificate)
    /// A configuration value is missing or not usable.
    public static let invalidConfiguration = TLSError(.invalidConfiguration)
    /// The TLS handshake failed for a reason other than certificate verification.
    public static let handshakeFailed = TLSError(.handshakeFailed)
    /// The peer's certificate failed verification (chain, host name, dates or pin).
    public static let verificationFailed = TLSError(.verificationFailed)
    /// Reading or writing application data failed after the handshake.
    public static let ioFailure = TLSError(.ioFailure)
    /// OpenSSL failed in a way that the caller cannot fix, such as an allocation failure.
    public static let internalError = TLSError(.internalError)
}

// MARK: - Factories with detail

extension TLSError {
    static func certificateFileUnreadable(
        path: String,
        openSSLErrors: [String],
        fileID: StaticString = #fileID,
        line: UInt = #line
    ) -> TLSError {
        TLSError(
            .certificateFileUnreadable,
            detail: "Cannot read the PEM certificate file '\(path)'. "
                + "Check that the file exists, is readable and contains PEM certificates.",
            openSSLErrors: openSSLErrors,
            fileID: fileID,
            line: line
        )
    }

    static func privateKeyFileUnreadable(
        path: String,
        openSSLErrors: [String],
        fileID: StaticString = #fileID,
        line: UInt = #line
    ) -> TLSError {
        TLSError(
            .privateKeyFileUnreadable,
            detail: "Cannot read the PEM private key file '\(path)'. "
                + "Check that the file exists, is readable and contains an unencrypted PEM key.",
            openSSLErrors: openSSLErrors,
            fileID: fileID,
            line: line
        )
    }

    static func keyDoesNotMatchCertificate(
        keyPath: String,
        certificatePath: String,
        openSSLErrors: [String],
        fileID: StaticString = #fileID,
        line: UInt = #line
    ) -> TLSError {
        TLSError(
            .keyDoesNotMatchCertificate,
            detail: "The private key '\(keyPath)' does not match the first certificate in '\(certificatePath)'. "
                + "Use the key that the certificate was issued for, and put the leaf certificate first.",
            openSSLErrors: openSSLErrors,
            fileID: fileID,
            line: line
        )
    }

    static func invalidConfiguration(
        _ detail: String,
        openSSLErrors: [String] = [],
        fileID: StaticString = #fileID,
        line: UInt = #line
    ) -> TLSError {
        TLSError(.invalidConfiguration, detail: detail, openSSLErrors: openSSLErrors, fileID: fileID, line: line)
    }

    static func handshakeFailed(
        _ detail: String,
        openSSLErrors: [String],
        fileID: StaticString = #fileID,
        line: UInt = #line
    ) -> TLSError {
        TLSError(.handshakeFailed, detail: detail, openSSLErrors: openSSLErrors, fileID: fileID, line: line)
    }

    static func verificationFailed(
        _ detail: String,
        openSSLErrors: [String] = [],
        fileID: StaticString = #fileID,
        line: UInt = #line
    ) -> TLSError {
        TLSError(.verificationFailed, detail: detail, openSSLErrors: openSSLErrors, fileID: fileID, line: line)
    }

    static func ioFailure(
        _ detail: String,
        openSSLErrors: [String],
        fileID: StaticString = #fileID,
        line: UInt = #line
    ) -> TLSError {
        TLSError(.ioFailure, detail: detail, openSSLErrors: openSSLErrors, fileID: fileID, line: line)
    }

    static func internalError(
        _ detail: String,
        openSSLErrors: [String] = [],
        fileID: StaticString = #fileID,
        line: UInt = #line
    ) -> TLSError {
        TLSError(.internalError, detail: detail, openSSLErrors: openSSLErrors, fileID: fileID, line: line)
    }
}
