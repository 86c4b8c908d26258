import Bytes

/// Type markers of AMF0.
enum AMF0Marker {
    static let number: UInt8 = 0x00
    static let boolean: UInt8 = 0x01
    static let string: UInt8 = 0x02
    static let object: UInt8 = 0x03
    static let movieClip: UInt8 = 0x04
    static let null: UInt8 = 0x05
    static let undefined: UInt8 = 0x06
    static let reference: UInt8 = 0x07
    static let ecmaArray: UInt8 = 0x08
    static let objectEnd: UInt8 = 0x09
    static let strictArray: UInt8 = 0x0A
    static let date: UInt8 = 0x0B
    static let longString: UInt8 = 0x0C
    static let unsupported: UInt8 = 0x0D
    static let recordSet: UInt8 = 0x0E
    static let xmlDocument: UInt8 = 0x0F
    static let typedObject: UInt8 = 0x10
    static let avmPlusObject: UInt8 = 0x11
}

// MARK: - Encoding

extension AMF0Value {
    /// Appends the AMF0 encoding of this value.
    public func encode(into buffer: inout ByteBuffer) {
        switch self {
        case .number(let number):
            buffer.writeByte(AMF0Marker.number)
            buffer.writeInteger(number.bitPattern, endianness: .big)
        case .boolean(let flag):
            buffer.writeByte(AMF0Marker.boolean)
            buffer.writeByte(flag ? 1 : 0)
        case .string(let text):
            // A string too long for a 16-bit length goes out as a long string.
            if text.utf8.count > Int(UInt16.max) {
                AMF0Value.longString(text).encode(into: &buffer)
            } else {
                buffer.writeByte(AMF0Marker.string)
                Self.writeShortString(text, into: &buffer)
            }
        case .object(let properties):
            buffer.writeByte(AMF0Marker.object)
            Self.writeProperties(properties, into: &buffer)
        case .null:
            buffer.writeByte(AMF0Marker.null)
        case .undefined:
            buffer.writeByte(AMF0Marker.undefined)
        case .reference(let index):
            buffer.writeByte(AMF0Marker.reference)
            buffer.writeInteger(index, endianness: .big)
        case .ecmaArray(let properties):
            buffer.writeByte(AMF0Marker.ecmaArray)
            buffer.writeInteger(UInt32(truncatingIfNeeded: properties.count), endianness: .big)
            Self.writeProperties(properties, into: &buffer)
        case .strictArray(let values):
            buffer.writeByte(AMF0Marker.strictArray)
            buffer.writeInteger(UInt32(truncatingIfNeeded: values.count), endianness: .big)
            for value in values { value.encode(into: &buffer) }
        case .date(let milliseconds, let timeZone):
            buffer.writeByte(AMF0Marker.date)
            buffer.writeInteger(milliseconds.bitPattern, endianness: .big)
            buffer.writeInteger(timeZone, endianness: .big)
        case .longString(let text):
            buffer.writeByte(AMF0Marker.longString)
            Self.writeLongString(text, into: &buffer)
        case .unsupported:
            buffer.writeByte(AMF0Marker.unsupported)
        case .xmlDocument(let text):
            buffer.writeByte(AMF0Marker.xmlDocument)
            Self.writeLongString(text, into: &buffer)
        case .typedObject(let className, let properties):
            buffer.writeByte(AMF0Marker.typedObject)
            Self.writeShortString(className, into: &buffer)
            Self.writeProperties(properties, into: &buffer)
        case .avmPlus(let value):
            buffer.writeByte(AMF0Marker.avmPlusObject)
            // Each avmplus value gets reference tables of its own, as the decoder expects.
            var encoder = AMF3Encoder()
            encoder.encode(value, into: &buffer)
        }
    }

    /// The AMF0 encoding of a sequence of values, as a command message body holds them.
    public static func encode(_ values: [AMF0Value]) -> [UInt8] {
        var buffer = ByteBuffer()
        for value in values { value.encode(into: &buffer) }
        return buffer.readAllBytes()
    }

    /// Writes a 16-bit length and UTF-8 bytes. A key or class name longer than
    /// 65,535 bytes is cut at the last whole character that fits, so the output
    /// stays valid UTF-8.
    private static func writeShortString(_ text: String, into buffer: inout ByteBuffer) {
        var length = text.utf8.count
        if length > Int(UInt16.max) {
            length = longestPrefixLength(of: text, fittingIn: Int(UInt16.max))
        }
        buffer.writeInteger(UInt16(length), endianness: .big)
        buffer.writeBytes(text.utf8.prefix(length))
    }

    private static func longestPrefixLength(of text: String, fittingIn limit: Int) -> Int {
        var length = 0
        for scalar in text.unicodeScalars {
            let scalarLength = UTF8.width(scalar)
            guard length + scalarLength <= limit else { break }
            length += scalarLength
        }
        return length
    }

    private static func writeLongString(_ text: String, into buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt32(truncatingIfNeeded: text.utf8.count), endianness: .big)
        buffer.writeString(text)
    }

    private static func writeProperties(_ properties: [AMF0Property], into buffer: inout ByteBuffer) {
        for property in properties {
            writeShortString(property.key, into: &buffer)
            property.value.encode(into: &buffer)
        }
        // An empty key followed by the object-end marker closes the object.
        buffer.writeInteger(UInt16(0), endianness: .big)
        buffer.writeByte(AMF0Marker.objectEnd)
    }
}
