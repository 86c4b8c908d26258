/// A malformed FLV file, tag or audio/video tag header.
///
/// Equality compares the kind only, so tests and callers can match
/// `FLVError.truncated("")` against any truncation.
public struct FLVError: Error, Sendable, Hashable, CustomStringConvertible {
    private enum Kind: Hashable, Sendable {
        case truncated, invalidSignature, invalidHeader, invalidMultitrack, payloadTooLarge
    }

    private let kind: Kind
    /// The field or value that failed, for the message.
    public let detail: String

    private init(_ kind: Kind, _ detail: String) {
        self.kind = kind
        self.detail = detail
    }

    /// Reports a payload or file that ends inside a field.
    public static func truncated(_ field: String) -> FLVError {
        FLVError(.truncated, "data ends inside \(field)")
    }

    /// Reports a file that does not start with the signature "FLV".
    public static func invalidSignature(_ bytes: [UInt8]) -> FLVError {
        FLVError(.invalidSignature, "expected signature \"FLV\", found \(bytes)")
    }

    /// Reports a header field with a value the format does not allow.
    public static func invalidHeader(_ detail: String) -> FLVError {
        FLVError(.invalidHeader, detail)
    }

    /// Reports an Enhanced RTMP multitrack header that cannot be read: a reserved
    /// multitrack type, a nested multitrack packet type, no tracks, or a track size
    /// beyond the payload.
    public static func invalidMultitrack(_ detail: String) -> FLVError {
        FLVError(.invalidMultitrack, detail)
    }

    /// Reports a tag payload over 16,777,215 bytes, which the 24-bit size field cannot hold.
    public static func payloadTooLarge(_ size: Int) -> FLVError {
        FLVError(.payloadTooLarge, "tag payload of \(size) bytes exceeds the 24-bit size field")
    }

    public var description: String { "invalid FLV: \(detail)" }

    public static func == (lhs: FLVError, rhs: FLVError) -> Bool { lhs.kind == rhs.kind }
    public func hash(into hasher: inout Hasher) { hasher.combine(kind) }
}
