/// One AMF0 value, as RTMP command and data messages carry them.
///
/// Objects keep their keys in wire order, because some peers (and byte
/// fixtures) depend on it, so an object is a list of properties rather than
/// a dictionary.
public indirect enum AMF0Value: Sendable, Hashable {
    /// Marker 0x00: an IEEE 754 double.
    case number(Double)
    /// Marker 0x01.
    case boolean(Bool)
    /// Marker 0x02: UTF-8, at most 65,535 bytes.
    case string(String)
    /// Marker 0x03: anonymous object.
    case object([AMF0Property])
    /// Marker 0x05.
    case null
    /// Marker 0x06.
    case undefined
    /// Marker 0x07: index into the table of objects already decoded in this message.
    case reference(UInt16)
    /// Marker 0x08: associative array; the count on the wire is a hint that peers get wrong.
    case ecmaArray([AMF0Property])
    /// Marker 0x0A.
    case strictArray([AMF0Value])
    /// Marker 0x0B: milliseconds since the Unix epoch plus a time-zone field that must be 0.
    case date(millisecondsSince1970: Double, timeZone: Int16)
    /// Marker 0x0C: UTF-8 longer than 65,535 bytes.
    case longString(String)
    /// Marker 0x0D.
    case unsupported
    /// Marker 0x0F.
    case xmlDocument(String)
    /// Marker 0x10: an object with a class name.
    case typedObject(className: String, properties: [AMF0Property])
}

/// One key and value of an AMF0 object, ECMA array or typed object.
public struct AMF0Property: Sendable, Hashable {
    /// The property name.
    public var key: String
    /// The property value.
    public var value: AMF0Value

    /// Creates a property.
    public init(_ key: String, _ value: AMF0Value) {
        self.key = key
        self.value = value
    }
}

// MARK: - Convenient access

extension AMF0Value {
    /// The text of a string or long string, otherwise `nil`.
    public var stringValue: String? {
        switch self {
        case .string(let text), .longString(let text): return text
        default: return nil
        }
    }

    /// The number of a number value, otherwise `nil`.
    public var numberValue: Double? {
        if case .number(let number) = self { return number }
        return nil
    }

    /// The Boolean of a boolean value, otherwise `nil`.
    public var booleanValue: Bool? {
        if case .boolean(let flag) = self { return flag }
        return nil
    }

    /// The properties of an object, ECMA array or typed object, otherwise `nil`.
    public var properties: [AMF0Property]? {
        switch self {
        case .object(let properties), .ecmaArray(let properties): return properties
        case .typedObject(_, let properties): return properties
        default: return nil
        }
    }

    /// The value of the first property named `key`, for objects, ECMA arrays and typed objects.
    public subscript(key: String) -> AMF0Value? {
        properties?.first { $0.key == key }?.value
    }
}

extension AMF0Value: ExpressibleByStringLiteral, ExpressibleByFloatLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByIntegerLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(floatLiteral value: Double) { self = .number(value) }
    public init(booleanLiteral value: Bool) { self = .boolean(value) }
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
}
