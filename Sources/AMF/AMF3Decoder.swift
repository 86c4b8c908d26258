import Bytes

/// Decodes AMF3 values, resolving the three AMF3 reference tables.
///
/// AMF3 sends a string, a class description (traits) or a complex value once
/// and later refers to it by its index in a table:
///
/// | table   | filled by                                                        |
/// | ------- | ---------------------------------------------------------------- |
/// | strings | every non-empty string: values, keys, member and class names     |
/// | objects | XML documents, dates, arrays, objects, XML, byte arrays, vectors, dictionaries |
/// | traits  | every traits description sent inline, externalizable ones too    |
///
/// The tables belong to one decoder, so values decoded one after another by
/// the same decoder share them. Start a new decoder for an unrelated value.
///
/// A reference decodes to a copy of the value it points to. Because a copy
/// costs a few bytes on the wire but a whole subtree in memory, the decoder
/// counts every value it produces, each referenced subtree again at every
/// reference, against `AMFLimits.maximumDecodedValues`. A referenced subtree
/// also counts towards `AMFLimits.maximumDepth` at the depth of the reference.
/// A reference to an object that is still being decoded (a cycle) throws
/// `AMFError.circularReference`, as a tree of values cannot hold it.
///
/// Externalizable objects write a body in a format that only their class defines,
/// so the decoder throws `AMFError.unsupportedExternalizable` for them unless
/// their class is in `externalizableClassNames`, whose body is one AMF3 value.
///
/// As with AMF0, RTMP delivers whole messages, so a value cut short throws
/// `AMFError.truncated`. After any error, discard the decoder: its tables may
/// hold a partial value.
public struct AMF3Decoder: Sendable {
    /// The bounds applied to every value.
    public var limits: AMFLimits

    /// The externalizable classes whose body is exactly one AMF3 value, which
    /// the decoder stores in `AMF3Object.externalContent`.
    public var externalizableClassNames: Set<String>

    /// The Flex classes whose body is one AMF3 value: `ArrayCollection` writes
    /// its source array and `ObjectProxy` writes the proxied object.
    public static let flexExternalizableClassNames: Set<String> = [
        "flex.messaging.io.ArrayCollection",
        "flex.messaging.io.ObjectProxy",
    ]

    /// A decoded object-table value with what a reference to it costs.
    private struct ObjectTableEntry: Sendable {
        var value: AMF3Value
        /// The number of values in `value`, itself included.
        var valueCount: Int
        /// The number of nested containers from `value` down, 0 for a date, XML or byte array.
        var height: Int
    }

    private var strings: [String] = []
    /// Entries are `nil` while their value is still being decoded.
    private var objects: [ObjectTableEntry?] = []
    private var traitsTable: [AMF3Traits] = []
    private var decodedValueCount = 0
    /// The depth of the deepest container decoded since the current object-table value began.
    private var deepestContainerDepth = -1

    /// Creates a decoder with empty reference tables.
    public init(
        limits: AMFLimits = AMFLimits(),
        externalizableClassNames: Set<String> = AMF3Decoder.flexExternalizableClassNames
    ) {
        self.limits = limits
        self.externalizableClassNames = externalizableClassNames
    }

    /// Decodes every value in `bytes` with one decoder, so the values share reference tables.
    /// - Throws: `AMFError` when a value is malformed or exceeds the limits.
    public static func decodeAll<Bytes: Sequence>(
        _ bytes: Bytes,
        limits: AMFLimits = AMFLimits()
    ) throws(AMFError) -> [AMF3Value] where Bytes.Element == UInt8 {
        var buffer = ByteBuffer(bytes: bytes)
        var decoder = AMF3Decoder(limits: limits)
        var values: [AMF3Value] = []
        while buffer.readableBytes > 0 {
            values.append(try decoder.decode(from: &buffer))
        }
        return values
    }

    /// Decodes one value and consumes its bytes, leaving any bytes after it.
    /// - Throws: `AMFError` when the value is malformed or exceeds the limits.
    public mutating func decode(from buffer: inout ByteBuffer) throws(AMFError) -> AMF3Value {
        try decodeValue(from: &buffer, depth: 0)
    }

    /// Decodes one value whose enclosing containers number `depth`, which
    /// includes the AMF0 containers around an AMF0 avmplus value.
    mutating func decodeValue(from buffer: inout ByteBuffer, depth: Int) throws(AMFError) -> AMF3Value {
        guard let marker = buffer.readByte() else { throw .truncated("missing AMF3 type marker") }
        try countValues(1)

        switch marker {
        case AMF3Marker.undefined:
            return .undefined
        case AMF3Marker.null:
            return .null
        case AMF3Marker.false:
            return .boolean(false)
        case AMF3Marker.true:
            return .boolean(true)
        case AMF3Marker.integer:
            return .integer(Self.signedInteger(fromU29: try readU29(from: &buffer, what: "integer")))
        case AMF3Marker.double:
            return .double(Double(bitPattern: try read(UInt64.self, from: &buffer, what: "double")))
        case AMF3Marker.string:
            return .string(try readString(from: &buffer))
        case AMF3Marker.xmlDocument...AMF3Marker.dictionary:
            return try decodeObjectTableValue(marker, from: &buffer, depth: depth)
        default:
            throw .unknownMarker(marker)
        }
    }

    /// Interprets the low 29 bits of a U29 as a two's complement integer.
    static func signedInteger(fromU29 value: UInt32) -> Int32 {
        let signBit: UInt32 = 0x1000_0000
        if value & signBit != 0 {
            return Int32(value) - 0x2000_0000
        }
        return Int32(value)
    }

    // MARK: - Object table

    /// Decodes a value that takes an object-table slot, or resolves a reference to one.
    private mutating func decodeObjectTableValue(
        _ marker: UInt8,
        from buffer: inout ByteBuffer,
        depth: Int
    ) throws(AMFError) -> AMF3Value {
        // The low bit of the header is 1 for an inline value and 0 for a reference.
        let header = try readU29(from: &buffer, what: "header")
        if header & 1 == 0 {
            return try resolveObjectReference(Int(header >> 1), depth: depth)
        }

        // Reserve the slot first, because the spec numbers a value before its members.
        let index = objects.count
        objects.append(nil)
        let valueCountBefore = decodedValueCount - 1
        let outerDeepest = deepestContainerDepth
        deepestContainerDepth = depth - 1

        let value = try decodeObjectTableBody(marker, header: header >> 1, from: &buffer, depth: depth)

        // Record the cost of copying this value at a later reference.
        let height = deepestContainerDepth - (depth - 1)
        deepestContainerDepth = max(outerDeepest, deepestContainerDepth)
        objects[index] = ObjectTableEntry(
            value: value,
            valueCount: decodedValueCount - valueCountBefore,
            height: height
        )
        return value
    }

    private mutating func resolveObjectReference(_ index: Int, depth: Int) throws(AMFError) -> AMF3Value {
        guard index < objects.count else { throw .invalidReference(index, table: "object") }
        guard let entry = objects[index] else { throw .circularReference(index) }

        if entry.height > 0 {
            let deepest = depth + entry.height - 1
            guard deepest < limits.maximumDepth else { throw .tooDeep(limits.maximumDepth) }
            deepestContainerDepth = max(deepestContainerDepth, deepest)
        }
        // The reference itself was counted with its marker.
        try countValues(entry.valueCount - 1)
        return entry.value
    }

    private mutating func decodeObjectTableBody(
        _ marker: UInt8,
        header: UInt32,
        from buffer: inout ByteBuffer,
        depth: Int
    ) throws(AMFError) -> AMF3Value {
        let length = Int(header)
        switch marker {
        case AMF3Marker.xmlDocument:
            return .xmlDocument(try readUTF8(length: length, from: &buffer))
        case AMF3Marker.date:
            // The rest of a date's header is not significant.
            let milliseconds = Double(bitPattern: try read(UInt64.self, from: &buffer, what: "date"))
            return .date(millisecondsSince1970: milliseconds)
        case AMF3Marker.array:
            return try decodeArray(denseCount: length, from: &buffer, depth: depth)
        case AMF3Marker.object:
            return .object(try decodeObject(header: header, from: &buffer, depth: depth))
        case AMF3Marker.xml:
            return .xml(try readUTF8(length: length, from: &buffer))
        case AMF3Marker.byteArray:
            guard length <= limits.maximumByteArrayLength else { throw .byteArrayTooLong(length) }
            guard let bytes = buffer.readBytes(length: length) else {
                throw .truncated("byte array of \(length) bytes with \(buffer.readableBytes) left")
            }
            return .byteArray(bytes)
        case AMF3Marker.vectorInt:
            let (fixed, elements) = try readNumericVector(count: length, as: UInt32.self, from: &buffer)
            return .vectorInt(fixed: fixed, elements.map { Int32(bitPattern: $0) })
        case AMF3Marker.vectorUInt:
            let (fixed, elements) = try readNumericVector(count: length, as: UInt32.self, from: &buffer)
            return .vectorUInt(fixed: fixed, elements)
        case AMF3Marker.vectorDouble:
            let (fixed, elements) = try readNumericVector(count: length, as: UInt64.self, from: &buffer)
            return .vectorDouble(fixed: fixed, elements.map { Double(bitPattern: $0) })
        case AMF3Marker.vectorObject:
            return try decodeObjectVector(count: length, from: &buffer, depth: depth)
        default:
            return try decodeDictionary(count: length, from: &buffer, depth: depth)
        }
    }

    // MARK: - Containers

    private mutating func decodeArray(
        denseCount: Int,
        from buffer: inout ByteBuffer,
        depth: Int
    ) throws(AMFError) -> AMF3Value {
        try enterContainer(depth: depth)
        guard denseCount <= limits.maximumEntries else { throw .tooManyEntries(denseCount) }

        // The associative part comes first and ends with an empty name.
        let associative = try readProperties(from: &buffer, depth: depth)

        try checkCount(denseCount, bytesEach: 1, in: buffer, what: "array")
        var dense: [AMF3Value] = []
        dense.reserveCapacity(denseCount)
        for _ in 0..<denseCount {
            dense.append(try decodeValue(from: &buffer, depth: depth + 1))
        }
        return .array(dense: dense, associative: associative)
    }

    private mutating func decodeObject(
        header: UInt32,
        from buffer: inout ByteBuffer,
        depth: Int
    ) throws(AMFError) -> AMF3Object {
        try enterContainer(depth: depth)
        let traits = try readTraits(header: header, from: &buffer)

        if traits.isExternalizable {
            guard externalizableClassNames.contains(traits.className) else {
                throw .unsupportedExternalizable(traits.className)
            }
            let content = try decodeValue(from: &buffer, depth: depth + 1)
            return AMF3Object(traits: traits, externalContent: content)
        }

        // Traits from the table were checked against the entry limit when they were sent.
        let sealedCount = traits.sealedMemberNames.count
        try checkCount(sealedCount, bytesEach: 1, in: buffer, what: "sealed members")
        var sealedValues: [AMF3Value] = []
        sealedValues.reserveCapacity(sealedCount)
        for _ in 0..<sealedCount {
            sealedValues.append(try decodeValue(from: &buffer, depth: depth + 1))
        }

        let dynamicMembers = traits.isDynamic ? try readProperties(from: &buffer, depth: depth) : []
        return AMF3Object(traits: traits, sealedValues: sealedValues, dynamicMembers: dynamicMembers)
    }

    /// Reads the traits part of an object header, whose low (reference) bit is already removed.
    ///
    /// ```
    /// bit 0 = 0: reference to traits (header >> 1)
    /// bits 0-1 = 11: externalizable, class name follows
    /// bits 0-1 = 01: inline; bit 2 = dynamic; header >> 3 = sealed member count
    /// ```
    private mutating func readTraits(header: UInt32, from buffer: inout ByteBuffer) throws(AMFError) -> AMF3Traits {
        if header & 1 == 0 {
            let index = Int(header >> 1)
            guard index < traitsTable.count else { throw .invalidReference(index, table: "traits") }
            return traitsTable[index]
        }

        if header & 2 != 0 {
            // The remaining bits of an externalizable header are not significant.
            let className = try readString(from: &buffer)
            let traits = AMF3Traits(className: className, isDynamic: false, isExternalizable: true)
            traitsTable.append(traits)
            return traits
        }

        let isDynamic = header & 4 != 0
        let sealedCount = Int(header >> 3)
        guard sealedCount <= limits.maximumEntries else { throw .tooManyEntries(sealedCount) }
        let className = try readString(from: &buffer)
        try checkCount(sealedCount, bytesEach: 1, in: buffer, what: "sealed member names")
        var names: [String] = []
        names.reserveCapacity(sealedCount)
        for _ in 0..<sealedCount {
            names.append(try readString(from: &buffer))
        }

        let traits = AMF3Traits(className: className, isDynamic: isDynamic, sealedMemberNames: names)
        traitsTable.append(traits)
        return traits
    }

    /// Reads name and value pairs up to an empty name.
    private mutating func readProperties(
        from buffer: inout ByteBuffer,
        depth: Int
    ) throws(AMFError) -> [AMF3Property] {
        var properties: [AMF3Property] = []
        while true {
            let key = try readString(from: &buffer)
            if key.isEmpty { return properties }
            guard properties.count < limits.maximumEntries else { throw .tooManyEntries(properties.count + 1) }
            properties.append(AMF3Property(key, try decodeValue(from: &buffer, depth: depth + 1)))
        }
    }

    private mutating func decodeObjectVector(
        count: Int,
        from buffer: inout ByteBuffer,
        depth: Int
    ) throws(AMFError) -> AMF3Value {
        try enterContainer(depth: depth)
        guard count <= limits.maximumEntries else { throw .tooManyEntries(count) }
        let fixed = try readFlag(from: &buffer, name: "vector fixed-length")
        let typeName = try readString(from: &buffer)

        try checkCount(count, bytesEach: 1, in: buffer, what: "object vector")
        var elements: [AMF3Value] = []
        elements.reserveCapacity(count)
        for _ in 0..<count {
            elements.append(try decodeValue(from: &buffer, depth: depth + 1))
        }
        return .vectorObject(fixed: fixed, typeName: typeName, elements)
    }

    private mutating func decodeDictionary(
        count: Int,
        from buffer: inout ByteBuffer,
        depth: Int
    ) throws(AMFError) -> AMF3Value {
        try enterContainer(depth: depth)
        guard count <= limits.maximumEntries else { throw .tooManyEntries(count) }
        let weakKeys = try readFlag(from: &buffer, name: "dictionary weak-keys")

        try checkCount(count, bytesEach: 2, in: buffer, what: "dictionary")
        var entries: [AMF3DictionaryEntry] = []
        entries.reserveCapacity(count)
        for _ in 0..<count {
            let key = try decodeValue(from: &buffer, depth: depth + 1)
            let value = try decodeValue(from: &buffer, depth: depth + 1)
            entries.append(AMF3DictionaryEntry(key, value))
        }
        return .dictionary(weakKeys: weakKeys, entries)
    }

    private mutating func readNumericVector<Element: FixedWidthInteger>(
        count: Int,
        as _: Element.Type,
        from buffer: inout ByteBuffer
    ) throws(AMFError) -> (fixed: Bool, elements: [Element]) {
        guard count <= limits.maximumEntries else { throw .tooManyEntries(count) }
        let fixed = try readFlag(from: &buffer, name: "vector fixed-length")

        try checkCount(count, bytesEach: MemoryLayout<Element>.size, in: buffer, what: "vector")
        var elements: [Element] = []
        elements.reserveCapacity(count)
        for _ in 0..<count {
            elements.append(try read(Element.self, from: &buffer, what: "vector element"))
        }
        return (fixed, elements)
    }

    // MARK: - Bounds

    private mutating func enterContainer(depth: Int) throws(AMFError) {
        guard depth < limits.maximumDepth else { throw .tooDeep(limits.maximumDepth) }
        deepestContainerDepth = max(deepestContainerDepth, depth)
    }

    private mutating func countValues(_ count: Int) throws(AMFError) {
        decodedValueCount += count
        guard decodedValueCount <= limits.maximumDecodedValues else {
            throw .tooManyValues(limits.maximumDecodedValues)
        }
    }

    /// Checks that `count` elements of at least `bytesEach` bytes can still follow.
    private func checkCount(_ count: Int, bytesEach: Int, in buffer: ByteBuffer, what: String) throws(AMFError) {
        guard count <= buffer.readableBytes / bytesEach else {
            throw .truncated("\(what) of \(count) elements with \(buffer.readableBytes) bytes left")
        }
    }

    // MARK: - Scalars and strings

    private func read<T: FixedWidthInteger>(
        _: T.Type,
        from buffer: inout ByteBuffer,
        what: String
    ) throws(AMFError) -> T {
        guard let value = buffer.readInteger(endianness: .big, as: T.self) else { throw .truncated(what) }
        return value
    }

    private func readFlag(from buffer: inout ByteBuffer, name: String) throws(AMFError) -> Bool {
        let flag = try read(UInt8.self, from: &buffer, what: "\(name) flag")
        guard flag <= 1 else { throw .invalidFlag(flag, name) }
        return flag == 1
    }

    /// Reads a U29 of one to four bytes.
    private func readU29(from buffer: inout ByteBuffer, what: String) throws(AMFError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<3 {
            guard let byte = buffer.readByte() else { throw .truncated("U29 \(what)") }
            value = (value << 7) | UInt32(byte & 0x7F)
            if byte & 0x80 == 0 { return value }
        }
        guard let last = buffer.readByte() else { throw .truncated("U29 \(what)") }
        return (value << 8) | UInt32(last)
    }

    /// Reads a string sent inline or by reference to the string table.
    private mutating func readString(from buffer: inout ByteBuffer) throws(AMFError) -> String {
        let header = try readU29(from: &buffer, what: "string header")
        if header & 1 == 0 {
            let index = Int(header >> 1)
            guard index < strings.count else { throw .invalidReference(index, table: "string") }
            return strings[index]
        }

        let text = try readUTF8(length: Int(header >> 1), from: &buffer)
        // The empty string is never added to the table, so no reference can point at it.
        if !text.isEmpty { strings.append(text) }
        return text
    }

    private func readUTF8(length: Int, from buffer: inout ByteBuffer) throws(AMFError) -> String {
        guard length <= limits.maximumStringLength else { throw .stringTooLong(length) }
        guard let text = buffer.readString(length: length) else {
            throw .truncated("string of \(length) bytes with \(buffer.readableBytes) left")
        }
        return text
    }
}
