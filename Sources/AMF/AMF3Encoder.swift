import Bytes

/// Encodes AMF3 values, sending each non-empty string and each traits
/// description inline once and by reference after that.
///
/// Like `AMF3Decoder`, one encoder keeps one set of reference tables for every
/// value it writes, so a peer must decode those values with one decoder.
///
/// The encoder writes every complex value (array, object, date, XML, byte
/// array, vector, dictionary) inline and never refers to the object table.
/// `AMF3Value` is a tree without identity, and a decoder expands references
/// into copies anyway, so the decoded value is the same either way. The cost
/// is size: a subtree that occurs twice is written twice.
///
/// - Precondition: every string, byte array and container is at most
///   268,435,455 (2^28 - 1) bytes or elements long, the most a U29 length holds.
public struct AMF3Encoder: Sendable {
    /// Index of each string in the peer's string table.
    private var strings: [String: Int] = [:]
    /// Index of each traits description in the peer's traits table.
    private var traitsTable: [AMF3Traits: Int] = [:]

    /// Creates an encoder with empty reference tables.
    public init() {}

    /// Encodes `values` with one encoder, so later values may refer to strings and traits of earlier ones.
    public static func encode(_ values: [AMF3Value]) -> [UInt8] {
        var encoder = AMF3Encoder()
        var buffer = ByteBuffer()
        for value in values {
            encoder.encode(value, into: &buffer)
        }
        return buffer.readAllBytes()
    }

    /// Appends the encoding of `value`.
    public mutating func encode(_ value: AMF3Value, into buffer: inout ByteBuffer) {
        switch value {
        case .undefined:
            buffer.writeByte(AMF3Marker.undefined)
        case .null:
            buffer.writeByte(AMF3Marker.null)
        case .boolean(let flag):
            buffer.writeByte(flag ? AMF3Marker.true : AMF3Marker.false)
        case .integer(let integer):
            writeInteger(integer, into: &buffer)
        case .double(let number):
            buffer.writeByte(AMF3Marker.double)
            buffer.writeInteger(number.bitPattern, endianness: .big)
        case .string(let text):
            buffer.writeByte(AMF3Marker.string)
            writeString(text, into: &buffer)
        case .xmlDocument(let text):
            buffer.writeByte(AMF3Marker.xmlDocument)
            Self.writeInlineText(text, into: &buffer)
        case .date(let milliseconds):
            buffer.writeByte(AMF3Marker.date)
            Self.writeU29(1, into: &buffer)  // inline; the other bits carry nothing
            buffer.writeInteger(milliseconds.bitPattern, endianness: .big)
        case .array(let dense, let associative):
            writeArray(dense: dense, associative: associative, into: &buffer)
        case .object(let object):
            buffer.writeByte(AMF3Marker.object)
            writeObject(object, into: &buffer)
        case .xml(let text):
            buffer.writeByte(AMF3Marker.xml)
            Self.writeInlineText(text, into: &buffer)
        case .byteArray(let bytes):
            buffer.writeByte(AMF3Marker.byteArray)
            Self.writeInlineHeader(count: bytes.count, into: &buffer)
            buffer.writeBytes(bytes)
        case .vectorInt(let fixed, let elements):
            let bitPatterns = elements.map(UInt32.init(bitPattern:))
            Self.writeNumericVector(AMF3Marker.vectorInt, fixed: fixed, bitPatterns, into: &buffer)
        case .vectorUInt(let fixed, let elements):
            Self.writeNumericVector(AMF3Marker.vectorUInt, fixed: fixed, elements, into: &buffer)
        case .vectorDouble(let fixed, let elements):
            Self.writeNumericVector(AMF3Marker.vectorDouble, fixed: fixed, elements.map(\.bitPattern), into: &buffer)
        case .vectorObject(let fixed, let typeName, let elements):
            writeObjectVector(fixed: fixed, typeName: typeName, elements, into: &buffer)
        case .dictionary(let weakKeys, let entries):
            writeDictionary(weakKeys: weakKeys, entries, into: &buffer)
        }
    }

    // MARK: - Values

    /// Writes an integer, or a double when it lies outside the signed 29-bit range.
    private func writeInteger(_ integer: Int32, into buffer: inout ByteBuffer) {
        guard (U29.minimumSignedInteger...U29.maximumSignedInteger).contains(integer) else {
            buffer.writeByte(AMF3Marker.double)
            buffer.writeInteger(Double(integer).bitPattern, endianness: .big)
            return
        }
        buffer.writeByte(AMF3Marker.integer)
        // A negative integer keeps its low 29 bits, which is its two's complement in 29 bits.
        Self.writeU29(UInt32(bitPattern: integer) & U29.maximum, into: &buffer)
    }

    private mutating func writeArray(
        dense: [AMF3Value],
        associative: [AMF3Property],
        into buffer: inout ByteBuffer
    ) {
        buffer.writeByte(AMF3Marker.array)
        Self.writeInlineHeader(count: dense.count, into: &buffer)
        writeProperties(associative, into: &buffer)
        for element in dense {
            encode(element, into: &buffer)
        }
    }

    /// Writes an object after its marker.
    ///
    /// Only the first `traits.sealedMemberNames.count` sealed values are written,
    /// and `.undefined` fills in for missing ones. An externalizable object
    /// writes `externalContent` as its body, or no body when that is `nil`,
    /// which only a peer that implements the class can read.
    private mutating func writeObject(_ object: AMF3Object, into buffer: inout ByteBuffer) {
        let traits = object.traits
        writeTraits(traits, into: &buffer)

        if traits.isExternalizable {
            if let content = object.externalContent {
                encode(content, into: &buffer)
            }
            return
        }

        for index in traits.sealedMemberNames.indices {
            let value = index < object.sealedValues.count ? object.sealedValues[index] : .undefined
            encode(value, into: &buffer)
        }
        if traits.isDynamic {
            writeProperties(object.dynamicMembers, into: &buffer)
        }
    }

    /// Writes the object header with its traits inline or by reference.
    private mutating func writeTraits(_ traits: AMF3Traits, into buffer: inout ByteBuffer) {
        // Low bits, from bit 0: inline object, inline traits, externalizable, dynamic.
        if let index = traitsTable[traits] {
            Self.writeU29(UInt32(index) << 2 | 0b01, into: &buffer)
            return
        }
        traitsTable[traits] = traitsTable.count

        if traits.isExternalizable {
            Self.writeU29(0b111, into: &buffer)
            writeString(traits.className, into: &buffer)
            return
        }
        precondition(traits.sealedMemberNames.count <= Int(U29.maximum >> 4), "too many sealed members for a U29")
        let dynamicBit: UInt32 = traits.isDynamic ? 0b1000 : 0
        Self.writeU29(UInt32(traits.sealedMemberNames.count) << 4 | dynamicBit | 0b011, into: &buffer)
        writeString(traits.className, into: &buffer)
        for name in traits.sealedMemberNames {
            writeString(name, into: &buffer)
        }
    }

    /// Writes name and value pairs and the empty name that ends them.
    /// A property with an empty name is left out, because that name would end the list.
    private mutating func writeProperties(_ properties: [AMF3Property], into buffer: inout ByteBuffer) {
        for property in properties where !property.key.isEmpty {
            writeString(property.key, into: &buffer)
            encode(property.value, into: &buffer)
        }
        writeString("", into: &buffer)
    }

    private mutating func writeObjectVector(
        fixed: Bool,
        typeName: String,
        _ elements: [AMF3Value],
        into buffer: inout ByteBuffer
    ) {
        buffer.writeByte(AMF3Marker.vectorObject)
        Self.writeInlineHeader(count: elements.count, into: &buffer)
        buffer.writeByte(fixed ? 1 : 0)
        writeString(typeName, into: &buffer)
        for element in elements {
            encode(element, into: &buffer)
        }
    }

    private mutating func writeDictionary(
        weakKeys: Bool,
        _ entries: [AMF3DictionaryEntry],
        into buffer: inout ByteBuffer
    ) {
        buffer.writeByte(AMF3Marker.dictionary)
        Self.writeInlineHeader(count: entries.count, into: &buffer)
        buffer.writeByte(weakKeys ? 1 : 0)
        for entry in entries {
            encode(entry.key, into: &buffer)
            encode(entry.value, into: &buffer)
        }
    }

    private static func writeNumericVector<Element: FixedWidthInteger>(
        _ marker: UInt8,
        fixed: Bool,
        _ elements: [Element],
        into buffer: inout ByteBuffer
    ) {
        buffer.writeByte(marker)
        writeInlineHeader(count: elements.count, into: &buffer)
        buffer.writeByte(fixed ? 1 : 0)
        for element in elements {
            buffer.writeInteger(element, endianness: .big)
        }
    }

    // MARK: - Strings and U29

    /// Writes a string inline the first time and by reference after that; the empty string is always inline.
    private mutating func writeString(_ text: String, into buffer: inout ByteBuffer) {
        if text.isEmpty {
            Self.writeInlineHeader(count: 0, into: &buffer)
            return
        }
        if let index = strings[text] {
            Self.writeU29(UInt32(index) << 1, into: &buffer)
            return
        }
        strings[text] = strings.count
        Self.writeInlineText(text, into: &buffer)
    }

    /// Writes a length header and UTF-8 bytes without touching the string table, as XML types require.
    private static func writeInlineText(_ text: String, into buffer: inout ByteBuffer) {
        writeInlineHeader(count: text.utf8.count, into: &buffer)
        buffer.writeString(text)
    }

    /// Writes a length or count with the low bit set, which marks an inline value.
    private static func writeInlineHeader(count: Int, into buffer: inout ByteBuffer) {
        precondition(count <= U29.maximumLength, "length \(count) does not fit in a U29")
        writeU29(UInt32(count) << 1 | 1, into: &buffer)
    }

    /// Writes a U29 in one to four bytes.
    static func writeU29(_ value: UInt32, into buffer: inout ByteBuffer) {
        precondition(value <= U29.maximum, "\(value) does not fit in a U29")
        switch value {
        case 0..<0x80:
            buffer.writeByte(UInt8(value))
        case 0x80..<0x4000:
            buffer.writeByte(UInt8(value >> 7) | 0x80)
            buffer.writeByte(UInt8(value & 0x7F))
        case 0x4000..<0x20_0000:
            buffer.writeByte(UInt8(value >> 14) | 0x80)
            buffer.writeByte(UInt8((value >> 7) & 0x7F) | 0x80)
            buffer.writeByte(UInt8(value & 0x7F))
        default:
            // The fourth byte carries 8 bits, so the first three carry bits 28 to 8.
            buffer.writeByte(UInt8(value >> 22) | 0x80)
            buffer.writeByte(UInt8((value >> 15) & 0x7F) | 0x80)
            buffer.writeByte(UInt8((value >> 8) & 0x7F) | 0x80)
            buffer.writeByte(UInt8(value & 0xFF))
        }
    }
}
