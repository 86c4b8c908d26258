extension AMF3Value {
    /// Converts this value to the closest AMF0 value, so that code reading AMF0
    /// command objects can read AMF3 ones the same way.
    ///
    /// | AMF3                               | AMF0                                          |
    /// | ---------------------------------- | --------------------------------------------- |
    /// | undefined, null, boolean           | the same                                      |
    /// | integer, double                    | number                                        |
    /// | string                             | string                                        |
    /// | XML document, XML                  | XML document                                  |
    /// | date                               | date with time zone 0                         |
    /// | array, no associative part         | strict array                                  |
    /// | array with an associative part     | ECMA array: dense indices "0", "1", … first   |
    /// | anonymous object                   | object: sealed then dynamic members           |
    /// | object with a class name           | typed object                                  |
    /// | externalizable with content        | the conversion of its content                 |
    /// | vectors                            | strict array                                  |
    /// | byte array, dictionary, externalizable without content | `.avmPlus(self)`, unchanged |
    ///
    /// Nested values are converted the same way.
    public func toAMF0() -> AMF0Value {
        switch self {
        case .undefined: return .undefined
        case .null: return .null
        case .boolean(let flag): return .boolean(flag)
        case .integer(let integer): return .number(Double(integer))
        case .double(let number): return .number(number)
        case .string(let text): return .string(text)
        case .xmlDocument(let text), .xml(let text): return .xmlDocument(text)
        case .date(let milliseconds): return .date(millisecondsSince1970: milliseconds, timeZone: 0)
        case .array(let dense, let associative): return Self.convertArray(dense: dense, associative: associative)
        case .object(let object): return Self.convertObject(object) ?? .avmPlus(self)
        case .vectorInt(_, let elements): return .strictArray(elements.map { .number(Double($0)) })
        case .vectorUInt(_, let elements): return .strictArray(elements.map { .number(Double($0)) })
        case .vectorDouble(_, let elements): return .strictArray(elements.map { .number($0) })
        case .vectorObject(_, _, let elements): return .strictArray(elements.map { $0.toAMF0() })
        case .byteArray, .dictionary: return .avmPlus(self)
        }
    }

    private static func convertArray(dense: [AMF3Value], associative: [AMF3Property]) -> AMF0Value {
        if associative.isEmpty {
            return .strictArray(dense.map { $0.toAMF0() })
        }
        var properties: [AMF0Property] = []
        properties.reserveCapacity(dense.count + associative.count)
        for (index, element) in dense.enumerated() {
            properties.append(AMF0Property(String(index), element.toAMF0()))
        }
        for property in associative {
            properties.append(AMF0Property(property.key, property.value.toAMF0()))
        }
        return .ecmaArray(properties)
    }

    /// Converts an object, or returns `nil` for an externalizable object without content.
    private static func convertObject(_ object: AMF3Object) -> AMF0Value? {
        if object.traits.isExternalizable {
            return object.externalContent?.toAMF0()
        }
        let properties = object.members.map { AMF0Property($0.key, $0.value.toAMF0()) }
        if object.traits.className.isEmpty {
            return .object(properties)
        }
        return .typedObject(className: object.traits.className, properties: properties)
    }
}
