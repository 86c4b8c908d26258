/// The type of an Enhanced RTMP ModEx prefix: the upper 4 bits of the byte after its data.
///
/// Audio and video share the values.
public struct ModExType: RawRepresentable, Hashable, Sendable {
    /// The 4-bit wire value.
    public var rawValue: UInt8

    /// Creates a type from its 4-bit wire value.
    public init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    /// A 24-bit big-endian offset in nanoseconds at the start of the data, added to
    /// the message timestamp.
    public static let timestampOffsetNano = ModExType(rawValue: 0)
}

/// One ModEx prefix of an Enhanced RTMP audio or video header: its type and data.
///
/// The parser keeps every prefix, known or not, so that the encoder can write the
/// header again byte for byte.
public struct ModExPrefix: Hashable, Sendable {
    /// The ModEx type.
    public var type: ModExType
    /// The ModEx data, 1 to 65,536 bytes on the wire.
    public var data: [UInt8]

    /// Creates a prefix from its type and data.
    public init(type: ModExType, data: [UInt8]) {
        self.type = type
        self.data = data
    }

    /// Creates a TimestampOffsetNano prefix with 3 bytes of data.
    /// - Parameter nanoseconds: the offset; only the low 24 bits are kept.
    public static func timestampOffsetNano(_ nanoseconds: UInt32) -> ModExPrefix {
        ModExPrefix(type: .timestampOffsetNano, data: [16, 8, 0].map { UInt8(truncatingIfNeeded: nanoseconds >> $0) })
    }

    /// The largest data size on the wire: the UI16 size field stores the size minus one.
    public static let maximumDataSize = 65_536

    /// The offset of a TimestampOffsetNano prefix, or `nil` for another type or
    /// fewer than 3 bytes of data.
    public var timestampOffsetNanoseconds: UInt32? {
        guard type == .timestampOffsetNano, data.count >= 3 else { return nil }
        return UInt32(data[0]) << 16 | UInt32(data[1]) << 8 | UInt32(data[2])
    }
}

extension [ModExPrefix] {
    /// The offset of the last TimestampOffsetNano prefix, the one that takes effect.
    var timestampOffsetNanoseconds: UInt32? {
        last { $0.timestampOffsetNanoseconds != nil }?.timestampOffsetNanoseconds
    }
}
