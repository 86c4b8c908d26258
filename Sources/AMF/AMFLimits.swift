/// Bounds on what an AMF decoder accepts, checked before memory is reserved.
public struct AMFLimits: Sendable, Hashable {
    /// Maximum nesting of objects and arrays inside one value. AMF3 vectors of
    /// objects and dictionaries also count, and so does an AMF3 value copied in
    /// by reference, at the depth of the reference.
    public var maximumDepth: Int
    /// Maximum length in bytes of one string, long string or XML document, and
    /// in AMF3 also of one XML value, member name or class name.
    public var maximumStringLength: Int
    /// Maximum number of entries in one object or array. In AMF3 this also
    /// bounds vector elements, dictionary entries and sealed member names.
    public var maximumEntries: Int
    /// Maximum length in bytes of one AMF3 byte array.
    public var maximumByteArrayLength: Int
    /// Maximum number of values one AMF3 decoder produces, counting every value
    /// inside a referenced object again at each reference to it.
    ///
    /// A reference costs a few bytes but copies a whole subtree, so a short
    /// message could otherwise expand to a tree of exponential size.
    public var maximumDecodedValues: Int

    /// Creates limits.
    public init(
        maximumDepth: Int = 32,
        maximumStringLength: Int = 1 << 20,
        maximumEntries: Int = 65_536,
        maximumByteArrayLength: Int = 1 << 20,
        maximumDecodedValues: Int = 1 << 20
    ) {
        self.maximumDepth = maximumDepth
        self.maximumStringLength = maximumStringLength
        self.maximumEntries = maximumEntries
        self.maximumByteArrayLength = maximumByteArrayLength
        self.maximumDecodedValues = maximumDecodedValues
    }
}

/// A malformed or out-of-bounds AMF value.
public struct AMFError: Error, Sendable, Hashable, CustomStringConvertible {
    private enum Kind: Hashable, Sendable {
        case truncated, unknownMarker, tooDeep, stringTooLong, tooManyEntries, invalidReference
        case circularReference, byteArrayTooLong, tooManyValues, unsupportedExternalizable, invalidFlag
    }

    private let kind: Kind
    /// What was found, for the message.
    public let detail: String

    private init(_ kind: Kind, _ detail: String) {
        self.kind = kind
        self.detail = detail
    }

    /// The value ended before its declared length.
    public static func truncated(_ detail: String) -> AMFError { AMFError(.truncated, detail) }
    /// A type marker this decoder does not know.
    public static func unknownMarker(_ marker: UInt8) -> AMFError {
        AMFError(.unknownMarker, "unknown AMF type marker 0x\(String(marker, radix: 16))")
    }
    /// Objects or arrays nested deeper than `AMFLimits.maximumDepth`.
    public static func tooDeep(_ depth: Int) -> AMFError { AMFError(.tooDeep, "nesting deeper than \(depth)") }
    /// A string longer than `AMFLimits.maximumStringLength`.
    public static func stringTooLong(_ length: Int) -> AMFError {
        AMFError(.stringTooLong, "string of \(length) bytes exceeds the limit")
    }
    /// An object or array with more entries than `AMFLimits.maximumEntries`.
    public static func tooManyEntries(_ count: Int) -> AMFError {
        AMFError(.tooManyEntries, "\(count) entries exceed the limit")
    }
    /// A reference to an object that was not decoded before it.
    public static func invalidReference(_ index: Int) -> AMFError {
        AMFError(.invalidReference, "reference to object \(index), which does not exist")
    }

    /// An AMF3 reference to an entry missing from the named reference table
    /// ("string", "object" or "traits").
    public static func invalidReference(_ index: Int, table: String) -> AMFError {
        AMFError(.invalidReference, "reference to \(table) \(index), which is not in the \(table) table")
    }
    /// An AMF3 reference to an object that is still being decoded, which a tree of values cannot hold.
    public static func circularReference(_ index: Int) -> AMFError {
        AMFError(.circularReference, "object \(index) refers to itself or to an object that contains it")
    }
    /// An AMF3 byte array longer than `AMFLimits.maximumByteArrayLength`.
    public static func byteArrayTooLong(_ length: Int) -> AMFError {
        AMFError(.byteArrayTooLong, "byte array of \(length) bytes exceeds the limit")
    }
    /// More decoded values than `AMFLimits.maximumDecodedValues`, counting referenced values at each reference.
    public static func tooManyValues(_ limit: Int) -> AMFError {
        AMFError(.tooManyValues, "more than \(limit) decoded values, counting each reference as a copy")
    }
    /// An AMF3 externalizable object of a class whose body format this decoder does not know.
    public static func unsupportedExternalizable(_ className: String) -> AMFError {
        AMFError(
            .unsupportedExternalizable,
            "externalizable class \"\(className)\" writes a body of its own format, which cannot be decoded"
        )
    }
    /// An AMF3 flag byte (a vector's fixed-length flag or a dictionary's weak-keys flag) that is neither 0 nor 1.
    public static func invalidFlag(_ flag: UInt8, _ name: String) -> AMFError {
        AMFError(.invalidFlag, "\(name) flag 0x\(String(flag, radix: 16)), expected 0 or 1")
    }

    public var description: String { "invalid AMF: \(detail)" }

    public static func == (lhs: AMFError, rhs: AMFError) -> Bool { lhs.kind == rhs.kind }
    public func hash(into hasher: inout Hasher) { hasher.combine(kind) }
}
