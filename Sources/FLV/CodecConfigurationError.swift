/// A codec configuration record, parameter set or frame header that cannot be read.
///
/// Equality compares the kind only, so tests and callers can match
/// `CodecConfigurationError.truncated("")` against any truncation.
public struct CodecConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    private enum Kind: Hashable, Sendable {
        case truncated, invalidValue, unsupportedVersion, missingParameterSet
    }

    private let kind: Kind
    /// The field or value that failed, for the message.
    public let detail: String

    private init(_ kind: Kind, _ detail: String) {
        self.kind = kind
        self.detail = detail
    }

    /// Reports data that ends inside a field.
    public static func truncated(_ field: String) -> CodecConfigurationError {
        CodecConfigurationError(.truncated, "data ends inside \(field)")
    }

    /// Reports a field whose value the specification does not allow, or an
    /// exp-Golomb code longer than 32 bits.
    public static func invalidValue(_ detail: String) -> CodecConfigurationError {
        CodecConfigurationError(.invalidValue, detail)
    }

    /// Reports a record whose version or marker this parser does not read.
    public static func unsupportedVersion(_ detail: String) -> CodecConfigurationError {
        CodecConfigurationError(.unsupportedVersion, detail)
    }

    /// Reports a record that lacks the parameter set or sequence header it must carry.
    public static func missingParameterSet(_ detail: String) -> CodecConfigurationError {
        CodecConfigurationError(.missingParameterSet, detail)
    }

    public var description: String { "invalid codec configuration: \(detail)" }

    public static func == (lhs: CodecConfigurationError, rhs: CodecConfigurationError) -> Bool {
        lhs.kind == rhs.kind
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(kind) }
}
