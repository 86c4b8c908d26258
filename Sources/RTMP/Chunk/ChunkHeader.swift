import Bytes

/// The chunk header format, the top two bits of the basic header.
///
/// Basic header forms, chosen by the chunk stream ID:
///
///     1 byte,  csid 2...63:       |fmt|  csid  |
///     2 bytes, csid 64...319:     |fmt|   0    | csid - 64 |
///     3 bytes, csid 64...65599:   |fmt|   1    | (csid - 64) low byte | high byte |
///
/// Message header by format (timestamps and lengths are 24-bit big-endian,
/// the message stream ID is 32-bit little-endian):
///
///     type 0, 11 bytes: timestamp | length | type ID | message stream ID
///     type 1,  7 bytes: timestamp delta | length | type ID
///     type 2,  3 bytes: timestamp delta
///     type 3,  0 bytes
///
/// A timestamp field of 0xFFFFFF means that a 32-bit big-endian extended
/// timestamp follows the message header; it is also repeated on the type-3
/// chunks of the same message.
public struct ChunkHeaderFormat: Hashable, Sendable {
    /// The format, 0...3.
    public var rawValue: UInt8

    /// Creates a format value.
    public init(_ rawValue: UInt8) { self.rawValue = rawValue }

    /// Type 0: full header, starting a chunk stream or a new timestamp base.
    public static let full = ChunkHeaderFormat(0)
    /// Type 1: same message stream, new length and type.
    public static let sameStream = ChunkHeaderFormat(1)
    /// Type 2: same stream, length and type; only the timestamp delta.
    public static let timestampDeltaOnly = ChunkHeaderFormat(2)
    /// Type 3: no message header; a continuation or a repeat of the previous header.
    public static let continuation = ChunkHeaderFormat(3)

    /// The length of the message header that follows the basic header.
    var messageHeaderLength: Int { [11, 7, 3, 0][Int(rawValue)] }
}

/// The 24-bit value that marks an extended timestamp.
let extendedTimestampMarker: UInt32 = 0xFF_FFFF

extension ByteBuffer {
    /// Appends a basic header in its shortest form for `chunkStreamID`.
    mutating func writeBasicHeader(format: ChunkHeaderFormat, chunkStreamID: ChunkStreamID) {
        let id = chunkStreamID.rawValue
        let formatBits = format.rawValue << 6
        switch id {
        case 2...63:
            writeByte(formatBits | UInt8(id))
        case 64...319:
            writeByte(formatBits)
            writeByte(UInt8(id - 64))
        default:
            precondition(id >= 2 && id <= ChunkStreamID.maximumRawValue, "chunk stream ID \(id) is out of range")
            writeByte(formatBits | 1)
            writeInteger(UInt16(id - 64), endianness: .little)
        }
    }
}
