import Bytes

/// An Aggregate Message (type 22): several audio, video or data messages in one
/// body, each laid out like an FLV tag.
///
///     per sub-message:
///       type           UI8    8 audio, 9 video, 18 or 15 data
///       size           UI24   length of data
///       timestamp      UI24   lower 24 bits, milliseconds
///       timestampExt   UI8    upper 8 bits
///       streamID       UI24   ignored; the aggregate's message stream applies
///       data           size bytes
///       backPointer    UI32   11 + size, the length of the sub-message so far
///
/// The sub-message timestamps are relative to the first one, which lines up
/// with the aggregate's own timestamp: a sub-message at `t` plays at
/// `aggregate.timestamp + (t - first)`, modulo 2^32.
public enum AggregateMessage {
    /// The bytes of a sub-message header before its data.
    static let headerSize = 11
    /// The bytes of the back pointer after each sub-message's data.
    static let backPointerSize = 4

    /// Splits an aggregate into its sub-messages, with absolute timestamps.
    ///
    /// Each sub-message keeps the aggregate's chunk stream and message stream.
    /// The back pointer's value is not checked and the last one may be missing,
    /// because the sub-messages are found from their size fields alone.
    /// - Parameters:
    ///   - message: a type-22 message.
    ///   - maximumParts: the most sub-messages accepted in one aggregate.
    /// - Returns: the sub-messages in order; empty for an empty body.
    /// - Throws: `RTMPProtocolError.invalidMessage` when a header or data is cut
    ///   short, a sub-message is not audio, video or data, or there are more
    ///   than `maximumParts` sub-messages.
    public static func split(_ message: Message, maximumParts: Int) throws(RTMPProtocolError) -> [Message] {
        var body = ByteBuffer(bytes: message.payload)
        var parts: [Message] = []
        var firstTimestamp: UInt32?

        while body.readableBytes > 0 {
            guard parts.count < maximumParts else {
                throw .invalidMessage("aggregate with more than \(maximumParts) sub-messages")
            }

            // header
            guard body.readableBytes >= headerSize,
                let type = body.readByte(),
                let size = body.readUInt24(endianness: .big),
                let lower = body.readUInt24(endianness: .big),
                let upper = body.readByte(),
                body.readUInt24(endianness: .big) != nil
            else {
                throw .invalidMessage("aggregate sub-message \(parts.count) has a truncated header")
            }
            let typeID = MessageTypeID(type)
            guard typeID.isMedia, typeID != .aggregate else {
                throw .invalidMessage("aggregate sub-message of unsupported \(typeID); only audio, video and data are allowed")
            }

            // data and back pointer
            guard let data = body.readBytes(length: Int(size)) else {
                throw .invalidMessage("aggregate sub-message of \(size) bytes is truncated to \(body.readableBytes)")
            }
            _ = body.moveReaderIndex(forwardBy: min(backPointerSize, body.readableBytes))

            let timestamp = UInt32(upper) << 24 | lower
            let first = firstTimestamp ?? timestamp
            firstTimestamp = first
            parts.append(
                Message(
                    chunkStreamID: message.chunkStreamID,
                    typeID: typeID,
                    streamID: message.streamID,
                    timestamp: message.timestamp &+ (timestamp &- first),
                    payload: data
                )
            )
        }
        return parts
    }

    /// Encodes messages as an aggregate body, each with its own timestamp, stream ID 0
    /// and a back pointer. Each payload must be shorter than 2^24 bytes.
    public static func payload(_ parts: [Message]) -> [UInt8] {
        var body = ByteBuffer()
        for part in parts {
            precondition(part.payload.count < 1 << 24, "an aggregate sub-message holds at most 2^24 - 1 bytes")
            body.writeByte(part.typeID.rawValue)
            body.writeUInt24(UInt32(part.payload.count), endianness: .big)
            body.writeUInt24(part.timestamp & 0x00FF_FFFF, endianness: .big)
            body.writeByte(UInt8(part.timestamp >> 24))
            body.writeUInt24(0, endianness: .big)
            body.writeBytes(part.payload)
            body.writeInteger(UInt32(headerSize + part.payload.count), endianness: .big)
        }
        return body.readAllBytes()
    }
}
