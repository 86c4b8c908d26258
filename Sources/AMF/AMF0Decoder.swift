import Bytes

/// Decodes AMF0 values from a complete message body.
///
/// RTMP delivers whole messages, so a value cut short is malformed rather than
/// incomplete, and the decoder throws. It is lenient in the two ways real
/// clients need: the count of an ECMA array is only a hint, and an object or
/// ECMA array may end with the message instead of an object-end marker.
/// Everything else is bounded by `AMFLimits` before memory is reserved.
public struct AMF0Decoder: Sendable {
    /// The bounds applied to every value.
    public var limits: AMFLimits

    /// The number of complex values decoded so far, which `reference` markers index.
    private var referenceCount = 0

    /// Creates a decoder.
    public init(limits: AMFLimits = AMFLimits()) {
        self.limits = limits
    }

    /// Decodes every value in `bytes`.
    /// - Throws: `AMFError` when a value is malformed or exceeds the limits.
    public static func decodeAll<Bytes: Sequence>(
        _ bytes: Bytes,
        limits: AMFLimits = AMFLimits()
    ) throws(AMFError) -> [AMF0Value] where Bytes.Element == UInt8 {
        var buffer = ByteBuffer(bytes: bytes)
        var decoder = AMF0Decoder(limits: limits)
        var values: [AMF0Value] = []
        while buffer.readableBytes > 0 {
            values.append(try decoder.decode(from: &buffer))
        }
        return values
    }

    /// Decodes one value and consumes its bytes.
    /// - Throws: `AMFError` when the value is malformed or exceeds the limits.
    public mutating func decode(from buffer: inout ByteBuffer) throws(AMFError) -> AMF0Value {
        try decodeValue(from: &buffer, depth: 0)
    }

    /// Decodes one value whose enclosing objects and arrays number `depth`.
    private mutating func decodeValue(from buffer: inout ByteBuffer, depth: Int) throws(AMFError) -> AMF0Value {
        guard let marker = buffer.readByte() else { throw .truncated("missing type marker") }
        // Only objects and arrays count towards the depth limit, so a scalar inside
        // `maximumDepth` nested containers is accepted like an empty container is.
        if Self.isContainer(marker), depth >= limits.maximumDepth { throw .tooDeep(limits.maximumDepth) }

        switch marker {
        case AMF0Marker.number:
            return .number(Double(bitPattern: try read(UInt64.self, from: &buffer, what: "number")))
        case AMF0Marker.boolean:
            return .boolean(try read(UInt8.self, from: &buffer, what: "boolean") != 0)
        case AMF0Marker.string:
            return .string(try readShortString(from: &buffer))
        case AMF0Marker.object:
            referenceCount += 1
            return .object(try readProperties(from: &buffer, depth: depth))
        case AMF0Marker.null:
            return .null
        case AMF0Marker.undefined:
            return .undefined
        case AMF0Marker.reference:
            let index = try read(UInt16.self, from: &buffer, what: "reference")
            guard Int(index) < referenceCount else { throw .invalidReference(Int(index)) }
            return .reference(index)
        case AMF0Marker.ecmaArray:
            referenceCount += 1
            // The count is only a hint: ffmpeg and others write 0 or a wrong number.
            _ = try read(UInt32.self, from: &buffer, what: "ECMA array count")
            return .ecmaArray(try readProperties(from: &buffer, depth: depth))
        case AMF0Marker.strictArray:
            referenceCount += 1
            return .strictArray(try readStrictArray(from: &buffer, depth: depth))
        case AMF0Marker.date:
            let milliseconds = Double(bitPattern: try read(UInt64.self, from: &buffer, what: "date"))
            let timeZone = try read(Int16.self, from: &buffer, what: "date time zone")
            return .date(millisecondsSince1970: milliseconds, timeZone: timeZone)
        case AMF0Marker.longString:
            return .longString(try readLongString(from: &buffer))
        case AMF0Marker.unsupported:
            return .unsupported
        case AMF0Marker.xmlDocument:
            return .xmlDocument(try readLongString(from: &buffer))
        case AMF0Marker.typedObject:
            referenceCount += 1
            let className = try readShortString(from: &buffer)
            return .typedObject(className: className, properties: try readProperties(from: &buffer, depth: depth))
        case AMF0Marker.avmPlusObject:
            // NOTE: each avmplus value starts with empty AMF3 reference tables, so a
            // peer that shares AMF3 tables across the values of one message fails
            // with `invalidReference`. AMF0 references do not count AMF3 values.
            var amf3Decoder = AMF3Decoder(limits: limits)
            return .avmPlus(try amf3Decoder.decodeValue(from: &buffer, depth: depth))
        default:
            // Movie clip, record set and object end are reserved or misplaced.
            throw .unknownMarker(marker)
        }
    }

    private static func isContainer(_ marker: UInt8) -> Bool {
        switch marker {
        case AMF0Marker.object, AMF0Marker.ecmaArray, AMF0Marker.strictArray, AMF0Marker.typedObject: return true
        default: return false
        }
    }

    private func read<T: FixedWidthInteger>(_: T.Type, from buffer: inout ByteBuffer, what: String) throws(AMFError) -> T {
        guard let value = buffer.readInteger(endianness: .big, as: T.self) else { throw .truncated(what) }
        return value
    }

    private func readShortString(from buffer: inout ByteBuffer) throws(AMFError) -> String {
        let length = Int(try read(UInt16.self, from: &buffer, what: "string length"))
        return try readUTF8(length: length, from: &buffer)
    }

    private func readLongString(from buffer: inout ByteBuffer) throws(AMFError) -> String {
        let length = Int(try read(UInt32.self, from: &buffer, what: "long string length"))
        return try readUTF8(length: length, from: &buffer)
    }

    private func readUTF8(length: Int, from buffer: inout ByteBuffer) throws(AMFError) -> String {
        guard length <= limits.maximumStringLength else { throw .stringTooLong(length) }
        guard let text = buffer.readString(length: length) else {
            throw .truncated("string of \(length) bytes with \(buffer.readableBytes) left")
        }
        return text
    }

    /// Reads key-value pairs up to the object-end marker, or to the end of the message.
    private mutating func readProperties(from buffer: inout ByteBuffer, depth: Int) throws(AMFError) -> [AMF0Property] {
        var properties: [AMF0Property] = []
        while true {
            // A message that ends here lacks the object-end marker; some encoders omit it.
            if buffer.readableBytes == 0 { return properties }
            if buffer.readableBytes >= 3,
                buffer.getInteger(at: buffer.readerIndex, endianness: .big, as: UInt16.self) == 0,
                buffer.getByte(at: buffer.readerIndex + 2) == AMF0Marker.objectEnd
            {
                buffer.moveReaderIndex(forwardBy: 3)
                return properties
            }
            guard properties.count < limits.maximumEntries else { throw .tooManyEntries(properties.count + 1) }
            let key = try readShortString(from: &buffer)
            let value = try decodeValue(from: &buffer, depth: depth + 1)
            properties.append(AMF0Property(key, value))
        }
    }

    private mutating func readStrictArray(from buffer: inout ByteBuffer, depth: Int) throws(AMFError) -> [AMF0Value] {
        let count = Int(try read(UInt32.self, from: &buffer, what: "strict array count"))
        guard count <= limits.maximumEntries else { throw .tooManyEntries(count) }
        // Every element takes at least one byte, so a count beyond the bytes left is malformed.
        guard count <= buffer.readableBytes else { throw .truncated("strict array of \(count) elements") }
        var values: [AMF0Value] = []
        values.reserveCapacity(count)
        for _ in 0..<count {
            values.append(try decodeValue(from: &buffer, depth: depth + 1))
        }
        return values
    }
}
