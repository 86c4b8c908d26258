/// One AMF3 value, as Flash Player 9 and later encode them.
///
/// AMF3 shares strings, class descriptions (traits) and complex values
/// through three reference tables. A decoded `AMF3Value` has every reference
/// replaced by a copy of the value it points to, so the enum holds a tree,
/// never a graph. Objects, arrays and dictionaries keep their members in
/// wire order.
public indirect enum AMF3Value: Sendable, Hashable {
    /// Marker 0x00.
    case undefined
    /// Marker 0x01.
    case null
    /// Markers 0x02 (false) and 0x03 (true).
    case boolean(Bool)
    /// Marker 0x04: a signed 29-bit integer, from -2^28 through 2^28 - 1.
    ///
    /// The encoder writes a value outside that range as a double, so it
    /// decodes as `.double`.
    case integer(Int32)
    /// Marker 0x05: an IEEE 754 double.
    case double(Double)
    /// Marker 0x06: UTF-8 text, shared through the string table.
    case string(String)
    /// Marker 0x07: a legacy `flash.xml.XMLDocument` as UTF-8 text.
    case xmlDocument(String)
    /// Marker 0x08: milliseconds since the Unix epoch, in UTC.
    case date(millisecondsSince1970: Double)
    /// Marker 0x09: an array with a dense part (indices 0 to n - 1) and an
    /// associative part of named members.
    case array(dense: [AMF3Value], associative: [AMF3Property])
    /// Marker 0x0A: an object described by its traits.
    case object(AMF3Object)
    /// Marker 0x0B: an E4X `XML` value as UTF-8 text.
    case xml(String)
    /// Marker 0x0C: raw bytes.
    case byteArray([UInt8])
    /// Marker 0x0D: `Vector.<int>`; `fixed` is true for a vector of fixed length.
    case vectorInt(fixed: Bool, [Int32])
    /// Marker 0x0E: `Vector.<uint>`.
    case vectorUInt(fixed: Bool, [UInt32])
    /// Marker 0x0F: `Vector.<Number>`.
    case vectorDouble(fixed: Bool, [Double])
    /// Marker 0x10: `Vector.<T>` of objects, where `typeName` names `T`
    /// (an empty name or "*" stands for any type).
    case vectorObject(fixed: Bool, typeName: String, [AMF3Value])
    /// Marker 0x11: `flash.utils.Dictionary`, whose keys may be any value.
    case dictionary(weakKeys: Bool, [AMF3DictionaryEntry])
}

/// One name and value of an AMF3 array's associative part or of an object's
/// dynamic members.
public struct AMF3Property: Sendable, Hashable {
    /// The member name, never empty on the wire because an empty name ends the list.
    public var key: String
    /// The member value.
    public var value: AMF3Value

    /// Creates a property.
    public init(_ key: String, _ value: AMF3Value) {
        self.key = key
        self.value = value
    }
}

/// One key and value of an AMF3 dictionary.
public struct AMF3DictionaryEntry: Sendable, Hashable {
    /// The key, which may be any value.
    public var key: AMF3Value
    /// The value.
    public var value: AMF3Value

    /// Creates an entry.
    public init(_ key: AMF3Value, _ value: AMF3Value) {
        self.key = key
        self.value = value
    }
}

/// The class description that AMF3 sends once per class and then references.
public struct AMF3Traits: Sendable, Hashable {
    /// The registered class alias; empty for an anonymous `Object`.
    public var className: String
    /// Whether instances may carry dynamic members after the sealed ones.
    public var isDynamic: Bool
    /// Whether the class writes its own body (`IExternalizable`) instead of members.
    public var isExternalizable: Bool
    /// The names of the sealed members, in the order their values follow.
    public var sealedMemberNames: [String]

    /// Creates traits.
    public init(
        className: String = "",
        isDynamic: Bool = true,
        isExternalizable: Bool = false,
        sealedMemberNames: [String] = []
    ) {
        self.className = className
        self.isDynamic = isDynamic
        self.isExternalizable = isExternalizable
        self.sealedMemberNames = sealedMemberNames
    }

    /// The traits of an anonymous `Object`: no class name, dynamic, no sealed members.
    public static let anonymous = AMF3Traits()
}

/// An AMF3 object: its traits, one value per sealed member name, and dynamic members.
public struct AMF3Object: Sendable, Hashable {
    /// The class description.
    public var traits: AMF3Traits
    /// The sealed member values, one for each name in `traits.sealedMemberNames`.
    public var sealedValues: [AMF3Value]
    /// The dynamic members in wire order; empty unless `traits.isDynamic`.
    public var dynamicMembers: [AMF3Property]
    /// The body of an externalizable object whose class writes exactly one
    /// AMF3 value (see `AMF3Decoder.externalizableClassNames`); otherwise `nil`.
    public var externalContent: AMF3Value?

    /// Creates an object.
    ///
    /// The encoder writes `sealedValues` in order after the names of
    /// `traits.sealedMemberNames`, so the two must have the same count, and it
    /// writes `dynamicMembers` only when `traits.isDynamic` is true.
    public init(
        traits: AMF3Traits = .anonymous,
        sealedValues: [AMF3Value] = [],
        dynamicMembers: [AMF3Property] = [],
        externalContent: AMF3Value? = nil
    ) {
        self.traits = traits
        self.sealedValues = sealedValues
        self.dynamicMembers = dynamicMembers
        self.externalContent = externalContent
    }

    /// Sealed members followed by dynamic members, as name and value pairs.
    public var members: [AMF3Property] {
        var members: [AMF3Property] = []
        members.reserveCapacity(sealedValues.count + dynamicMembers.count)
        for (name, value) in zip(traits.sealedMemberNames, sealedValues) {
            members.append(AMF3Property(name, value))
        }
        return members + dynamicMembers
    }

    /// The value of the first sealed or dynamic member named `key`.
    public subscript(key: String) -> AMF3Value? {
        if let index = traits.sealedMemberNames.firstIndex(of: key), index < sealedValues.count {
            return sealedValues[index]
        }
        return dynamicMembers.first { $0.key == key }?.value
    }
}

// MARK: - Convenient access

extension AMF3Value {
    /// The text of a string, otherwise `nil`.
    public var stringValue: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    /// The number of an integer or double, otherwise `nil`.
    public var numberValue: Double? {
        switch self {
        case .integer(let integer): return Double(integer)
        case .double(let number): return number
        default: return nil
        }
    }

    /// The Boolean of a boolean value, otherwise `nil`.
    public var booleanValue: Bool? {
        if case .boolean(let flag) = self { return flag }
        return nil
    }

    /// The value of the member named `key` of an object, or of an array's associative part.
    public subscript(key: String) -> AMF3Value? {
        switch self {
        case .object(let object): return object[key]
        case .array(_, let associative): return associative.first { $0.key == key }?.value
        default: return nil
        }
    }
}

extension AMF3Value: ExpressibleByStringLiteral, ExpressibleByFloatLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByIntegerLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(booleanLiteral value: Bool) { self = .boolean(value) }
    /// Creates an `.integer`, so a literal outside the 29-bit range encodes as a double.
    public init(integerLiteral value: Int32) { self = .integer(value) }
}
