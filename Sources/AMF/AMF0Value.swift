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
    /// Marker 0x11 (avmplus-object): one AMF3 value inside an AMF0 sequence,
    /// as Flash Player sends values when a NetConnection's `objectEncoding` is 3.
    ///
    /// The accessors below (`stringValue`, `numberValue`, `booleanValue`,
    /// `properties` and the subscript) look through this case by converting
    /// with `AMF3Value.toAMF0()`.
    case avmPlus(AMF3Value)
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
    /// The text of a string or long string, or of an AMF3 string, otherwise `nil`.
    public var stringValue: String? {
        switch self {
        case .string(let text), .longString(let text): return text
        case .avmPlus(let value): return value.stringValue
        default: return nil
        }
    }

    /// The number of a number value, or of an AMF3 integer or double, otherwise `nil`.
    public var numberValue: Double? {
        switch self {
        case .number(let number): return number
        case .avmPlus(let value): return value.numberValue
        default: return nil
        }
    }

    /// The Boolean of a boolean value, AMF0 or AMF3, otherwise `nil`.
    public var booleanValue: Bool? {
        switch self {
        case .boolean(let flag): return flag
        case .avmPlus(let value): return value.booleanValue
        default: return nil
        }
    }

    /// The properties of an object, ECMA array or typed object, otherwise `nil`.
    ///
    /// For an AMF3 object or array with an associative part, the properties
    /// are those of its `AMF3Value.toAMF0()` conversion.
    public var properties: [AMF0Property]? {
        switch self {
        case .object(let properties), .ecmaArray(let properties): return properties
        case .typedObject(_, let properties): return properties
        case .avmPlus(let value):
            let converted = value.toAMF0()
            // A value without an AMF0 form converts to itself; it has no properties.
            if case .avmPlus = converted { return nil }
            return converted.properties
        default: return nil
        }
    }

    /// The value of the first property named `key`, for objects, ECMA arrays and
    /// typed objects, AMF0 or AMF3.
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
