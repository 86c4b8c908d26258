/// Type markers of AMF3.
enum AMF3Marker {
    static let undefined: UInt8 = 0x00
    static let null: UInt8 = 0x01
    static let `false`: UInt8 = 0x02
    static let `true`: UInt8 = 0x03
    static let integer: UInt8 = 0x04
    static let double: UInt8 = 0x05
    static let string: UInt8 = 0x06
    static let xmlDocument: UInt8 = 0x07
    static let date: UInt8 = 0x08
    static let array: UInt8 = 0x09
    static let object: UInt8 = 0x0A
    static let xml: UInt8 = 0x0B
    static let byteArray: UInt8 = 0x0C
    static let vectorInt: UInt8 = 0x0D
    static let vectorUInt: UInt8 = 0x0E
    static let vectorDouble: UInt8 = 0x0F
    static let vectorObject: UInt8 = 0x10
    static let dictionary: UInt8 = 0x11
}

/// The variable-length unsigned 29-bit integer (U29) of AMF3, as section 1.3.1
/// of Adobe's AMF 3 specification (January 2013) defines it.
///
/// The first three bytes each carry 7 bits, most significant first, and set
/// their high bit when another byte follows. A fourth byte carries 8 bits.
///
/// ```
/// 0x00000000 - 0x0000007F : 0xxxxxxx
/// 0x00000080 - 0x00003FFF : 1xxxxxxx 0xxxxxxx
/// 0x00004000 - 0x001FFFFF : 1xxxxxxx 1xxxxxxx 0xxxxxxx
/// 0x00200000 - 0x1FFFFFFF : 1xxxxxxx 1xxxxxxx 1xxxxxxx xxxxxxxx
/// ```
enum U29 {
    /// The largest value of a U29.
    static let maximum: UInt32 = 0x1FFF_FFFF
    /// The smallest integer that the AMF3 integer type represents (-2^28).
    static let minimumSignedInteger: Int32 = -0x1000_0000
    /// The largest integer that the AMF3 integer type represents (2^28 - 1).
    static let maximumSignedInteger: Int32 = 0x0FFF_FFFF
    /// The largest length or count that fits beside the low flag bit of a U29.
    static let maximumLength = 0x0FFF_FFFF
}
